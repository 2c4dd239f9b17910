/**
 * The credential stamp `verifyLogin` returns with a success: a digest of the stored password hash
 * it verified. A host stores a session only while the user's current hash still has this stamp
 * (checked in the same statement or transaction that inserts the session), so a sign-in that
 * raced a reset or a change never keeps a session made with the old password.
 */
import { createHash } from 'node:crypto';

/**
 * SHA-256 of the hash, base64url without padding (43 characters). Not a secret and not
 * reversible to the hash. In PostgreSQL (11+):
 * `rtrim(translate(encode(sha256(convert_to(password_hash, 'UTF8')), 'base64'), '+/', '-_'), '=')`.
 */
export function credentialStamp(passwordHash: string): string {
  return createHash('sha256').update(passwordHash, 'utf8').digest('base64url');
}
