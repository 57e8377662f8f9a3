// HTTPClient with its connection in a worker thread (useThreads) and Godot's blocking mode, driven
// as synchronous Godot scripts drive it: the test's thread never yields while it polls, sleeps and
// reads. So every server here runs in another process (nginx, or a scripted server process): a
// server on the test's thread could not answer while the test blocks.
import { spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ErrorCode, Method, Status } from '@gdhttp/constants';
import {
  type Action,
  listenLoopback,
  type NginxServer,
  type ServerProcess,
  sha256Hex,
  startNginx,
  startServerProcess,
  startSquid,
  systemTools,
  type TestCertificates,
  testCertificates,
} from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayMsec, delayUsec, HTTPClient } from '../src/index.js';

const nginxTools = systemTools('nginx', 'openssl');
const squidTools = systemTools('squid');

// ─── The old Godot tutorial's synchronous script, ported line by line ────────────────────────
// (docs.godotengine.org, "HTTP client class", Godot 3). `print` collects lines; `assert` throws.
// Two lines are gdhttp's: `http.useThreads = true` (Node's sockets run on the event loop, which
// this loop never yields to) and the TLS options for the test CA.

function tutorial(host: string, port: number, path: string, tls: TLSOptions | null): string[] {
  const printed: string[] = [];
  const print = (...values: unknown[]): void => {
    printed.push(values.map(String).join(''));
  };
  const assert = (condition: boolean): void => {
    if (!condition) throw new Error(`assertion failed; printed so far:\n${printed.join('\n')}`);
  };

  let err = 0;
  const http = new HTTPClient(); // Create the Client.
  http.useThreads = true;

  err = http.connectToHost(host, port, tls); // Connect to host/port.
  assert(err === ErrorCode.OK); // Make sure connection is OK.

  // Wait until resolved and connected.
  while (http.getStatus() === Status.CONNECTING || http.getStatus() === Status.RESOLVING) {
    http.poll();
    print('Connecting...');
    delayMsec(500);
  }

  assert(http.getStatus() === Status.CONNECTED); // Check if the connection was made successfully.

  // Some headers
  let headers: string[] | Record<string, string> = [
    'User-Agent: Pirulo/1.0 (Godot)',
    'Accept: */*',
  ];

  err = http.request(Method.GET, path, headers); // Request a page from the site (this one was chunked..)
  assert(err === ErrorCode.OK); // Make sure all is OK.

  while (http.getStatus() === Status.REQUESTING) {
    // Keep polling for as long as the request is being processed.
    http.poll();
    print('Requesting...');
    delayMsec(500);
  }

  assert(http.getStatus() === Status.BODY || http.getStatus() === Status.CONNECTED); // Make sure request finished well.

  print('response? ', http.hasResponse()); // Site might not have a response.

  if (http.hasResponse()) {
    // If there is a response...

    headers = http.getResponseHeadersAsDictionary(); // Get response headers.
    print('code: ', http.getResponseCode()); // Show response code.
    print('**headers:\\n', JSON.stringify(headers)); // Show headers.

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
        // Got nothing, wait for buffers to fill a bit.
        delayUsec(1000);
      } else {
        const joined = new Uint8Array(rb.length + chunk.length);
        joined.set(rb);
        joined.set(chunk, rb.length);
        rb = joined; // Append to read buffer.
      }
    }
    // Done!

    print('bytes got: ', rb.length);
    const text = Buffer.from(rb).toString('ascii');
    print('Text: ', text);
  }
  return printed;
}

// ─── Servers in their own processes ──────────────────────────────────────────────────────────

const PAGE = 'Changes in 5.x: '.padEnd(5000, 'x');
const CHUNKS = [PAGE.slice(0, 1000), PAGE.slice(1000, 1001), PAGE.slice(1001)];
const chunkedPage: Action[] = [
  'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n',
  ...CHUNKS.flatMap((chunk): Action[] => [
    `${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    { delay: 20 },
  ]),
  '0\r\n\r\n',
];
const lengthPage: Action[] = [
  `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\n\r\n`,
  PAGE.slice(0, 2000),
  { delay: 20 },
  PAGE.slice(2000),
];

describe('HTTPClient.useThreads: the Godot tutorial, line by line', () => {
  let certificates: TestCertificates;
  const servers: Record<string, ServerProcess> = {};

  beforeAll(async () => {
    certificates = await testCertificates();
    const tls = { key: certificates.valid.key, cert: certificates.valid.cert };
    const entries = await Promise.all(
      (
        [
          ['chunked', chunkedPage, undefined],
          ['length', lengthPage, undefined],
          ['chunked-tls', chunkedPage, tls],
          ['length-tls', lengthPage, tls],
        ] as const
      ).map(async ([name, reply, serverTls]) => {
        const server = await startServerProcess({
          kind: 'scripted',
          options: { replies: [reply], ...(serverTls === undefined ? {} : { tls: serverTls }) },
        });
        return [name, server] as const;
      }),
    );
    for (const [name, server] of entries) servers[name] = server;
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  });

  it.each([
    ['a chunked page over plain TCP', 'chunked', false],
    ['a Content-Length page over plain TCP', 'length', false],
    ['a chunked page over TLS', 'chunked-tls', true],
    ['a Content-Length page over TLS', 'length-tls', true],
  ])('runs to completion: %s', async (_name, server, secure) => {
    const tls = secure ? TLSOptions.client(certificates.ca.cert) : null;
    const printed = tutorial('localhost', servers[server]!.port, '/ChangeLog-5.php', tls);
    expect(printed).toContain('Connecting...');
    expect(printed).toContain('response? true');
    expect(printed).toContain('code: 200');
    expect(printed).toContain(
      server.startsWith('chunked') ? 'Response is Chunked!' : `Response Length: ${PAGE.length}`,
    );
    expect(printed).toContain(`bytes got: ${PAGE.length}`);
    expect(printed).toContain(`Text: ${PAGE}`);
    const { requests } = await servers[server]!.requests();
    const request = requests.at(-1)!;
    expect(request.requestLine).toBe('GET /ChangeLog-5.php HTTP/1.1');
    expect(request.headers).toContainEqual(['User-Agent', 'Pirulo/1.0 (Godot)']);
  });
});

describe.skipIf(!nginxTools.shouldRun)(
  `HTTPClient.useThreads against nginx${nginxTools.skipNote}`,
  () => {
    let nginx: NginxServer;
    beforeAll(async () => {
      nginx = await startNginx({ fileSizes: [16_385, 1024 * 1024] });
    }, 60_000);
    afterAll(async () => {
      await nginx?.close();
    });

    it.each([
      ['plain', false],
      ['TLS', true],
    ])('runs the tutorial on a static file over %s', (_name, secure) => {
      const file = nginx.file(16_385);
      const printed = tutorial(
        '127.0.0.1',
        secure ? nginx.tlsPort : nginx.port,
        file.path,
        secure ? TLSOptions.client(nginx.ca) : null,
      );
      expect(printed).toContain('code: 200');
      expect(printed).toContain('Response Length: 16385');
      expect(printed).toContain('bytes got: 16385');
    });

    it.skipIf(!squidTools.shouldRun).each([
      ['HTTP proxy (absolute-form)', false],
      ['HTTPS proxy (CONNECT tunnel, TLS in the worker)', true],
    ])('goes through squid as an %s in blocking mode', async (_name, secure) => {
      const squid = await startSquid();
      try {
        const file = nginx.file(16_385);
        const http = new HTTPClient();
        http.blockingModeEnabled = true;
        if (secure) http.setHttpsProxy('127.0.0.1', squid.port);
        else http.setHttpProxy('127.0.0.1', squid.port);
        http.connectToHost(
          '127.0.0.1',
          secure ? nginx.tlsPort : nginx.port,
          secure ? TLSOptions.client(nginx.ca) : null,
        );
        while (http.getStatus() === Status.RESOLVING || http.getStatus() === Status.CONNECTING) {
          http.poll();
          delayMsec(1);
        }
        expect(http.getStatus()).toBe(Status.CONNECTED);
        http.request(Method.GET, file.path, []);
        http.poll();
        expect(http.getResponseCode()).toBe(200);
        const chunks: Uint8Array[] = [];
        while (http.getStatus() === Status.BODY) chunks.push(http.readResponseBodyChunk());
        expect(sha256Hex(Buffer.concat(chunks))).toBe(file.sha256);
        http.close();
        const log = await nginx.logged(file.path, 1);
        expect(log.some((entry) => entry.scheme === (secure ? 'https' : 'http'))).toBe(true);
      } finally {
        await squid.close();
      }
    });

    it('keeps a connection alive across requests and reads 1 MiB with blocking reads', () => {
      const file = nginx.file(1024 * 1024);
      const http = new HTTPClient();
      http.blockingModeEnabled = true;
      expect(http.connectToHost('127.0.0.1', nginx.tlsPort, TLSOptions.client(nginx.ca))).toBe(
        ErrorCode.OK,
      );
      while (http.getStatus() === Status.RESOLVING || http.getStatus() === Status.CONNECTING) {
        http.poll();
        delayMsec(1);
      }
      for (let round = 0; round < 3; round++) {
        expect(http.request(Method.GET, file.path, [])).toBe(ErrorCode.OK);
        expect(http.poll()).toBe(ErrorCode.OK); // blocks until the head
        expect(http.getStatus()).toBe(Status.BODY);
        let got = 0;
        while (http.getStatus() === Status.BODY) {
          const chunk = http.readResponseBodyChunk();
          // A fixed-length body: every read but the last is a full readChunkSize.
          if (http.getStatus() === Status.BODY) expect(chunk.length).toBe(http.readChunkSize);
          got += chunk.length;
        }
        expect(got).toBe(file.size);
        expect(http.getStatus()).toBe(Status.CONNECTED);
      }
      http.close();
    });
  },
);

// ─── Blocking mode ───────────────────────────────────────────────────────────────────────────

/** A blocking client connected to `port`, with `readChunkSize` set. */
function blockingClient(port: number, readChunkSize = 1024): HTTPClient {
  const http = new HTTPClient();
  http.blockingModeEnabled = true;
  expect(http.blockingModeEnabled).toBe(true);
  http.readChunkSize = readChunkSize;
  expect(http.connectToHost('127.0.0.1', port)).toBe(ErrorCode.OK);
  const deadline = Date.now() + 10_000;
  while (http.getStatus() === Status.RESOLVING || http.getStatus() === Status.CONNECTING) {
    if (Date.now() > deadline) throw new Error('connect timed out');
    http.poll();
    delayMsec(1);
  }
  expect(http.getStatus()).toBe(Status.CONNECTED);
  return http;
}

/** Sends a GET and makes the one poll() that blocks until the head. */
function requestHead(http: HTTPClient): void {
  expect(http.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
  http.poll();
}

/** Reads every chunk while BODY, one blocking call each; returns their sizes. */
function readAll(http: HTTPClient): number[] {
  const sizes: number[] = [];
  while (http.getStatus() === Status.BODY) sizes.push(http.readResponseBodyChunk().length);
  return sizes;
}

describe('HTTPClient.blockingModeEnabled', () => {
  const started: ServerProcess[] = [];
  const serve = async (...replies: Action[][]): Promise<ServerProcess> => {
    const server = await startServerProcess({ kind: 'scripted', options: { replies } });
    started.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(started.map((server) => server.close()));
  });

  it('poll() in REQUESTING returns once the head arrived, however slowly it comes', async () => {
    const server = await serve([
      { drip: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', chunk: 5, every: 10 },
      'ok',
    ]);
    const http = blockingClient(server.port);
    requestHead(http);
    expect(http.getStatus()).toBe(Status.BODY);
    expect(http.getResponseCode()).toBe(200);
    expect(Buffer.from(http.readResponseBodyChunk()).toString()).toBe('ok');
    expect(http.getStatus()).toBe(Status.CONNECTED);
    http.close();
  });

  it('reads a dripped fixed-length body in full readChunkSize pieces', async () => {
    const body = 'b'.repeat(2500);
    const server = await serve([
      `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
      { drip: body, chunk: 100, every: 2 },
    ]);
    const http = blockingClient(server.port, 1024);
    requestHead(http);
    expect(readAll(http)).toEqual([1024, 1024, 452]);
    expect(http.getStatus()).toBe(Status.CONNECTED);
    http.close();
  });

  it('reads a chunked body one whole chunk per call, however the chunks are split', async () => {
    const server = await serve([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      { drip: `${(300).toString(16)}\r\n${'a'.repeat(300)}\r\n`, chunk: 37, every: 2 },
      { drip: `${(5000).toString(16)}\r\n${'b'.repeat(5000)}\r\n`, chunk: 700, every: 2 },
      { drip: '1\r\nc\r\n0\r\n\r\n', chunk: 1, every: 2 },
    ]);
    const http = blockingClient(server.port, 2048);
    requestHead(http);
    // The 5000-byte chunk is larger than readChunkSize: it comes in readChunkSize pieces. The
    // last read takes the zero-size chunk and returns nothing, as Godot's does.
    expect(readAll(http)).toEqual([300, 2048, 2048, 904, 1, 0]);
    expect(http.getStatus()).toBe(Status.CONNECTED);
    http.close();
  });

  it('reads a read-until-close body to its end without losing the last short piece', async () => {
    const server = await serve([
      'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n',
      { drip: 'x'.repeat(1500), chunk: 300, every: 2 },
      { end: true },
    ]);
    const http = blockingClient(server.port, 1024);
    requestHead(http);
    expect(http.getResponseBodyLength()).toBe(-1);
    expect(readAll(http)).toEqual([1024, 476]);
    expect(http.getStatus()).toBe(Status.DISCONNECTED);
  });

  it.each([
    ['reset', { reset: true } as const],
    ['closed early', { destroy: true } as const],
  ])(
    'ends a blocked read with CONNECTION_ERROR when the server dies (%s)',
    async (_name, death) => {
      const server = await serve([
        'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n',
        'y'.repeat(300),
        { delay: 300 },
        death,
      ]);
      const http = blockingClient(server.port, 65_536);
      requestHead(http);
      expect(http.getStatus()).toBe(Status.BODY);
      const started = Date.now();
      // Blocks (300 of 65,536 bytes are there), until the server dies: the bytes that did arrive
      // come first, then the error.
      const sizes = readAll(http);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(300);
      expect(http.getStatus()).toBe(Status.CONNECTION_ERROR);
      expect(http.lastError?.code).toBe(ErrorCode.CONNECTION_ERROR);
    },
  );

  it('ends a blocked poll() with CONNECTION_ERROR when the server dies before the head', async () => {
    const server = await serve(['HTTP/1.1 200', { delay: 200 }, { reset: true }]);
    const http = blockingClient(server.port);
    expect(http.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
    expect(http.poll()).toBe(ErrorCode.CONNECTION_ERROR);
    expect(http.getStatus()).toBe(Status.CONNECTION_ERROR);
  });

  it('is refused while an event-loop connection is open, and applies from the next connect', async () => {
    const server = await serve(['HTTP/1.1 204 No Content\r\n\r\n']);
    const http = new HTTPClient();
    http.connectToHost('127.0.0.1', server.port);
    http.blockingModeEnabled = true;
    expect(http.blockingModeEnabled).toBe(false);
    expect(http.lastError?.code).toBe(ErrorCode.UNAVAILABLE);
    http.close();
    http.blockingModeEnabled = true;
    expect(http.blockingModeEnabled).toBe(true);
    http.connectToHost('127.0.0.1', server.port);
    expect(http.connection?.constructor.name).toBe('StreamPeerWorker');
    http.close();
    // Misuse returns a code, never throws.
    http.blockingModeEnabled = 'yes' as unknown as boolean;
    expect(http.lastError?.code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});

// ─── The worker's lifetime ───────────────────────────────────────────────────────────────────

/** A server on this thread that settles `closed` when its first connection closes. */
async function watchedServer(): Promise<{ port: number; closed: Promise<void>; close(): void }> {
  let onClose: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    onClose = resolve;
  });
  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    socket.once('close', onClose);
  });
  const port = await listenLoopback(server);
  return { port, closed, close: () => server.close() };
}

/** A threaded client connected to `port`, driven by news (this test's thread stays free). */
async function threadedClient(port: number): Promise<HTTPClient> {
  const http = new HTTPClient();
  http.useThreads = true;
  http.connectToHost('127.0.0.1', port);
  while (http.getStatus() !== Status.CONNECTED) {
    const news = http.news();
    http.poll();
    if (http.getStatus() !== Status.CONNECTED) await news;
  }
  return http;
}

describe('HTTPClient.useThreads: the worker never outlives its client', () => {
  it('ends the connection (and its worker) at close()', async () => {
    const server = await watchedServer();
    try {
      const http = await threadedClient(server.port);
      http.close();
      expect(http.getStatus()).toBe(Status.DISCONNECTED);
      expect(http.connection).toBeNull();
      await server.closed;
    } finally {
      server.close();
    }
  });

  it('ends the connection when an abandoned client is garbage-collected', async () => {
    const server = await watchedServer();
    try {
      // Connected, then dropped: nothing references the client after this line.
      await threadedClient(server.port).then(() => undefined);
      let done = false;
      void server.closed.then(() => {
        done = true;
      });
      const deadline = Date.now() + 10_000;
      while (!done && Date.now() < deadline) {
        globalThis.gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(done).toBe(true);
    } finally {
      server.close();
    }
  });

  it('lets the process exit while a threaded connection is open and abandoned', () => {
    const script = `
      import { HTTPClient } from '@gdhttp/client';
      import { Status } from '@gdhttp/constants';
      import { delayMsec } from '@gdhttp/transport';
      import { createServer } from 'node:net';
      const server = createServer(() => {}).listen(0, '127.0.0.1', () => {
        const http = new HTTPClient();
        http.useThreads = true;
        http.connectToHost('127.0.0.1', server.address().port);
        while (http.getStatus() !== Status.CONNECTED) {
          http.poll();
          delayMsec(5);
        }
        globalThis.keep = http;
        server.unref();
        console.log('connected');
      });
    `;
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@gdhttp/source', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('connected');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
