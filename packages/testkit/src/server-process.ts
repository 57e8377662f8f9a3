import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { EchoServerOptions } from './echo-server.js';
import type { RecordedRequest, ScriptedServerOptions } from './scripted-server.js';

/** What {@link startServerProcess} runs: an echo server or a scripted server with data-only options. */
export type ServerProcessRequest =
  | { readonly kind: 'echo'; readonly options?: EchoServerOptions }
  | {
      readonly kind: 'scripted';
      /** Replies as data (a list, not a function): they cross to the child process. */
      readonly options?: Omit<ScriptedServerOptions, 'replies' | 'onConnection'> & {
        readonly replies?: ScriptedServerOptions['replies'] & readonly unknown[];
        readonly onConnection?: ScriptedServerOptions['onConnection'] & readonly unknown[];
      };
    };

/** A server running in its own process on 127.0.0.1. */
export interface ServerProcess {
  readonly host: string;
  readonly port: number;
  /** The child's pid (it is killed by pid on close). */
  readonly pid: number;
  /** The requests a scripted server received so far, and its connection count. */
  requests(): Promise<{ requests: RecordedRequest[]; connections: number }>;
  /** Stops the server and waits for the process to exit. */
  close(): Promise<void>;
}

/**
 * Starts an echo or scripted server in a child Node process, for tests whose own thread blocks
 * (a synchronous Godot-style loop, a blocking read): a server in the test's process would never
 * get to run while the test thread waits.
 *
 * @param request - which server, with options that survive structured cloning.
 * @returns the running server.
 * @example
 * ```ts
 * const server = await startServerProcess({ kind: 'scripted', options: { replies: [[ok]] } });
 * ```
 */
export async function startServerProcess(request: ServerProcessRequest): Promise<ServerProcess> {
  const child: ChildProcess = fork(new URL('./server-process-main.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--conditions=@gdhttp/source'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  child.send(request);
  const [ready] = (await Promise.race([
    once(child, 'message'),
    exited.then(() => {
      throw new Error('the server process exited before it was ready');
    }),
  ])) as [{ type: string; port: number }];
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return {
    host: '127.0.0.1',
    port: ready.port,
    pid: child.pid!,
    requests: async () => {
      child.send({ type: 'requests' });
      for (;;) {
        const [message] = (await once(child, 'message')) as [
          {
            type: string;
            requests: (RecordedRequest & { raw: string; body: string })[];
            connections: number;
          },
        ];
        if (message.type !== 'requests') continue;
        return {
          connections: message.connections,
          requests: message.requests.map((r) => ({
            ...r,
            raw: Buffer.from(r.raw, 'base64'),
            body: Buffer.from(r.body, 'base64'),
          })),
        };
      }
    },
    close,
  };
}
