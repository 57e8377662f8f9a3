// TLS and proxies through the HTTPClient: status sequences, SNI/verification with a test CA,
// absolute-form targets through an HTTP proxy, CONNECT tunnels through an HTTPS proxy — against
// real proxies (npm `proxy`, Debian's tinyproxy and squid) on 127.0.0.1.
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import {
  type ProxyFixture,
  type ScriptedServer,
  startNpmProxy,
  startScriptedServer,
  startSquid,
  startTinyproxy,
  systemTool,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const reply = (body: string) => [
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nContent-Type: text/plain\r\n\r\n${body}`,
];

let plain: ScriptedServer;
let secure: ScriptedServer;
let ca: string;
beforeAll(async () => {
  const certs = await testCertificates();
  ca = certs.ca.cert;
  plain = await startScriptedServer({ replies: [reply('plain origin')] });
  secure = await startScriptedServer({
    tls: { key: certs.valid.key, cert: certs.valid.cert },
    replies: [reply('secure origin')],
  });
});
afterAll(async () => {
  await plain.close();
  await secure.close();
});

async function get(client: HTTPClient, url = '/'): Promise<string> {
  expect(client.request(Method.GET, url, [])).toBe(ErrorCode.OK);
  await drive(client, (st) => st !== Status.REQUESTING);
  expect(client.getStatus()).toBe(Status.BODY);
  return text(await readBody(client));
}

describe('HTTPClient over TLS', () => {
  it('goes CONNECTING → CONNECTED through the handshake with a custom CA', async () => {
    const client = new HTTPClient();
    const seen = await connect(client, secure.host, secure.port, TLSOptions.client(ca));
    expect(seen).toEqual([Status.CONNECTING, Status.CONNECTED]);
    expect(await get(client)).toBe('secure origin');
    client.close();
  });

  it('goes RESOLVING → CONNECTING → CONNECTED with https:// and a host name', async () => {
    const client = new HTTPClient();
    const seen = await connect(client, 'https://localhost', secure.port, TLSOptions.client(ca));
    expect(seen[0]).toBe(Status.RESOLVING);
    expect(seen.at(-1)).toBe(Status.CONNECTED);
    expect(await get(client)).toBe('secure origin');
    const host = secure.requests.at(-1)!.headers.find(([n]) => n === 'Host')?.[1];
    expect(host).toBe(`localhost:${secure.port}`);
    client.close();
  });

  it('ends in TLS_HANDSHAKE_ERROR with the reason when the CA is unknown', async () => {
    const client = new HTTPClient();
    await connect(client, secure.host, secure.port, TLSOptions.client());
    expect(client.getStatus()).toBe(Status.TLS_HANDSHAKE_ERROR);
    expect(client.lastError).toMatchObject({ name: 'TLSError' });
  });

  it('checks the name given to connectToHost, or the override', async () => {
    const client = new HTTPClient();
    await connect(client, secure.host, secure.port, TLSOptions.client(ca, 'wrong.example'));
    expect(client.getStatus()).toBe(Status.TLS_HANDSHAKE_ERROR);
    await connect(client, secure.host, secure.port, TLSOptions.client(ca, 'localhost'));
    expect(client.getStatus()).toBe(Status.CONNECTED);
    client.close();
  });

  it('accepts any certificate with clientUnsafe() and no chain', async () => {
    const client = new HTTPClient();
    await connect(client, secure.host, secure.port, TLSOptions.clientUnsafe());
    expect(await get(client)).toBe('secure origin');
    client.close();
  });
});

const proxies: Array<{
  name: string;
  start: (o?: { auth?: { user: string; pass: string } }) => Promise<ProxyFixture>;
  run: boolean;
  note: string;
}> = [
  { name: 'npm proxy', start: startNpmProxy, run: true, note: '' },
  {
    name: 'tinyproxy',
    start: startTinyproxy,
    run: systemTool('tinyproxy').shouldRun,
    note: systemTool('tinyproxy').skipNote,
  },
  {
    name: 'squid',
    start: startSquid,
    run: systemTool('squid').shouldRun,
    note: systemTool('squid').skipNote,
  },
];

describe.each(proxies)('HTTPClient through $name$note', ({ start, run }) => {
  const auth = { user: 'user', pass: 'pass' };
  let proxy: ProxyFixture;
  beforeAll(async () => {
    if (run) proxy = await start({ auth });
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
  });

  it.runIf(run)('sends absolute-form targets to an HTTP proxy, with credentials', async () => {
    const client = new HTTPClient();
    client.setHttpProxy(proxy.host, proxy.port, auth.user, auth.pass);
    const seen = await connect(client, plain.host, plain.port);
    expect(seen.at(-1)).toBe(Status.CONNECTED);
    expect(await get(client, '/via-proxy?x=1')).toBe('plain origin');
    const seenByOrigin = plain.requests.at(-1)!;
    expect(seenByOrigin.requestLine).toMatch(
      /^GET (http:\/\/127\.0\.0\.1:\d+)?\/via-proxy\?x=1 HTTP/,
    );
    // The proxy consumed the credentials: the origin never sees them.
    expect(seenByOrigin.headers.some(([n]) => n.toLowerCase() === 'proxy-authorization')).toBe(
      false,
    );
    client.close();
  });

  it.runIf(run)('gets the 407 as the response from an HTTP proxy without credentials', async () => {
    const client = new HTTPClient();
    client.setHttpProxy(proxy.host, proxy.port);
    await connect(client, plain.host, plain.port);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getResponseCode()).toBe(407);
    client.close();
  });

  it.runIf(run)('tunnels TLS through an HTTPS proxy, with credentials', async () => {
    const client = new HTTPClient();
    client.setHttpsProxy(proxy.host, proxy.port, auth.user, auth.pass);
    const seen = await connect(
      client,
      secure.host,
      secure.port,
      TLSOptions.client(ca, 'localhost'),
    );
    expect(seen).toEqual([Status.CONNECTING, Status.CONNECTED]);
    expect(await get(client)).toBe('secure origin');
    client.close();
  });

  it.runIf(run)('ends in CANT_CONNECT with a ProxyError 407 without credentials', async () => {
    const client = new HTTPClient();
    client.setHttpsProxy(proxy.host, proxy.port);
    await connect(client, secure.host, secure.port, TLSOptions.client(ca, 'localhost'));
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
    expect(client.lastError).toMatchObject({ name: 'ProxyError', status: 407 });
  });

  it.runIf(run)('uses the HTTP proxy only for plain and the HTTPS proxy only for TLS', async () => {
    const client = new HTTPClient();
    client.setHttpsProxy(proxy.host, proxy.port); // would answer 407
    await connect(client, plain.host, plain.port);
    expect(await get(client)).toBe('plain origin');
    client.setHttpsProxy('', 8080);
    client.setHttpProxy(proxy.host, -1); // port -1 clears it
    await connect(client, secure.host, secure.port, TLSOptions.client(ca, 'localhost'));
    expect(await get(client)).toBe('secure origin');
    client.close();
  });
});

describe('HTTPClient proxy settings', () => {
  it('samples proxies at connectToHost: a later change affects only the next connection', async () => {
    const proxy = await startNpmProxy();
    const client = new HTTPClient();
    await connect(client, plain.host, plain.port);
    client.setHttpProxy(proxy.host, proxy.port);
    expect(await get(client, '/direct')).toBe('plain origin');
    expect(plain.requests.at(-1)!.requestLine).toBe('GET /direct HTTP/1.1');
    client.close();
    await proxy.close();
  });

  it('refuses credentials a Basic header cannot carry', () => {
    const client = new HTTPClient();
    client.setHttpProxy('127.0.0.1', 3128, 'a:b', 'c');
    expect(client.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
    client.setHttpsProxy('127.0.0.1', 3128, 'a', 'x\r\ny');
    expect(client.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});
