/**
 * The fuzz's one loopback server: each connection names its delivery in an `X-Fuzz: <id>` request
 * header; request k on the connection is answered with segment k of that delivery, written as
 * separate `write()`s with a pause between them (TCP_NODELAY, so each write leaves as it is made
 * and the client's reads see the pieces the delivery asks for, as far as timing allows). After
 * the last segment the server half-closes (FIN). Requests past the last segment get nothing.
 */
import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { listenLoopback } from '@gdhttp/testkit';

/** Segments (one per request), each a list of pieces written `pauseMs` apart. */
export interface Delivery {
  segments: Uint8Array[][];
  pauseMs: number;
}

export interface FuzzServer {
  readonly host: string;
  readonly port: number;
  /** Registers a delivery; the returned id goes in the request's `X-Fuzz` header. */
  register(delivery: Delivery): number;
  release(id: number): void;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const ID = /\r\nX-Fuzz: (\d+)\r\n/i;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFuzzServer(): Promise<FuzzServer> {
  const deliveries = new Map<number, Delivery>();
  const sockets = new Set<Socket>();
  let nextId = 1;

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    let served = 0;
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        // The client's GET, HEAD and CONNECT requests have no body: a request is its head.
        const end = pending.indexOf(HEAD_END);
        if (end < 0) break;
        const head = pending.subarray(0, end + 2).toString('latin1');
        pending = pending.subarray(end + 4);
        const delivery = deliveries.get(Number(ID.exec(head)?.[1]));
        const k = served++;
        const segment = delivery?.segments[k];
        if (delivery === undefined || segment === undefined) continue;
        const last = k === delivery.segments.length - 1;
        chain = chain.then(async () => {
          for (let i = 0; i < segment.length; i++) {
            if (socket.destroyed) return;
            if (i > 0) await sleep(delivery.pauseMs);
            if (socket.destroyed) return;
            socket.write(segment[i]!);
          }
          if (last && !socket.destroyed) socket.end();
        });
      }
    });
  });
  const port = await listenLoopback(server);

  return {
    host: '127.0.0.1',
    port,
    register(delivery) {
      const id = nextId++;
      deliveries.set(id, delivery);
      return id;
    },
    release(id) {
      deliveries.delete(id);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
