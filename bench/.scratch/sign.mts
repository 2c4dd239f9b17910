import jwt from 'jsonwebtoken';
import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { ResetTokenCodec } from '../../lib/tokens/reset-token.ts';
import { resolveTokenKeys } from '../../lib/tokens/token-keys.ts';
const key = createSecretKey(Buffer.from('x'.repeat(40)));
const codec = new ResetTokenCodec(resolveTokenKeys('x'.repeat(40)), 'iss', 0);
const now = new Date(); const exp = new Date(Date.now() + 1e6); const sub = randomUUID();
function b(name: string, fn: () => unknown) { for (let i = 0; i < 5000; i++) fn(); const t = performance.now(); for (let i = 0; i < 50000; i++) fn(); console.log(name, ((performance.now() - t) * 1000 / 50000).toFixed(2), 'us'); }
for (let r = 0; r < 2; r++) {
b('jwt.sign', () => jwt.sign({ sub, jti: 'abc', purpose: 'p', iat: 1, exp: 2 }, key, { algorithm: 'HS256', issuer: 'iss' }));
b('codec.sign', () => codec.sign(sub, 'abc', now, exp));
b('randomBytes32', () => randomBytes(32).toString('base64url'));
b('randomUUID', () => randomUUID());
}
