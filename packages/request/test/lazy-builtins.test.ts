// A process that only speaks plain HTTP must not load Node's TLS, zlib, crypto or worker
// modules: they are loaded by the first request that needs them (~3 MiB of resident memory at
// start, and start-up time, for every user of the package — issue 19's 1,000 requests at once,
// the CLI's startup).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as a user's bundler or `node` sees it, run by plain `node`: tsx would load
// node:crypto itself before the first line ran.
const dir = mkdtempSync(join(tmpdir(), 'gdhttp-lazy-'));
const entry = join(dir, 'request.mjs');
beforeAll(async () => {
  await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@gdhttp/source'],
    outfile: entry,
    logLevel: 'error',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` in a fresh `node` with the package imported; returns the built-in modules it loaded. */
function loadedAfter(body: string): string[] {
  const script = `
    import { createServer } from 'node:http';
    const before = new Set(process.moduleLoadList);
    const { HTTPRequest, MultipartForm } = await import(${JSON.stringify(entry)});
    const server = createServer((req, res) => {
      if (req.url === '/gzip') res.setHeader('content-encoding', 'gzip');
      // node:zlib only when asked for: a plain request must show none loaded.
      res.end(req.url === '/gzip' ? process.getBuiltinModule('node:zlib').gzipSync('hello') : 'hello');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = 'http://127.0.0.1:' + server.address().port;
    ${body}
    server.close();
    console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

const HEAVY = /^NativeModule (tls|_tls_wrap|zlib|crypto|worker_threads)$/;

describe('Node built-ins are loaded on first use', () => {
  it('a plain HTTP request loads none of tls, zlib, crypto, worker_threads', () => {
    const loaded = loadedAfter(`
      const r = new HTTPRequest();
      const { result, body } = await r.request(base + '/');
      r.close();
      if (result !== 0 || new TextDecoder().decode(body) !== 'hello') throw new Error('request failed');
    `);
    expect(loaded.filter((m) => HEAVY.test(m))).toEqual([]);
  }, 60_000);

  it('an encoded body and a multipart form load what they need, and work', () => {
    const loaded = loadedAfter(`
      const r = new HTTPRequest();
      const { result, body } = await r.request(base + '/gzip');
      r.close();
      if (result !== 0 || new TextDecoder().decode(body) !== 'hello') throw new Error('gzip failed');
      if (!new MultipartForm().boundary.startsWith('gdhttp-')) throw new Error('no boundary');
    `);
    expect(loaded).toContain('NativeModule crypto');
    expect(loaded.filter((m) => /^NativeModule (tls|worker_threads)$/.test(m))).toEqual([]);
  }, 60_000);
});
