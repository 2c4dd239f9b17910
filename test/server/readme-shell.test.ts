/**
 * The READMEs' shell walkthroughs, run by bash as a reader would paste them: the reference server
 * started with `npm start`, the curl story in another "terminal", then (server stopped, as the
 * READMEs say for PGlite) the CLI block. Only the port (a free one instead of 4433) and the data
 * directory (a temporary one instead of .rbac-data) are swapped; bcrypt cost 4 keeps it quick.
 * The shell's own $USER is set to "reader" and must survive the walkthrough.
 *
 * The two CLI blocks are the same commands behind two launchers (`npx express-rbac-password`,
 * `npm run cli --`). The main README's block runs whole; the server README's must list the same
 * commands, and its first line runs to prove its launcher, since each CLI run costs seconds.
 * Likewise only the main README's `npm start` meets a bare data directory (PGlite's initdb); the
 * server README's starts on a copied empty cluster.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataDirWithEmptyCluster } from '../helpers/pglite-template.ts';
import { freePort } from '../helpers/ports.ts';
import { runShell, shellBlock, startShell } from '../helpers/readme-blocks.ts';
import { tempDir } from '../helpers/server.ts';

interface Walkthrough {
  readonly readme: string;
  readonly start: string;
  readonly story: string;
  /** How its CLI block runs the command. */
  readonly launcher: string;
}

const MAIN: Walkthrough = { readme: 'README.md', start: 'server-start', story: 'server-story', launcher: 'npx express-rbac-password' };
const SERVER: Walkthrough = { readme: 'examples/server/README.md', start: 'walkthrough-start', story: 'walkthrough', launcher: 'npm run cli --' };

/** A CLI block's command lines with the launcher named `<cli>` and the trailing comments left out. */
function cliCommands({ readme, launcher }: Walkthrough): string[] {
  return shellBlock(readme, 'cli')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').replaceAll(launcher, '<cli>'));
}

// The two READMEs' runs share nothing (own port, own data directory), so they run side by side.
describe("the READMEs' shell walkthroughs", { concurrency: true }, () => {
  for (const walkthrough of [MAIN, SERVER]) {
    const { readme, start, story } = walkthrough;
    describe(`${readme}: the walkthrough and the CLI block`, { timeout: 600_000, concurrency: 1 }, () => {
      let dataDir: string;
      let env: Record<string, string>;
      before(async () => {
        dataDir = walkthrough === MAIN ? tempDir('readme') : await dataDirWithEmptyCluster('readme');
        env = { RBAC_DATA_DIR: dataDir, RBAC_BCRYPT_COST: '4' };
      });

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

      if (walkthrough === SERVER) {
        it("the CLI block: the main README's commands through npm run cli, whose first line runs", async () => {
          const commands = cliCommands(SERVER);
          assert.deepEqual(commands, cliCommands(MAIN));
          const { code, stdout, stderr } = await runShell(`set -e\n${shellBlock(readme, 'cli').split('\n')[0]}`, env);
          assert.equal(code, 0, `${stdout}\n${stderr}`);
          assert.equal(commands[0], '<cli> --help');
          assert.match(stdout, /Usage: express-rbac-password/);
        });
        return;
      }

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
