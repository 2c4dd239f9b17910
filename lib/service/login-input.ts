/**
 * Which login names `verifyLogin` treats as unknown without asking the store: ones no store could
 * hold. PostgreSQL, for one, raises on a NUL in a text parameter, which would turn bad input into
 * a 503; any control character is refused the same way, with the same answer and dummy hashing
 * as an unknown login.
 */

const MAX_LOGIN_LENGTH = 1024;
// C0 and C1 control characters (NUL, DEL and U+0080-U+009F included), as the policy's rule counts them.
const CONTROL = /\p{Cc}/u;

/** True for a login to answer as unknown at once: not a string, empty, too long, or with a control character. */
export function isUnusableLogin(login: unknown): boolean {
  return typeof login !== 'string' || login.length === 0 || login.length > MAX_LOGIN_LENGTH || CONTROL.test(login);
}
