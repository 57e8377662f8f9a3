// Workers started from built files, where a worker can fail to start:
// - From a program run as `node -e` / `node --input-type=module -e` (or `-p`). A worker inherits
//   its parent's Node options, and one started from a file fails at once with "--input-type can
//   only be used with string input via --eval, --print, or STDIN" — so useThreads ended in an
//   error and a blocking-mode loop waited out the 30 s connect timeout, unable to see the worker
//   die.
// - From a bundle that left the worker's file out: a blocking-mode loop must learn it at once.
// (The source build boots its workers through tsx with options of its own.)
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Status } from '@gdhttp/constants';
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
async function evalRun(options: string[], body: string, from = dir): Promise<string> {
  const script = `
    const { HTTPClient, HTTPRequest, Method, Status } = await import(${JSON.stringify(join(from, 'index.js'))});
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

describe('a bundle without the worker file', () => {
  it('fails a blocking-mode connect at once with CANT_CONNECT, naming the missing module', async () => {
    // Before, the worker's load error was an 'error' event a blocking loop never receives: the
    // connect ended only at its timeout (30 s by default).
    const alone = mkdtempSync(join(tmpdir(), 'gdhttp-no-worker-'));
    try {
      copyFileSync(join(dir, 'index.js'), join(alone, 'index.js'));
      const line = await evalRun(
        ['--input-type=module'],
        `
        const c = new HTTPClient();
        c.blockingModeEnabled = true;
        c.connectToHost(url.hostname, Number(url.port));
        const started = Date.now();
        while ((c.getStatus() === Status.RESOLVING || c.getStatus() === Status.CONNECTING) && Date.now() - started < 20000) c.poll();
        const elapsed = Date.now() - started;
        console.log(JSON.stringify({ status: c.getStatus(), fast: elapsed < 10000, error: c.lastError?.message ?? '' }));
        c.close();
      `,
        alone,
      );
      const outcome = JSON.parse(line) as { status: number; fast: boolean; error: string };
      expect(outcome).toMatchObject({ status: Status.CANT_CONNECT, fast: true });
      expect(outcome.error).toMatch(/could not load.*peer-worker/);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  }, 60_000);
});
