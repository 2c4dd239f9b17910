/**
 * RSA 2048 key pairs for the token tests, made once per process and shared: each takes 0.1 to 1 s
 * of CPU to generate, and no test needs one of its own, only distinct pairs (`rsaKeyPair(0)` and
 * `rsaKeyPair(1)` differ).
 */
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';

const pairs: KeyPairKeyObjectResult[] = [];

/** The process's `index`-th RSA key pair. */
export function rsaKeyPair(index = 0): KeyPairKeyObjectResult {
  while (pairs.length <= index) pairs.push(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  return pairs[index] as KeyPairKeyObjectResult;
}
