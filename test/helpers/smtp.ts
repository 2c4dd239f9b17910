/**
 * A real SMTP server in-process (the `smtp-server` package) on a free loopback port: collects
 * every mail the reference server sends, so tests can read the link out of it.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The whole message as sent, headers and body. */
  readonly raw: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  readonly text: string;
}

export interface MailSink {
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Resolves with the next mail (or the `count`-th overall), failing after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startMailSink(): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = session.envelope;
        mails.push({
          from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
          to: envelope.rcptTo.map((r) => r.address),
          raw,
          text: decodeQuotedPrintable(raw),
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail #${count} within ${timeoutMs} ms (got ${mails.length})`)), timeoutMs);
        const check = () => {
          const mail = mails[count - 1];
          if (mail === undefined) {
            waiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve(mail);
        };
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The token in a mailed link's fragment. */
export function linkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+#token=[A-Za-z0-9._-]+/.exec(mail.text);
  if (match === null) throw new Error('no reset link in the mail');
  return new URL(match[0]);
}
