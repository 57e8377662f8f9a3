/**
 * The request suite's requests/s adapters: promise APIs that hand back the whole body in memory —
 * gdhttp's HTTPRequest, undici's `request()` (body read with `arrayBuffer()`), `node:http` with a
 * keep-alive agent (chunks concatenated) and undici's `fetch` (`arrayBuffer()`).
 */
import http from 'node:http';
import { Result } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';
import { Client, type Dispatcher, fetch, Pool, request } from 'undici';
import { closedLoop, type LoadAdapter, type Target } from '../load/harness.ts';

const urlOf = (target: Target) => `http://${target.host}:${target.port}/`;

function dispatcherFor(target: Target, connections: number): Dispatcher {
  const origin = `http://${target.host}:${target.port}`;
  return connections === 1
    ? new Client(origin, { pipelining: 1 })
    : new Pool(origin, { connections, pipelining: 1 });
}

/** One `HTTPRequest.request()`; throws unless it succeeded with a 200. */
export async function requestGet(r: HTTPRequest, url: string): Promise<number> {
  const { result, responseCode, body } = await r.request(url);
  if (result !== Result.SUCCESS || responseCode !== 200) {
    throw new Error(`HTTPRequest: result ${result}, status ${responseCode}`);
  }
  return body.length;
}

export const gdhttpRequest: LoadAdapter = {
  name: 'gdhttp HTTPRequest',
  note: 'one HTTPRequest per connection, `await request(url)` in a loop (default settings: acceptGzip on, so `Accept-Encoding` is sent; the connection is kept alive between requests)',
  open(target, connections) {
    const url = urlOf(target);
    const requests = Array.from({ length: connections }, () => new HTTPRequest());
    return {
      run: (count, latencies) =>
        closedLoop(connections, count, (i) => requestGet(requests[i]!, url), latencies),
      async close() {
        for (const r of requests) r.close();
      },
    };
  },
};

export const undiciRequest: LoadAdapter = {
  name: 'undici request',
  note: '`request(url, { dispatcher })`, body read with `body.arrayBuffer()`; a `Client` for 1 connection, a `Pool` (pipelining 1) for more',
  open(target, connections, inFlight) {
    const url = urlOf(target);
    const dispatcher = dispatcherFor(target, connections);
    const one = async () => {
      const { statusCode, body } = await request(url, { dispatcher });
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      return (await body.arrayBuffer()).byteLength;
    };
    return {
      run: (count, latencies) => closedLoop(inFlight, count, one, latencies),
      close: () => dispatcher.close(),
    };
  },
};

export const nodeHttpBuffered: LoadAdapter = {
  name: 'node:http keep-alive',
  note: '`http.get()` with `new http.Agent({ keepAlive: true, maxSockets: connections })`, chunks concatenated with `Buffer.concat`',
  open(target, connections, inFlight) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const options = { host: target.host, port: target.port, path: '/', agent };
    const one = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(options, (res) => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            const parts: Buffer[] = [];
            res.on('data', (chunk: Buffer) => parts.push(chunk));
            res.on('end', () => resolve(Buffer.concat(parts).length));
            res.on('error', reject);
          })
          .on('error', reject);
      });
    return {
      run: (count, latencies) => closedLoop(inFlight, count, one, latencies),
      async close() {
        agent.destroy();
      },
    };
  },
};

export const undiciFetch: LoadAdapter = {
  name: 'fetch (undici)',
  note: "undici's `fetch(url, { dispatcher })` (the pinned undici, not Node 20's bundled 6.x), `arrayBuffer()`",
  open(target, connections, inFlight) {
    const url = urlOf(target);
    const dispatcher = dispatcherFor(target, connections);
    const one = async () => {
      const res = await fetch(url, { dispatcher });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return (await res.arrayBuffer()).byteLength;
    };
    return {
      run: (count, latencies) => closedLoop(inFlight, count, one, latencies),
      close: () => dispatcher.close(),
    };
  },
};

/** Every adapter, ours first. */
export function requestAdapters(): LoadAdapter[] {
  return [gdhttpRequest, undiciRequest, nodeHttpBuffered, undiciFetch];
}
