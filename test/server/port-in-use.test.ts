/**
 * `npm start` with its port taken: one clear line, exit 1, and nothing created first (no data
 * directory, no admin, no generated password printed above an error). The busy port is an
 * ephemeral one this test holds.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ListenError } from '../../examples/server/bind-port.ts';
import { ROOT, runProcess, startServer, tempDir } from '../helpers/server.ts';

let busy: Server;
let port: number;
before(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as { port: number }).port;
});
after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

test('npm start on a busy port prints one line and exits 1 before creating anything', async () => {
  const dataDir = path.join(tempDir('busy-port'), 'fresh');
  const result = await runProcess([path.join(ROOT, 'examples', 'server', 'main.ts')], {
    HOST: '127.0.0.1',
    PORT: String(port),
    RBAC_DATA_DIR: dataDir,
    RBAC_BCRYPT_COST: '4',
  });
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr, `express-rbac-password server: port ${port} is in use; set PORT=… (or stop the other server)\n`);
  assert.equal(result.stdout, '', 'nothing is printed before the port is bound: no store opened, no admin password');
  assert.equal(existsSync(dataDir), false, 'the data directory is not created');
});

test('in-process: listen() on a busy port rejects with ListenError and the same words', async () => {
  await assert.rejects(startServer({ RBAC_STORE: 'memory', PORT: String(port) }), (error: unknown) => {
    assert.ok(error instanceof ListenError);
    assert.equal(error.message, `port ${port} is in use; set PORT=… (or stop the other server)`);
    return true;
  });
});
