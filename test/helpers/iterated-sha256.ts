/**
 * The README's "format of your own" example, an iterated salted SHA-256, shared by the legacy-hash
 * tests and the legacy-hash bench figure so they exercise one copy. Its layout:
 * `sha256-iter$<iterations>$<salt hex>$<digest hex>`, digest = SHA-256 applied `iterations` times,
 * first to salt || password. (The published example, examples/legacy-hashes/app.ts, stays self-contained.)
 */
import { createHash } from 'node:crypto';
import { verifier } from '../../lib/index.ts';

/** The verifier, written as a host would write it with `verifier(...)`: the loop runs in the pool. */
export const iteratedSha256 = verifier({
  scheme: 'sha256-iter',
  recognizes: (hash) => hash.startsWith('sha256-iter$'),
  async verify(password, hash, tools) {
    const [, iterations, salt, digest] = hash.split('$');
    const actual = await tools.iteratedDigest({ algorithm: 'sha256', password, salt: Buffer.from(salt ?? '', 'hex'), iterations: Number(iterations) });
    return tools.equal(actual, Buffer.from(digest ?? '', 'hex'));
  },
});

/** A stored hash in that layout, computed on the caller's own thread: the reference the verifier is checked against. */
export function iteratedSha256Hash(password: string, salt: Buffer, iterations: number): string {
  let digest = createHash('sha256').update(salt).update(password).digest();
  for (let i = 1; i < iterations; i++) digest = createHash('sha256').update(digest).digest();
  return `sha256-iter$${iterations}$${salt.toString('hex')}$${digest.toString('hex')}`;
}
