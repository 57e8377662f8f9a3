import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type TlsOptions } from 'node:tls';
import { listenLoopback } from './listen-loopback.js';

/**
 * One step of a scripted reply:
 * - bytes (string as latin1, or `Uint8Array`): written as one `write()`;
 * - `{ delay }`: wait that many milliseconds;
 * - `{ drip, chunk?, every? }`: write the bytes `chunk` at a time (default 1), `every` ms apart
 *   (default 1);
 * - `{ pattern, chunk? }`: write `pattern` bytes where byte i is `i & 0xff`, honouring the
 *   socket's backpressure (for large streams);
 * - `{ end: true }`: half-close (send FIN, keep reading);
 * - `{ reset: true }`: abort with a TCP RST;
 * - `{ destroy: true }`: close at once (FIN, stop reading);
 * - `{ hang: true }`: stop here and never answer again on this connection.
 */
export type Action =
  | string
  | Uint8Array
  | { readonly delay: number }
  | { readonly drip: string | Uint8Array; readonly chunk?: number; readonly every?: number }
  | { readonly pattern: number; readonly chunk?: number }
  | { readonly end: true }
  | { readonly reset: true }
  | { readonly destroy: true }
  | { readonly hang: true };

/** A scripted reply: its actions run in order. */
export type Script = readonly Action[];

/** A request the server received, as raw bytes and minimally parsed. */
export interface RecordedRequest {
  /** Connection number, from 0 in accept order. */
  readonly connection: number;
  /** Position among all requests the server received, from 0. */
  readonly index: number;
  /** Position among the requests of its connection, from 0. */
  readonly indexInConnection: number;
  /** The exact bytes of the request (head and body). */
  readonly raw: Buffer;
  /** The request line, e.g. `GET / HTTP/1.1`. */
  readonly requestLine: string;
  /** Header lines as `[name, value]`, in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body (de-chunked if chunked). */
  readonly body: Buffer;
}

/** Options of {@link startScriptedServer}. */
export interface ScriptedServerOptions {
  /**
   * The reply to each request: request i of the server gets `replies[i]` (the last one repeats),
   * or the script a function returns.
   */
  readonly replies?: readonly Script[] | ((request: RecordedRequest) => Script);
  /** Runs when a connection opens, before any request is read; requests are still recorded. */
  readonly onConnection?: Script | ((connection: number) => Script);
  /** Serve TLS with these options (key, cert, …) instead of plain TCP. */
  readonly tls?: TlsOptions;
  /** Listen on this port (a server coming back where another was); default: one the OS picks. */
  readonly port?: number;
}

/** A running scripted server on 127.0.0.1. */
export interface ScriptedServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port it listens on. */
  readonly port: number;
  /** Requests received so far, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Every byte received on connection `n`. */
  received(connection: number): Buffer;
  /** Settles with request `index` (default: the next one) once it has arrived. */
  request(index?: number): Promise<RecordedRequest>;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Starts a raw-TCP HTTP server on 127.0.0.1, port 0, that answers with exact scripted bytes,
 * records what it receives, and counts connections (so keep-alive reuse can be checked on the
 * server side).
 *
 * @param options - replies per request and/or a per-connection script.
 * @returns the running server.
 * @example
 * ```ts
 * const server = await startScriptedServer({
 *   replies: [['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', { delay: 5 }, 'hi']],
 * });
 * ```
 */
export async function startScriptedServer(
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const receivedBy: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  let connections = 0;
  let closed = false;

  const replyFor = (request: RecordedRequest): Script => {
    const replies = options.replies;
    if (replies === undefined) return [{ hang: true }];
    if (typeof replies === 'function') return replies(request);
    return replies[Math.min(request.index, replies.length - 1)] ?? [{ hang: true }];
  };

  const onSocket = (socket: Socket, raw: Socket): void => {
    const connection = connections++;
    socket.on('error', () => {});
    const received: Buffer[] = [];
    receivedBy[connection] = received;
    let pending: Buffer = Buffer.alloc(0);
    let inConnection = 0;
    let hung = false;
    let chain: Promise<void> = Promise.resolve();
    const runScript = (script: Script): void => {
      chain = chain.then(async () => {
        if (hung || socket.destroyed) return;
        hung = await perform(socket, raw, script);
      });
    };
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Bounded: each round removes one complete request from `pending`.
      for (;;) {
        const parsed = takeRequest(pending);
        if (parsed === null) break;
        pending = pending.subarray(parsed.length);
        const request: RecordedRequest = {
          connection,
          index: requests.length,
          indexInConnection: inConnection++,
          raw: parsed.raw,
          requestLine: parsed.requestLine,
          headers: parsed.headers,
          body: parsed.body,
        };
        requests.push(request);
        for (const wake of waiters.splice(0)) wake();
        runScript(replyFor(request));
      }
    });
    if (options.onConnection !== undefined) {
      const script =
        typeof options.onConnection === 'function'
          ? options.onConnection(connection)
          : options.onConnection;
      runScript(script);
    }
  };

  const tls = options.tls;
  const secureContext = tls === undefined ? null : createSecureContext(tls);
  const server: Server = createServer((raw) => {
    // Raw sockets are tracked so close() also ends TLS connections mid-handshake; TLS is wrapped
    // by hand so `reset` can still send an RST on the raw TCP socket underneath.
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    if (tls === undefined || secureContext === null) {
      onSocket(raw, raw);
      return;
    }
    raw.on('error', () => {});
    const secure = new TLSSocket(raw, { ...tls, isServer: true, secureContext });
    onSocket(secure, raw);
  });
  const port = await listenLoopback(server, options.port ?? 0);

  return {
    host: '127.0.0.1',
    port,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    received: (connection) => Buffer.concat(receivedBy[connection] ?? []),
    request: async (index = requests.length) => {
      while (requests[index] === undefined) {
        if (closed) throw new Error(`server closed before request ${index}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return requests[index]!;
    },
    close: async () => {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs a script; returns true when it ended with `hang`. */
async function perform(socket: Socket, raw: Socket, script: Script): Promise<boolean> {
  for (const action of script) {
    if (socket.destroyed) return false;
    if (typeof action === 'string') {
      socket.write(Buffer.from(action, 'latin1'));
    } else if (action instanceof Uint8Array) {
      socket.write(action);
    } else if ('delay' in action) {
      await sleep(action.delay);
    } else if ('drip' in action) {
      const bytes =
        typeof action.drip === 'string' ? Buffer.from(action.drip, 'latin1') : action.drip;
      const step = Math.max(1, action.chunk ?? 1);
      for (let i = 0; i < bytes.length && !socket.destroyed; i += step) {
        socket.write(bytes.subarray(i, i + step));
        await sleep(action.every ?? 1);
      }
    } else if ('pattern' in action) {
      await writePattern(socket, action.pattern, action.chunk ?? 256 * 1024);
    } else if ('end' in action) {
      socket.end();
    } else if ('reset' in action) {
      raw.resetAndDestroy();
      return false;
    } else if ('destroy' in action) {
      socket.destroy();
      return false;
    } else if ('hang' in action) {
      return true;
    }
  }
  return false;
}

/**
 * Writes `total` bytes where byte i is `i & 0xff`, reusing one buffer and waiting for `drain`
 * so the server itself never holds more than one chunk.
 */
async function writePattern(socket: Socket, total: number, chunkSize: number): Promise<void> {
  // chunkSize is rounded to a multiple of 256 so every chunk starts at pattern position 0.
  const size = Math.max(256, chunkSize - (chunkSize % 256));
  const chunk = Buffer.alloc(size);
  for (let i = 0; i < size; i++) chunk[i] = i & 0xff;
  let sent = 0;
  while (sent < total && !socket.destroyed) {
    const n = Math.min(size, total - sent);
    const ok = socket.write(n === size ? chunk : chunk.subarray(0, n));
    sent += n;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Parsed {
  length: number;
  raw: Buffer;
  requestLine: string;
  headers: [string, string][];
  body: Buffer;
}

/** Takes one complete request (Content-Length or chunked body) from the front, or null. */
function takeRequest(bytes: Buffer): Parsed | null {
  const headEnd = bytes.indexOf(CRLF2);
  if (headEnd < 0) return null;
  const lines = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const requestLine = lines[0] ?? '';
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const header = (name: string): string | undefined =>
    headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const bodyStart = headEnd + 4;
  // CONNECT has no body; what follows belongs to the tunnel.
  if (requestLine.startsWith('CONNECT ')) {
    const raw = bytes.subarray(0, bodyStart);
    return { length: bodyStart, raw, requestLine, headers, body: Buffer.alloc(0) };
  }
  if (header('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = bytes.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('scripted server: bad chunk size');
      at = lineEnd + 2;
      if (size === 0) {
        // Skip trailer lines until the empty one.
        let end = at;
        for (;;) {
          const next = bytes.indexOf('\r\n', end);
          if (next < 0) return null;
          if (next === end) {
            end += 2;
            break;
          }
          end = next + 2;
        }
        return {
          length: end,
          raw: bytes.subarray(0, end),
          requestLine,
          headers,
          body: Buffer.concat(parts),
        };
      }
      if (bytes.length < at + size + 2) return null;
      parts.push(bytes.subarray(at, at + size));
      at += size + 2;
    }
  }
  const length = Number(header('content-length') ?? '0');
  if (bytes.length < bodyStart + length) return null;
  return {
    length: bodyStart + length,
    raw: bytes.subarray(0, bodyStart + length),
    requestLine,
    headers,
    body: bytes.subarray(bodyStart, bodyStart + length),
  };
}
