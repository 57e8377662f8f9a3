// The web HTTPClient (the `browser` build) run in Node against real loopback servers: Node's
// global fetch (undici) behaves as a browser's for everything but CORS and forbidden headers.
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/http-client-web.js';
import { drive } from './drive.js';
import { readWebBody } from './web-client-drive.js';
import { largeBody, sha256, startWebTestServer, type WebTestServer } from './web-client-server.js';

let server: WebTestServer;
beforeAll(async () => {
  server = await startWebTestServer();
});
afterAll(async () => {
  await server.close();
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const settled = (s: Status) => s !== Status.RESOLVING && s !== Status.CONNECTING;
const answered = (s: Status) => s !== Status.REQUESTING;

/** A client connected to the test server (CONNECTING → CONNECTED, one step per poll). */
async function connected(): Promise<HTTPClient> {
  const client = new HTTPClient();
  expect(client.connectToHost(server.host, server.port)).toBe(ErrorCode.OK);
  await drive(client, settled);
  expect(client.getStatus()).toBe(Status.CONNECTED);
  return client;
}

/** Sends a request and drives it until the response head arrived. */
async function exchange(
  method: Method,
  url: string,
  headers: string[] = [],
  body = '',
): Promise<{ client: HTTPClient; seen: Status[] }> {
  const client = await connected();
  expect(client.request(method, url, headers, body)).toBe(ErrorCode.OK);
  expect(client.getStatus()).toBe(Status.REQUESTING);
  const seen = await drive(client, answered);
  return { client, seen };
}

describe('web HTTPClient: connecting', () => {
  it('goes CONNECTING → CONNECTED for an IP literal, one step per poll, as Godot web', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('127.0.0.1', 8080)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTED);
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('goes RESOLVING → CONNECTING → CONNECTED for a host name', async () => {
    const client = new HTTPClient();
    expect(client.connectToHost('localhost', server.port)).toBe(ErrorCode.OK);
    expect(await drive(client, (s) => s === Status.CONNECTED)).toEqual([
      Status.RESOLVING,
      Status.CONNECTING,
      Status.CONNECTED,
    ]);
  });

  it('accepts a bracketed IPv6 literal and the scheme prefixes', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('[::1]', 8080)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    expect(client.connectToHost('https://example.com')).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.RESOLVING);
    expect(client.connectToHost('HTTP://example.com', -1, TLSOptions.client())).toBe(ErrorCode.OK);
  });

  it('reports CANT_RESOLVE for a host no URL can hold (what DNS would refuse)', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('https://example.com/path')).toBe(ErrorCode.OK);
    expect(client.poll()).toBe(ErrorCode.CANT_RESOLVE);
    expect(client.getStatus()).toBe(Status.CANT_RESOLVE);
    expect(client.poll()).toBe(ErrorCode.CANT_RESOLVE);
    expect(client.lastError?.message).toMatch(/not a host name/);
  });

  it('returns UNCONFIGURED from poll() when DISCONNECTED', () => {
    expect(new HTTPClient().poll()).toBe(ErrorCode.UNCONFIGURED);
  });
});

describe('web HTTPClient: requests against a real server', () => {
  it('GET: REQUESTING → BODY → DISCONNECTED, code, headers, length and body', async () => {
    const { client, seen } = await exchange(Method.GET, '/hello?x=1', ['X-Custom: yes']);
    expect(seen).toEqual([Status.REQUESTING, Status.BODY]);
    expect(client.getResponseCode()).toBe(200);
    expect(client.hasResponse()).toBe(true);
    expect(client.responseStarted).toBe(true);
    expect(client.getResponseHeaders()).toContain('content-type: text/plain');
    expect(client.getResponseHeadersAsDictionary()).toMatchObject({
      'content-type': 'text/plain',
      'x-multi': 'a, b',
    });
    expect(client.getResponseBodyLength()).toBe(5);
    expect(client.isResponseChunked()).toBe(false);
    expect(text(await readWebBody(client))).toBe('hello');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    // The response stays readable after the body, as in Godot's web build.
    expect(client.getResponseCode()).toBe(200);
    const request = server.seen.at(-1)!;
    expect(request.url).toBe('/hello?x=1');
    expect(request.headers['x-custom']).toBe('yes');
    expect(request.headers.accept).toBe('*/*');
  });

  it('POST sends the body (and Content-Length 0 for an empty one)', async () => {
    const { client } = await exchange(Method.POST, '/echo', ['Content-Type: text/plain'], 'héllo');
    expect(client.getResponseBodyLength()).toBe(6);
    expect(text(await readWebBody(client))).toBe('héllo');
    expect(server.seen.at(-1)).toMatchObject({ method: 'POST' });
    expect(server.seen.at(-1)!.headers['content-length']).toBe('6');

    const empty = await exchange(Method.PATCH, '/echo');
    await readWebBody(empty.client);
    expect(server.seen.at(-1)!.method).toBe('PATCH');
    expect(server.seen.at(-1)!.headers['content-length']).toBe('0');
  });

  it('requestRaw sends bytes, and a non-ASCII header value as UTF-8 (as the Node build)', async () => {
    const client = await connected();
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(client.requestRaw(Method.PUT, '/echo', ['X-Name: Zoë'], bytes)).toBe(ErrorCode.OK);
    bytes.fill(9); // fetch copied the body: changing it now changes nothing.
    await drive(client, answered);
    expect([...(await readWebBody(client))]).toEqual([0, 1, 2, 255]);
    expect(Buffer.from(server.seen.at(-1)!.headers['x-name'] as string, 'latin1').toString()).toBe(
      'Zoë',
    );
  });

  it('requestRaw hands a Blob to fetch as it is: its bytes, its type, its size as length', async () => {
    const client = await connected();
    const blob = new Blob([new Uint8Array([7, 8, 9]), 'ab'], { type: 'application/x-test' });
    expect(client.requestRaw(Method.POST, '/echo', [], blob)).toBe(ErrorCode.OK);
    await drive(client, answered);
    expect(text(await readWebBody(client))).toBe('\x07\x08\x09ab');
    expect(server.seen.at(-1)!.headers['content-length']).toBe('5');
    expect(server.seen.at(-1)!.headers['content-type']).toBe('application/x-test');
    // A Blob with bytes is a body, which GET cannot carry; anything else is not a body at all.
    const again = await connected();
    expect(again.requestRaw(Method.GET, '/echo', [], new Blob(['x']))).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(again.requestRaw(Method.POST, '/echo', [], 'text' as unknown as Blob)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(again.lastError?.message).toMatch(
      /body must be a Uint8Array, a Blob or a ReadableStream/,
    );
  });

  it('a chunked body: isResponseChunked(), length -1, every byte', async () => {
    const { client } = await exchange(Method.GET, '/chunked');
    expect(client.isResponseChunked()).toBe(true);
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(text(await readWebBody(client))).toBe('one,two,three');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
  });

  it('gzip: fetch decodes it, so the length is unknown (-1) and the bytes are the decoded ones', async () => {
    const { client } = await exchange(Method.GET, '/gzip');
    expect(client.getResponseHeadersAsDictionary()['content-encoding']).toBe('gzip');
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(text(await readWebBody(client))).toBe('decoded by fetch '.repeat(100));
  });

  it('a redirect is followed by fetch: the final response is reported', async () => {
    const { client } = await exchange(Method.GET, '/redirect');
    expect(client.getResponseCode()).toBe(200);
    expect(text(await readWebBody(client))).toBe('hello');
    expect(server.seen.slice(-2).map((r) => r.url)).toEqual(['/redirect', '/hello']);
  });

  it('getResponseUrl(), wasRedirected(): where fetch says the response came from', async () => {
    const fresh = new HTTPClient();
    expect(fresh.getResponseUrl()).toBe('');
    expect(fresh.wasRedirected()).toBe(false);

    const origin = `http://${server.host}:${server.port}`;
    const chain = await exchange(Method.GET, '/redirect-chain?from=start');
    expect(chain.client.getResponseCode()).toBe(200);
    // The last hop's URL, its query kept, no fragment (fetch drops it from Response.url).
    expect(chain.client.getResponseUrl()).toBe(`${origin}/hello?via=chain`);
    expect(chain.client.wasRedirected()).toBe(true);
    expect(server.seen.slice(-3).map((r) => r.url)).toEqual([
      '/redirect-chain?from=start',
      '/redirect-hop',
      '/hello?via=chain',
    ]);
    expect(text(await readWebBody(chain.client))).toBe('hello');
    // Kept after the body (DISCONNECTED), as the response code is; cleared by close().
    expect(chain.client.getStatus()).toBe(Status.DISCONNECTED);
    expect(chain.client.getResponseUrl()).toBe(`${origin}/hello?via=chain`);
    expect(chain.client.wasRedirected()).toBe(true);
    chain.client.close();
    expect(chain.client.getResponseUrl()).toBe('');
    expect(chain.client.wasRedirected()).toBe(false);

    const direct = await exchange(Method.GET, '/hello?x=1');
    expect(direct.client.getResponseUrl()).toBe(`${origin}/hello?x=1`);
    expect(direct.client.wasRedirected()).toBe(false);
    // Not known before the response arrives.
    const pending = await connected();
    expect(pending.request(Method.GET, '/hello', [])).toBe(ErrorCode.OK);
    expect(pending.getResponseUrl()).toBe('');
    expect(pending.wasRedirected()).toBe(false);
    pending.close();
  });

  it('a 404 is a response like any other', async () => {
    const { client } = await exchange(Method.GET, '/missing');
    expect(client.getResponseCode()).toBe(404);
    expect(text(await readWebBody(client))).toBe('not here');
  });

  it('a bodiless answer (204, HEAD) passes BODY with length 0, as Godot web', async () => {
    for (const [method, url] of [
      [Method.GET, '/empty'],
      [Method.HEAD, '/hello'],
    ] as const) {
      const { client, seen } = await exchange(method, url);
      expect(seen.at(-1)).toBe(Status.BODY);
      expect(client.getResponseBodyLength()).toBe(0);
      expect(client.readResponseBodyChunk().length).toBe(0);
      await drive(client, (s) => s !== Status.BODY);
      expect(client.getStatus()).toBe(Status.DISCONNECTED);
    }
  });

  it('a large body comes in readChunkSize pieces: CONNECTING → CONNECTED → REQUESTING → BODY → DISCONNECTED', async () => {
    const client = new HTTPClient();
    client.readChunkSize = 4096;
    const seen: Status[] = [];
    client.connectToHost(server.host, server.port);
    seen.push(...(await drive(client, settled)));
    client.request(Method.GET, '/large', []);
    seen.push(...(await drive(client, answered)));
    expect(client.getResponseBodyLength()).toBe(1_048_576 + 123);
    const sizes: number[] = [];
    const body = await readWebBody(client, sizes);
    seen.push(client.getStatus());
    expect(seen.filter((s, i) => s !== seen[i - 1])).toEqual([
      Status.CONNECTING,
      Status.CONNECTED,
      Status.REQUESTING,
      Status.BODY,
      Status.DISCONNECTED,
    ]);
    expect(Math.max(...sizes)).toBe(4096);
    expect(sizes.every((n) => n > 0 && n <= 4096)).toBe(true);
    expect(body.length).toBe(1_048_576 + 123);
    expect(sha256(body)).toBe(sha256(largeBody(1_048_576 + 123)));
  });

  it('readResponseBodyView hands out the stream pieces as views, bounded by readChunkSize', async () => {
    const { client } = await exchange(Method.GET, '/large');
    client.readChunkSize = 1000;
    let total = 0;
    while (client.getStatus() === Status.BODY) {
      const news = client.news();
      const piece = client.readResponseBodyView();
      expect(piece.length).toBeLessThanOrEqual(1000);
      total += piece.length;
      if (piece.length === 0 && client.getStatus() === Status.BODY) await news;
    }
    expect(total).toBe(1_048_576 + 123);
  });
});

describe('web HTTPClient: failures are outcomes, never hangs', () => {
  it('server down: CONNECTION_ERROR with "network error or CORS refusal"', async () => {
    const down = await startWebTestServer();
    const port = down.port;
    await down.close();
    const client = new HTTPClient();
    client.connectToHost('127.0.0.1', port);
    await drive(client, settled);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
    const seen = await drive(client, answered);
    expect(seen).toEqual([Status.REQUESTING, Status.CONNECTION_ERROR]);
    expect(client.lastError?.code).toBe(ErrorCode.CONNECTION_ERROR);
    expect(client.lastError?.message).toMatch(/^network error or CORS refusal: TypeError/);
    expect(client.lastError?.cause).toBeInstanceOf(TypeError);
    // Sticky, as every error status.
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.responseStarted).toBe(false);
  });

  it('a body that breaks off: the bytes before the break, then CONNECTION_ERROR', async () => {
    const { client } = await exchange(Method.GET, '/break');
    const body = await readWebBody(client);
    expect(body.length).toBe(100);
    expect(client.getStatus()).toBe(Status.CONNECTION_ERROR);
    expect(client.lastError?.message).toMatch(/^the response body broke off/);
    expect(client.poll()).toBe(ErrorCode.CONNECTION_ERROR);
  });

  it('close() while REQUESTING aborts the fetch: DISCONNECTED, the server sees the abort', async () => {
    const client = await connected();
    client.request(Method.GET, '/hang-head', []);
    const news = client.news();
    client.poll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.getStatus()).toBe(Status.REQUESTING);
    client.close();
    await news; // close() settles a pending news(): a loop waiting on it wakes up.
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.poll()).toBe(ErrorCode.UNCONFIGURED);
    await server.aborted('/hang-head');
  });

  it('close() in BODY cancels the body stream', async () => {
    const { client } = await exchange(Method.GET, '/hang-body');
    expect(client.getStatus()).toBe(Status.BODY);
    await drive(client, () => client.readResponseBodyChunk().length > 0);
    client.close();
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.getResponseCode()).toBe(0);
    await server.aborted('/hang-body');
  });

  it('a new connectToHost() drops the request in flight', async () => {
    const client = await connected();
    client.request(Method.GET, '/hang-head', []);
    client.poll();
    expect(client.connectToHost(server.host, server.port)).toBe(ErrorCode.OK);
    await drive(client, settled);
    client.request(Method.GET, '/hello', []);
    await drive(client, answered);
    expect(text(await readWebBody(client))).toBe('hello');
  });
});

describe('web HTTPClient: what a browser cannot do is refused with Godot codes', () => {
  it('proxies: UNAVAILABLE in lastError (clearing is accepted)', () => {
    const client = new HTTPClient();
    client.setHttpProxy('', -1);
    expect(client.lastError).toBeNull();
    client.setHttpProxy('proxy.local', 3128);
    expect(client.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    expect(client.lastError?.message).toMatch(/^HTTP proxy feature is not available/);
    client.setHttpsProxy('proxy.local', 3128, 'user', 'pass');
    expect(client.lastError?.message).toMatch(/^HTTPS proxy feature is not available/);
  });

  it('TLS options: the default client is accepted, the rest refused', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('example.com', -1, TLSOptions.client())).toBe(ErrorCode.OK);
    expect(client.connectToHost('example.com', -1, TLSOptions.clientUnsafe())).toBe(
      ErrorCode.UNAVAILABLE,
    );
    expect(client.lastError?.message).toMatch(/own trust store/);
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.connectToHost('example.com', -1, TLSOptions.client(null, 'other.name'))).toBe(
      ErrorCode.UNAVAILABLE,
    );
    const server = {
      isServer: () => true,
      isUnsafeClient: () => false,
      getTrustedCaChain: () => null,
      getCommonNameOverride: () => '',
    };
    expect(client.connectToHost('example.com', -1, server)).toBe(ErrorCode.INVALID_PARAMETER);
    // Godot 3's `use_ssl: true`.
    expect(client.connectToHost('example.com', -1, true as never)).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
  });

  it('bad connect arguments: INVALID_PARAMETER, as the Node build', () => {
    const client = new HTTPClient();
    expect(client.connectToHost('a.b')).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.connectToHost(42 as never)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.connectToHost('127.0.0.1', 70000)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CANT_CONNECT);
    expect(client.poll()).toBe(ErrorCode.CANT_CONNECT);
  });

  it('TRACE and CONNECT: UNAVAILABLE; Method.MAX: INVALID_PARAMETER', async () => {
    const client = await connected();
    expect(client.request(Method.TRACE, '/', [])).toBe(ErrorCode.UNAVAILABLE);
    expect(client.request(Method.CONNECT, 'example.com:443', [])).toBe(ErrorCode.UNAVAILABLE);
    expect(client.lastError?.message).toMatch(/CONNECT is not available in a browser/);
    expect(client.request(Method.MAX, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('blocking mode, threads, the connection and out-of-range settings are refused', () => {
    const client = new HTTPClient();
    client.blockingModeEnabled = true;
    expect(client.blockingModeEnabled).toBe(false);
    expect(client.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    client.useThreads = true;
    expect(client.useThreads).toBe(false);
    expect(client.lastError?.message).toMatch(/useThreads is not available in a browser/);
    client.connection = {};
    expect(client.connection).toBeNull();
    expect(client.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    client.readChunkSize = 10;
    expect(client.readChunkSize).toBe(65_536);
    expect(client.lastError?.code).toBe(ErrorCode.PARAMETER_RANGE_ERROR);
    client.maxHeaderSize = 1;
    expect(client.lastError?.code).toBe(ErrorCode.PARAMETER_RANGE_ERROR);
    client.connectTimeout = 0;
    expect(client.connectTimeout).toBe(30);
  });

  it.each([
    'Host: evil.example',
    'Content-Length: 99',
    'Connection: close',
    'Accept-Encoding: gzip',
    'Cookie: a=b',
    'Origin: http://x.example',
    'Referer: http://x.example/',
    'Transfer-Encoding: chunked',
    'Keep-Alive: timeout=5',
    'TE: trailers',
    'Upgrade: websocket',
    'Proxy-Authorization: Basic eDp5',
    'Sec-Fetch-Mode: cors',
    'X-HTTP-Method-Override: TRACE',
    'Bad Name: x',
    ' Leading: space',
    'X-Split: a\r\nHost: b',
    'NoColon',
  ])('refuses the header %j with INVALID_PARAMETER (fetch would drop or reject it)', async (h) => {
    const client = await connected();
    expect(client.request(Method.POST, '/echo', ['Accept: */*', h], 'x')).toBe(
      ErrorCode.INVALID_PARAMETER,
    );
    expect(client.lastError?.message).toMatch(/^header 1 /);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('lets Host and Content-Length through when they say what the browser sends', async () => {
    const client = await connected();
    const host = `Host: 127.0.0.1:${server.port}`;
    expect(client.request(Method.POST, '/echo', [host, 'Content-Length: 3'], 'abc')).toBe(
      ErrorCode.OK,
    );
    await drive(client, answered);
    expect(text(await readWebBody(client))).toBe('abc');
  });

  it.each([
    ['an absolute URL', Method.GET, 'http://127.0.0.1/', ''],
    ['a URL with a space', Method.GET, '/a b', ''],
    ['a GET with a body', Method.GET, '/echo', 'x'],
    ['OPTIONS *', Method.OPTIONS, '*', ''],
  ])('refuses %s with INVALID_PARAMETER', async (_name, method, url, body) => {
    const client = await connected();
    expect(client.request(method, url, [], body)).toBe(ErrorCode.INVALID_PARAMETER);
    expect(client.getStatus()).toBe(Status.CONNECTED);
  });

  it('refuses a request unless CONNECTED', () => {
    const client = new HTTPClient();
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
    client.connectToHost('127.0.0.1', 80);
    expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.INVALID_PARAMETER);
  });
});

describe("web HTTPClient: Godot's HTTPClient example, ported line by line", () => {
  it('runs the poll loop of the class reference (the web branch yields a frame)', async () => {
    const frame = () => new Promise((resolve) => setTimeout(resolve, 4));
    const log: string[] = [];
    const print = (...args: unknown[]) => log.push(args.join(''));

    let err = 0;
    const http = new HTTPClient(); // Create the Client.
    err = http.connectToHost(server.host, server.port); // Connect to host/port.
    expect(err).toBe(ErrorCode.OK); // Make sure connection is OK.
    // Wait until resolved and connected.
    while (http.getStatus() === Status.CONNECTING || http.getStatus() === Status.RESOLVING) {
      http.poll();
      print('Connecting...');
      await frame();
    }
    expect(http.getStatus()).toBe(Status.CONNECTED); // Check if the connection was made successfully.
    // Some headers
    const headers = ['User-Agent: Pirulo/1.0 (Godot)', 'Accept: */*'];
    err = http.request(Method.GET, '/chunked', headers); // Request a page from the site (this one was chunked..)
    expect(err).toBe(ErrorCode.OK); // Make sure all is OK.
    while (http.getStatus() === Status.REQUESTING) {
      // Keep polling for as long as the request is being processed.
      http.poll();
      print('Requesting...');
      await frame();
    }
    expect([Status.BODY, Status.CONNECTED]).toContain(http.getStatus()); // Make sure request finished well.
    print('response? ', http.hasResponse()); // Site might not have a response.
    let text = '';
    if (http.hasResponse()) {
      // If there is a response...
      const dict = http.getResponseHeadersAsDictionary(); // Get response headers.
      print('code: ', http.getResponseCode()); // Show response code.
      print('**headers:\\n', JSON.stringify(dict)); // Show headers.
      // Getting the HTTP Body
      if (http.isResponseChunked()) {
        // Does it use chunks?
        print('Response is Chunked!');
      } else {
        // Or just plain Content-Length
        const bl = http.getResponseBodyLength();
        print('Response Length: ', bl);
      }
      // This method works for both anyway
      let rb = new Uint8Array(0); // Array that will hold the data.
      while (http.getStatus() === Status.BODY) {
        // While there is body left to be read
        http.poll();
        // Get a chunk.
        const chunk = http.readResponseBodyChunk();
        if (chunk.length === 0) {
          await frame();
        } else {
          const joined = new Uint8Array(rb.length + chunk.length); // Append to read buffer.
          joined.set(rb);
          joined.set(chunk, rb.length);
          rb = joined;
        }
      }
      // Done!
      print('bytes got: ', rb.length);
      text = new TextDecoder('ascii').decode(rb);
      print('Text: ', text);
    }
    expect(text).toBe('one,two,three');
    expect(log).toContain('code: 200');
    expect(log).toContain('Response is Chunked!');
    expect(log).toContain('bytes got: 13');
    expect(server.seen.at(-1)!.headers['user-agent']).toBe('Pirulo/1.0 (Godot)');
  });
});
