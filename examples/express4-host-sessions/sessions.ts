/**
 * The host's own sessions, the way an Express 4 app with express-session keeps them: a random
 * session id in a cookie, the session data in a server-side map.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

/** What the host keeps per signed-in user. */
export interface HostSession {
  readonly userId: string;
  readonly permissions: readonly string[];
}

export const SESSION_COOKIE = 'host.sid';

/** The host's session store: session id -> session. */
export class HostSessions {
  readonly #sessions = new Map<string, HostSession>();

  /** Starts a session and sets its cookie. */
  start(res: Response, session: HostSession): string {
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, session);
    res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/' });
    return id;
  }

  /** The session behind the request's cookie, or undefined. */
  lookup(req: Request): HostSession | undefined {
    const id = readCookie(req, SESSION_COOKIE);
    return id === undefined ? undefined : this.#sessions.get(id);
  }

  /** Ends every session of a user (after a password change, for example). */
  endAllFor(userId: string): number {
    let ended = 0;
    for (const [id, session] of this.#sessions) {
      if (session.userId === userId) {
        this.#sessions.delete(id);
        ended += 1;
      }
    }
    return ended;
  }
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
