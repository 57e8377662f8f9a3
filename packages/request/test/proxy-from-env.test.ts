// Issue #16, proxies from the environment: `proxyFromEnv` reads http_proxy, https_proxy,
// all_proxy and no_proxy as curl does. The no_proxy table is cross-checked with the system curl on
// the same values: for each host and list, which of two servers (the proxy, or the host itself)
// curl's request reached must be the one isNoProxy() and HTTPRequest choose.
import { execFile } from 'node:child_process';
import { Result } from '@gdhttp/constants';
import {
  type Action,
  headerValue,
  type NginxServer,
  type ProxyFixture,
  type ScriptedServer,
  sha256Hex,
  startNginx,
  startNpmProxy,
  startScriptedServer,
  systemTool,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HTTPRequest, isNoProxy } from '../src/index.js';

const ok = (body: string): Action[] => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
  body,
];

let direct: ScriptedServer;
let proxy: ScriptedServer;
beforeAll(async () => {
  direct = await startScriptedServer({ replies: [ok('direct')] });
  proxy = await startScriptedServer({ replies: [ok('proxy')] });
});
afterAll(async () => {
  await Promise.all([direct?.close(), proxy?.close()]);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const PROXY_VARIABLES = [
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
];

/** The environment without any proxy variable, plus `vars`. */
function env(vars: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!PROXY_VARIABLES.includes(name)) out[name] = value;
  }
  return { ...out, ...vars };
}

/** Where curl's request for `http://host:<direct port>/` went under `vars`: the proxy, or not. */
function curlRoute(host: string, vars: Record<string, string>): Promise<'proxy' | 'direct'> {
  const before = proxy.requests.length;
  const bare = host.replace(/^\[|\]$/g, '');
  const args = ['-q', '-s', '-o', '/dev/null', '--max-time', '5'];
  // Names resolve to 127.0.0.1 without DNS; curl consults no_proxy before it resolves anything.
  if (!/^[\d.]+$/.test(bare) && !bare.includes(':')) {
    args.push('--resolve', `${bare}:${direct.port}:127.0.0.1`);
  }
  args.push(`http://${host}:${direct.port}/`);
  return new Promise((resolve) => {
    execFile(systemTool('curl').require(), args, { env: env(vars) }, () =>
      resolve(proxy.requests.length > before ? 'proxy' : 'direct'),
    );
  });
}

// Host (as in a URL) and no_proxy list: curl's matching rules at their edges.
const TABLE: [string, string][] = [
  ['www.example.test', 'example.test'],
  ['www.example.test', '.example.test'],
  ['example.test', '.example.test'],
  ['notexample.test', 'example.test'],
  ['a.b.example.test', 'b.example.test'],
  ['www.example.test', 'test'],
  ['WWW.Example.TEST', 'example.test'],
  ['www.example.test', 'EXAMPLE.test'],
  ['www.example.test', 'example.test.'],
  ['www.example.test', 'other.test, example.test'],
  ['www.example.test', 'other.test example.test'],
  ['www.example.test', ' other.test ,, example.test '],
  ['www.example.test', '*'],
  ['www.example.test', '*.example.test'],
  ['www.example.test', 'example.test:8080'],
  ['www.example.test', 'www.example.test:1'],
  ['www.example.test', 'other.test'],
  ['www.example.test', ''],
  ['localhost', 'other.test'],
  ['localhost', 'localhost'],
  ['127.0.0.1', '127.0.0.1'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.0.0.1', '127.0.0.0/24'],
  ['127.0.0.1', '10.0.0.0/8'],
  ['127.0.0.1', '127.0.0.2'],
  ['127.0.0.1', '127.0.0.1/32'],
  ['127.0.0.1', 'localhost'],
  ['[::1]', '::1'],
  ['[::1]', '::/0'],
  ['[::1]', '::2'],
  ['[::1]', '127.0.0.1'],
];
// Not in the table: an IPv6 entry with a prefix length (`::1/128`). The system curl (7.88) never
// matches one; curl's current lib/noproxy.c (match_ip → Curl_cidr6_match) does, and so do we
// (src/proxy-from-env.test.ts).

describe('no_proxy matching, cross-checked with curl', () => {
  it.each(TABLE)('%s against no_proxy=%j', async (host, list) => {
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const curlChoice = await curlRoute(host, { http_proxy: proxyUrl, no_proxy: list });
    expect(isNoProxy(host, list) ? 'direct' : 'proxy').toBe(curlChoice);
    // NO_PROXY in upper case is read the same (by both).
    expect(await curlRoute(host, { http_proxy: proxyUrl, NO_PROXY: list })).toBe(curlChoice);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.0.0.1', '10.0.0.0/8'],
    ['localhost', 'localhost'],
    ['localhost', '.localhost'],
    ['localhost', 'other.test'],
    ['127.0.0.1', '*'],
  ])('HTTPRequest with proxyFromEnv goes where curl goes: %s, no_proxy=%j', async (host, list) => {
    const vars = { http_proxy: `http://127.0.0.1:${proxy.port}`, NO_PROXY: list };
    const curlChoice = await curlRoute(host, vars);
    for (const name of PROXY_VARIABLES) vi.stubEnv(name, undefined);
    for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
    const http = new HTTPRequest();
    http.proxyFromEnv = true;
    const r = await http.request(`http://${host}:${direct.port}/`);
    http.close();
    expect(new TextDecoder().decode(r.body)).toBe(curlChoice);
  });
});

describe('HTTPRequest proxyFromEnv', () => {
  /** The variables as given, every other proxy variable removed. */
  function stub(vars: Record<string, string>): void {
    for (const name of PROXY_VARIABLES) vi.stubEnv(name, undefined);
    for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
  }

  it('sends the proxy URL’s credentials as Proxy-Authorization, as curl does', async () => {
    const proxyUrl = `http://us%20er:p%40ss@127.0.0.1:${proxy.port}`;
    const before = proxy.requests.length;
    await curlRoute('127.0.0.1', { http_proxy: proxyUrl });
    const fromCurl = proxy.requests[before]!;
    stub({ http_proxy: proxyUrl });
    const http = new HTTPRequest();
    http.proxyFromEnv = true;
    const r = await http.request(`http://127.0.0.1:${direct.port}/path`);
    http.close();
    expect(new TextDecoder().decode(r.body)).toBe('proxy');
    const ours = proxy.requests.at(-1)!;
    const auth = (q: typeof ours) =>
      q.headers.find(([n]) => n.toLowerCase() === 'proxy-authorization')?.[1];
    expect(auth(ours)).toBe(`Basic ${Buffer.from('us er:p@ss').toString('base64')}`);
    expect(auth(ours)).toBe(auth(fromCurl));
    expect(ours.requestLine).toBe(`GET http://127.0.0.1:${direct.port}/path HTTP/1.1`);
  });

  it('reads http_proxy in lower case only, and falls back to all_proxy', async () => {
    const http = new HTTPRequest();
    http.proxyFromEnv = true;
    const url = `http://127.0.0.1:${direct.port}/`;
    const body = async () => new TextDecoder().decode((await http.request(url)).body);
    stub({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
    expect(await body()).toBe('direct');
    stub({ ALL_PROXY: `http://127.0.0.1:${proxy.port}` });
    expect(await body()).toBe('proxy');
    stub({ http_proxy: '', all_proxy: `http://127.0.0.1:${proxy.port}` });
    expect(await body()).toBe('direct');
    // Off again: the environment is not read.
    stub({ http_proxy: `http://127.0.0.1:${proxy.port}` });
    http.proxyFromEnv = false;
    expect(await body()).toBe('direct');
    http.close();
  });

  it('lets a proxy set by hand win, and refuses a proxy it cannot speak to', async () => {
    stub({ http_proxy: 'http://127.0.0.1:1' });
    const http = new HTTPRequest();
    http.proxyFromEnv = true;
    http.setHttpProxy('127.0.0.1', proxy.port);
    const url = `http://127.0.0.1:${direct.port}/`;
    expect(new TextDecoder().decode((await http.request(url)).body)).toBe('proxy');
    http.setHttpProxy('', -1);
    stub({ http_proxy: 'socks5://user:secret@127.0.0.1:1080' });
    const refused = http.request(url);
    await expect(refused).rejects.toThrow(/unsupported proxy scheme 'socks5'/);
    await expect(refused).rejects.not.toThrow(/secret/);
    http.close();
  });

  describe('https through a CONNECT proxy from https_proxy', () => {
    let nginx: NginxServer;
    let tunnel: ProxyFixture;
    beforeAll(async () => {
      nginx = await startNginx({ fileSizes: [100_000] });
      tunnel = await startNpmProxy({ auth: { user: 'u', pass: 'p w' } });
    });
    afterAll(async () => {
      await Promise.all([nginx?.close(), tunnel?.close()]);
    });

    it('tunnels with the credentials and fetches the file intact', async () => {
      stub({
        https_proxy: `http://u:p%20w@127.0.0.1:${tunnel.port}`,
        http_proxy: 'http://127.0.0.1:1',
      });
      const http = new HTTPRequest();
      http.proxyFromEnv = true;
      http.setTlsOptions(TLSOptions.client(nginx.ca));
      const r = await http.request(`${nginx.tlsUrl}/files/100000.bin`);
      http.close();
      expect(r.result).toBe(Result.SUCCESS);
      expect(sha256Hex(r.body)).toBe(nginx.file(100_000).sha256);
      expect(headerValue(r.headers, 'content-length')).toBe('100000');
    });
  });
});
