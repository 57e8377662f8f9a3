// Workers started from a program run as `node -e` / `node --input-type=module -e` (or `-p`). A
// worker inherits its parent's Node options, and one started from a file fails at once with
// "--input-type can only be used with string input via --eval, --print, or STDIN" — so
// useThreads ended in an error and a blocking-mode loop waited out the 30 s connect timeout,
// unable to see the worker die. Checked on built files (the source build boots its workers
// through tsx with options of its own).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'gdhttp-exec-argv-'));
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
let server: Server;
let url = '';

beforeAll(async () => {
  await build({
    entryPoints: {
      index: source('./fixtures/worker-entries.ts'),
      'peer-worker': source('../../transport/src/internal/peer-worker.ts'),
      'request-worker': source('../src/internal/request-worker.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@gdhttp/source'],
    outdir: dir,
    logLevel: 'error',
  });
  server = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * Runs `body` as `node <options> -e <script>` with the built entry imported; resolves with its
 * last line. Asynchronously: the server answering it runs in this process.
 */
async function evalRun(options: string[], body: string): Promise<string> {
  const script = `
    const { HTTPClient, HTTPRequest, Method, Status } = await import(${JSON.stringify(join(dir, 'index.js'))});
    const url = new URL(${JSON.stringify(url)});
    ${body}
  `;
  const { stdout } = await promisify(execFile)(process.execPath, [...options, '-e', script], {
    encoding: 'utf8',
    timeout: 45_000,
  });
  return stdout.trim().split('\n').pop()!;
}

const modes = [
  ['node --input-type=module -e', ['--input-type=module']],
  ['node --input-type module -e', ['--input-type', 'module']],
] as const;

describe.each(modes)('workers started from %s', (_, options) => {
  it('HTTPRequest.useThreads completes a request', async () => {
    const line = await evalRun(
      [...options],
      `
      const r = new HTTPRequest();
      r.useThreads = true;
      const { result, body } = await r.request(url.href);
      r.close();
      console.log(result + ' ' + new TextDecoder().decode(body));
    `,
    );
    expect(line).toBe('0 hello');
  }, 60_000);

  it('a blocking-mode HTTPClient connects and reads a response without yielding', async () => {
    const line = await evalRun(
      [...options],
      `
      const c = new HTTPClient();
      c.blockingModeEnabled = true;
      c.connectToHost(url.hostname, Number(url.port));
      const started = Date.now();
      while ((c.getStatus() === Status.RESOLVING || c.getStatus() === Status.CONNECTING) && Date.now() - started < 10000) c.poll();
      c.request(Method.GET, '/', []);
      while (c.getStatus() === Status.REQUESTING && Date.now() - started < 10000) c.poll();
      let body = '';
      while (c.getStatus() === Status.BODY && Date.now() - started < 10000) {
        c.poll();
        body += new TextDecoder().decode(c.readResponseBodyChunk());
      }
      const code = c.getResponseCode();
      c.close();
      console.log(code + ' ' + body + ' ' + (Date.now() - started < 10000));
    `,
    );
    expect(line).toBe('200 hello true');
  }, 60_000);
});
