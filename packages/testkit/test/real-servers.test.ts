// The real-server fixtures themselves: nginx, httpbin, the upload reporter and the curl helper,
// checked with curl alone (no gdhttp code), so a fixture fault never passes for a gdhttp bug.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  curl,
  curlEach,
  DEBIAN_PACKAGE,
  type NginxServer,
  sha256Hex,
  startHttpbin,
  startNginx,
  startUploadReporter,
  systemTool,
  systemTools,
} from '../src/index.js';

const curlTools = systemTools('curl');
const nginxTools = systemTools('nginx', 'curl', 'openssl');
const httpbinTools = systemTools('gunicorn', 'httpbin', 'curl');

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('systemTool', () => {
  it('names the Debian package of every tool it knows', () => {
    expect(DEBIAN_PACKAGE).toMatchObject({
      nginx: 'nginx',
      httpbin: 'python3-httpbin',
      chromium: 'chromium',
    });
    const nginx = systemTool('nginx');
    if (nginx.path === null) expect(() => nginx.require()).toThrow(/Debian package nginx/);
    else expect(nginx.require()).toBe(nginx.path);
  });
});

describe.skipIf(!curlTools.shouldRun)(`curl and the upload reporter${curlTools.skipNote}`, () => {
  it('posts a body from a file and reports status, heads, body and %{json}', async () => {
    curlTools.require();
    const reporter = await startUploadReporter();
    try {
      const data = Buffer.from('x'.repeat(100_000));
      const got = await curl(
        [
          '-H',
          'Content-Type: application/octet-stream',
          `http://127.0.0.1:${reporter.port}/up?a=1`,
        ],
        { data },
      );
      expect(got).toMatchObject({ exitCode: 0, status: 200, numRedirects: 0, numConnects: 1 });
      expect(got.urlEffective).toBe(`http://127.0.0.1:${reporter.port}/up?a=1`);
      expect(got.header('CONTENT-TYPE')).toBe('application/json');
      expect(JSON.parse(got.body.toString())).toMatchObject({
        method: 'POST',
        url: '/up?a=1',
        bytes: data.length,
        sha256: sha256Hex(data),
      });
      expect(reporter.reports).toHaveLength(1);
    } finally {
      await reporter.close();
    }
  });

  it('reports a failed transfer instead of throwing', async () => {
    const reporter = await startUploadReporter();
    const port = reporter.port;
    await reporter.close();
    const got = await curl([`http://127.0.0.1:${port}/`]);
    expect(got.exitCode).toBe(7);
    expect(got.status).toBe(0);
    expect(got.stderr).toMatch(/Failed to connect/);
  });
});

describe.skipIf(!nginxTools.shouldRun)(`startNginx${nginxTools.skipNote}`, () => {
  let nginx: NginxServer;
  beforeAll(async () => {
    nginxTools.require();
    nginx = await startNginx({ fileSizes: [0, 16_385] });
  }, 30_000);
  afterAll(async () => {
    await nginx?.close();
  });

  it('serves the random files over HTTP and HTTPS (openssl-made CA)', async () => {
    const file = nginx.file(16_385);
    const plain = await curl([`${nginx.url}${file.path}`]);
    expect(plain.status).toBe(200);
    expect(sha256Hex(plain.body)).toBe(file.sha256);
    const tls = await curl(['--cacert', nginx.caPath, `${nginx.tlsUrl}${file.path}`]);
    expect(tls.exitCode).toBe(0);
    expect(sha256Hex(tls.body)).toBe(file.sha256);
  });

  it('gzips text, proxies uploads, and redirects through nested prefixes', async () => {
    const text = await curl(['--compressed', `${nginx.url}${nginx.text.path}`]);
    expect(text.header('content-encoding')).toBe('gzip');
    expect(sha256Hex(text.body)).toBe(nginx.text.sha256);
    const upload = await curl([`${nginx.url}/upload`], { data: Buffer.from('abc') });
    expect(JSON.parse(upload.body.toString())).toMatchObject({ bytes: 3 });
    const chain = await curl(['-L', `${nginx.url}/redirect/301/redirect/308/files/0.bin?q=1`]);
    expect(chain.heads.map((head) => head.status)).toEqual([301, 308, 200]);
    expect(chain.numRedirects).toBe(2);
    expect(chain.urlEffective).toBe(`${nginx.url}/files/0.bin?q=1`);
    const tls = await curl(['-L', '--cacert', nginx.caPath, `${nginx.url}/to-https/files/0.bin`]);
    expect(tls.urlEffective).toBe(`${nginx.tlsUrl}/files/0.bin`);
  });

  it('logs $connection and $connection_requests, so kept-alive reuse can be counted', async () => {
    const urls = [1, 2, 3].map((i) => `${nginx.url}/files/0.bin?reuse=${i}`);
    const transfers = await curlEach(urls);
    expect(transfers.map((t) => t.numConnects)).toEqual([1, 0, 0]);
    const entries = (await nginx.accessLog()).filter((e) => e.target.includes('reuse='));
    expect(entries).toHaveLength(3);
    expect(new Set(entries.map((e) => e.connection)).size).toBe(1);
    expect(entries.map((e) => e.connectionRequests)).toEqual([1, 2, 3]);
    expect(entries[0]).toMatchObject({ method: 'GET', status: 200, scheme: 'http' });
  });

  it('stops by pid and removes its files', async () => {
    const other = await startNginx({ fileSizes: [1] });
    expect(existsSync(other.dir)).toBe(true);
    await other.close();
    expect(alive(other.pid)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
    expect(await curl([`${other.url}/files/1.bin`])).toMatchObject({ exitCode: 7 });
  });
});

describe.skipIf(!httpbinTools.shouldRun)(`startHttpbin${httpbinTools.skipNote}`, () => {
  it('answers once started and is gone once closed', async () => {
    httpbinTools.require();
    const httpbin = await startHttpbin();
    try {
      const got = await curl([`${httpbin.url}/stream-bytes/100?seed=1&chunk_size=10`]);
      expect(got.status).toBe(200);
      expect(got.header('transfer-encoding')).toBe('chunked');
      expect(got.body).toHaveLength(100);
    } finally {
      await httpbin.close();
    }
    expect(alive(httpbin.pid)).toBe(false);
  }, 30_000);
});
