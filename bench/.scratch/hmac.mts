import { createHmac, createSecretKey } from 'node:crypto';
const buf = Buffer.from('x'.repeat(40)); const key = createSecretKey(buf);
const body = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + 'a'.repeat(250);
function b(name: string, fn: () => unknown) { for (let i = 0; i < 5000; i++) fn(); const t = performance.now(); for (let i = 0; i < 50000; i++) fn(); console.log(name, ((performance.now() - t) * 1000 / 50000).toFixed(2), 'us'); }
for (let r = 0; r < 2; r++) {
b('hmac keyobject', () => createHmac('sha256', key).update(body).digest('base64url'));
b('hmac buffer', () => createHmac('sha256', buf).update(body).digest('base64url'));
b('json+b64', () => Buffer.from(JSON.stringify({ sub: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', jti: 'x'.repeat(43), purpose: 'password-reset', iat: 1, exp: 2, iss: 'iss' })).toString('base64url'));
}
