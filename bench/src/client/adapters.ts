/**
 * The client suite's adapters: gdhttp's HTTPClient driven by its news promise, undici's
 * `dispatch` (no streams), undici's `request` on a `Client`/`Pool`, and `node:http` with a
 * keep-alive agent. Bodies are counted and discarded by every adapter.
 */
import http from 'node:http';
import type { Readable } from 'node:stream';
import { HTTPClient } from '@gdhttp/client';
import { ErrorCode, Method, nameOf, Status } from '@gdhttp/constants';
import { Client, type Dispatcher, Pool } from 'undici';
import { closedLoop, type LoadAdapter, type Runner, type Target } from '../load/harness.ts';

const NO_HEADERS: readonly string[] = [];

/** Connects `client` and drives it until it leaves the connecting states. */
export async function connectClient(client: HTTPClient, target: Target): Promise<void> {
  if (client.connectToHost(target.host, target.port) !== ErrorCode.OK) {
    throw new Error(`connectToHost: ${client.lastError?.message}`);
  }
  for (;;) {
    const news = client.news();
    client.poll();
    const s = client.getStatus();
    if (s === Status.CONNECTED) return;
    if (s !== Status.RESOLVING && s !== Status.CONNECTING) {
      throw new Error(`connect ended in ${nameOf(Status, s)}: ${client.lastError?.message}`);
    }
    await news;
  }
}

/**
 * One GET on a CONNECTED client, driven as an async loop does: poll, read body chunks while there
 * are any, and await the news promise only when there is nothing to do. Resolves with the body
 * bytes once the client is CONNECTED again.
 */
export async function clientGet(client: HTTPClient, path = '/'): Promise<number> {
  if (client.request(Method.GET, path, NO_HEADERS) !== ErrorCode.OK) {
    throw new Error(`request: ${client.lastError?.message}`);
  }
  let bytes = 0;
  for (;;) {
    const news = client.news();
    client.poll();
    let s = client.getStatus();
    if (s === Status.BODY) {
      for (;;) {
        const chunk = client.readResponseBodyChunk();
        if (chunk.length === 0) break;
        bytes += chunk.length;
      }
      s = client.getStatus();
    }
    if (s === Status.CONNECTED) return bytes;
    if (s !== Status.REQUESTING && s !== Status.BODY) {
      throw new Error(`request ended in ${nameOf(Status, s)}: ${client.lastError?.message}`);
    }
    await news;
  }
}

export const gdhttpClient: LoadAdapter = {
  name: 'gdhttp HTTPClient',
  note: 'one HTTPClient per connection, each a sequential loop (no pipelining: in flight = connections); `news()` awaited only when poll() and readResponseBodyChunk() have nothing to do',
  async open(target, connections) {
    const clients = Array.from({ length: connections }, () => new HTTPClient());
    await Promise.all(clients.map((c) => connectClient(c, target)));
    return {
      run: (count, latencies) =>
        closedLoop(connections, count, (i) => clientGet(clients[i]!), latencies),
      async close() {
        for (const c of clients) c.close();
      },
    };
  },
};

/** undici's benchmark options for every request: no blocking flag, keep the connection. */
const undiciRequest = { path: '/', method: 'GET', blocking: false, reset: false } as const;

function dispatcherFor(target: Target, connections: number): Dispatcher {
  const origin = `http://${target.host}:${target.port}`;
  return connections === 1
    ? new Client(origin, { pipelining: 1 })
    : new Pool(origin, { connections, pipelining: 1 });
}

/**
 * A minimal dispatch handler in the callback shape undici's core calls directly (the shape of
 * undici's own benchmark `SimpleRequest`; a handler with the newer `onResponse*` hooks is wrapped
 * in an adapter first): counts body bytes, settles at the end.
 */
export class CountingHandler implements Dispatcher.DispatchHandler {
  bytes = 0;
  constructor(
    readonly resolve: (bytes: number) => void,
    readonly reject: (error: Error) => void,
  ) {}
  onConnect(): void {}
  onHeaders(statusCode: number): boolean {
    if (statusCode !== 200) this.reject(new Error(`status ${statusCode}`));
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }
  onComplete(): void {
    this.resolve(this.bytes);
  }
  onError(error: Error): void {
    this.reject(error);
  }
}

export const undiciDispatch: LoadAdapter = {
  name: 'undici dispatch',
  note: '`dispatcher.dispatch()` with a minimal handler (onConnect/onHeaders/onData/onComplete) counting body bytes (no streams); `Client` for 1 connection, `Pool` (pipelining 1) for more',
  open(target, connections, inFlight) {
    const dispatcher = dispatcherFor(target, connections);
    const options = { ...undiciRequest, origin: `http://${target.host}:${target.port}` };
    const one = () =>
      new Promise<number>((resolve, reject) => {
        dispatcher.dispatch(options, new CountingHandler(resolve, reject));
      });
    return {
      run: (count, latencies) => closedLoop(inFlight, count, one, latencies),
      close: () => dispatcher.close(),
    };
  },
};

/** Counts a readable's bytes until it ends. */
export function drain(body: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    body.on('end', () => resolve(bytes));
    body.on('error', reject);
  });
}

export const undiciClientRequest: LoadAdapter = {
  name: 'undici Client request',
  note: '`dispatcher.request()` (a Readable body drained with data listeners); `Client` for 1 connection, `Pool` (pipelining 1) for more',
  open(target, connections, inFlight) {
    const dispatcher = dispatcherFor(target, connections);
    const one = async () => {
      const { statusCode, body } = await dispatcher.request(undiciRequest);
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      return drain(body);
    };
    return {
      run: (count, latencies) => closedLoop(inFlight, count, one, latencies),
      close: () => dispatcher.close(),
    };
  },
};

/** One GET through `agent`, body drained. */
export function httpGet(agent: http.Agent, target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.host, port: target.port, path: '/', method: 'GET', agent },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        drain(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const nodeHttp: LoadAdapter = {
  name: 'node:http keep-alive',
  note: '`http.request()` with `new http.Agent({ keepAlive: true, maxSockets: connections })`, body drained with data listeners',
  open(target, connections, inFlight): Runner {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    return {
      run: (count, latencies) =>
        closedLoop(inFlight, count, () => httpGet(agent, target), latencies),
      async close() {
        agent.destroy();
      },
    };
  },
};

/** Every adapter, ours first. */
export function clientAdapters(): LoadAdapter[] {
  return [gdhttpClient, undiciDispatch, undiciClientRequest, nodeHttp];
}
