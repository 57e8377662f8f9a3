import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `npm i -g @gdhttp/cli` gives a user: the packed tarball (dist/ built by
// test/build.global.ts), installed into an empty folder with no registry (it has no
// dependencies: @gdhttp/* are bundled), then its `gdhttp` bin run.
const CLI = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

let dir: string;
let server: ScriptedServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-pack-'));
  server = await startScriptedServer({
    replies: [['HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npacked ok']],
  });
});
afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('npm pack of @gdhttp/cli', () => {
  it('installs into an empty folder and runs `gdhttp --version` and a request', async () => {
    const npm = { env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } };
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { ...npm, cwd: CLI });
    const [tarball] = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toMatch(/^gdhttp-cli-\d+\.\d+\.\d+\.tgz$/);
    const app = join(dir, 'app');
    await run('npm', ['install', '--offline', '--prefix', app, join(dir, tarball!)], npm);
    const bin = join(app, 'node_modules', '.bin', 'gdhttp');
    const version = await run(bin, ['--version']);
    expect(version.stdout).toMatch(/^gdhttp \d+\.\d+\.\d+ \(gdhttp\/.* \(Node\.js /);
    // The first request writes the core's code cache (src/bin.ts), the second runs from it.
    const cached = { env: { ...process.env, GDHTTP_CACHE_DIR: join(dir, 'code-cache') } };
    for (let i = 0; i < 2; i++) {
      const got = await run(bin, ['-fsS', `http://${server.host}:${server.port}/`], cached);
      expect(got).toEqual({ stdout: 'packed ok', stderr: '' });
    }
    expect(await readdir(join(dir, 'code-cache'))).toHaveLength(1);
  });
});
