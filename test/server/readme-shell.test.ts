/**
 * The READMEs' shell walkthroughs, run by bash as a reader would paste them: the reference server
 * started with `npm start`, the curl story in another "terminal", then (server stopped, as the
 * READMEs say for PGlite) the CLI block. Only the port (a free one instead of 4433) and the data
 * directory (a temporary one instead of .rbac-data) are swapped; bcrypt cost 4 keeps it quick.
 * The shell's own $USER is set to "reader" and must survive the walkthrough.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { runShell, shellBlock, startShell } from '../helpers/readme-blocks.ts';
import { tempDir } from '../helpers/server.ts';

interface Walkthrough {
  readonly readme: string;
  readonly start: string;
  readonly story: string;
}

const WALKTHROUGHS: readonly Walkthrough[] = [
  { readme: 'README.md', start: 'server-start', story: 'server-story' },
  { readme: 'examples/server/README.md', start: 'walkthrough-start', story: 'walkthrough' },
];

// The two READMEs' runs share nothing (own port, own data directory), so they run side by side.
describe("the READMEs' shell walkthroughs", { concurrency: true }, () => {
  for (const { readme, start, story } of WALKTHROUGHS) {
    describe(`${readme}: the walkthrough and the CLI block`, { timeout: 600_000, concurrency: 1 }, () => {
      const dataDir = tempDir('readme');
      const env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4' };

      it('the curl walkthrough against npm start', async () => {
        const port = await freePort();
        const server = await startShell(shellBlock(readme, start).replaceAll('.rbac-data', dataDir), { ...env, PORT: String(port) }, /listening on http/);
        try {
          const script = `${shellBlock(readme, story).replaceAll('127.0.0.1:4433', `127.0.0.1:${port}`)}\necho "USER=$USER"`;
          const { code, stdout, stderr } = await runShell(script);
          assert.equal(code, 0, stderr);
          assert.match(stdout, /(401 ){10}/, 'ten refused logins');
          // A locked account answers even the right password as an unknown login (issue 11's default).
          assert.match(stdout, /(401 ){10}\n\{"kind":"puppetlabs\.rbac\/user-unauthenticated"/, 'then the right password gets the answer of an unknown login');
          assert.match(stdout, new RegExp(`"link":"http://127\\.0\\.0\\.1:${port}/rbac-api/v1/reset-password#token=`), 'the JSON answer shows the link to the page');
          assert.match(stdout, /"valid":false/, 'validate-password refuses "alice"');
          assert.match(stdout, /\{"msg":"The password has been reset"\}/);
          assert.match(stdout, /invalid-token/, 'the used token is refused');
          assert.match(stdout, /\{"msg":"The password has been changed"\}/);
          assert.match(stdout, /USER=reader\n$/, "the walkthrough leaves the shell's $USER alone");
        } finally {
          await server.stop();
        }
      });

      it("the CLI block on the stopped server's data directory", async () => {
        const { code, stdout, stderr } = await runShell(`set -e\n${shellBlock(readme, 'cli')}`, env);
        assert.equal(code, 0, `${stdout}\n${stderr}`);
        assert.match(stdout, /Usage: express-rbac-password/);
        assert.match(stdout, /The password of "admin" was set/);
        assert.match(stdout, /Reset token for "alice"/);
        assert.match(stdout, /Link: http:\/\/127\.0\.0\.1:4433\/rbac-api\/v1\/reset-password#token=/);
        assert.match(stderr, /built from this shell's HOST and PORT; if the server listens elsewhere, set RBAC_PUBLIC_URL/);
        assert.match(stdout, /Outstanding reset tokens of "alice"/);
        assert.match(stdout, /Revoked 1 outstanding reset token\(s\) of "alice"\./);
        assert.match(stdout, /"alice" is active again/);
        assert.match(stdout, /schema is up to date/);
        assert.match(stdout, /Purged \d+ reset-token record/);
      });
    });
  }
});
