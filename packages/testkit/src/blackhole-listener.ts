import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A loopback port where new TCP connects hang (see {@link startBlackholeListener}). */
export interface BlackholeListener {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The port whose accept queue is full. */
  readonly port: number;
  /** How many filler connections it took to fill the queue. */
  readonly fillers: number;
  /** Kills the listener and closes the fillers. */
  close(): Promise<void>;
}

// The child binds with backlog 0, reports its port, then blocks its only thread for good, so
// nobody ever accepts: once the kernel's accept queue is full, further SYNs are dropped and a
// connect() hangs, which is what a connect timeout needs, without leaving loopback.
const CHILD = `
const net = require('node:net');
const server = net.createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 0 }, () => {
  process.stdout.write(server.address().port + '\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

/**
 * Starts a listener on 127.0.0.1 that never accepts, then opens filler connections until one no
 * longer completes within `probeMs`: from then on every connect to the port hangs in SYN-SENT.
 *
 * On Linux the queue holds backlog + 1 connections; gVisor keeps at least 512, so up to
 * `maxFillers` (default 2048) are tried.
 *
 * @param options - `probeMs` (default 250) and `maxFillers`.
 * @returns the listener.
 * @throws if the queue never fills.
 */
export async function startBlackholeListener(
  options: { probeMs?: number; maxFillers?: number } = {},
): Promise<BlackholeListener> {
  const probeMs = options.probeMs ?? 250;
  const maxFillers = options.maxFillers ?? 2048;
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const port = Number(String(line).trim());
    const probe = (): Promise<boolean> => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      fillers.push(socket);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), probeMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    };
    for (let i = 0; i < maxFillers; i++) {
      if (await probe()) continue;
      // One slow connect on a busy machine is not proof: the queue is full only if the next
      // connect hangs too and the first still has not completed.
      const pending = fillers.at(-1)!;
      if (!(await probe()) && pending.connecting) {
        return { host: '127.0.0.1', port, fillers: i, close };
      }
    }
    throw new Error(`accept queue still not full after ${maxFillers} connections`);
  } catch (error) {
    await close();
    throw error;
  }
}
