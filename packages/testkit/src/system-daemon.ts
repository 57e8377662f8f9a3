import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort } from './free-port.js';

/** How to start one Debian daemon in the foreground on 127.0.0.1 (see {@link startSystemDaemon}). */
export interface SystemDaemonSpec {
  /** Names the temp directory and the errors: `squid`, `nginx`… */
  readonly name: string;
  /** How many free ports it listens on (default 1). */
  readonly ports?: number;
  /**
   * Writes its configuration into `dir` for these ports and returns the command line.
   * Called again, with new ports and a new directory, for each attempt.
   */
  readonly configure: (
    dir: string,
    ports: readonly number[],
  ) => Promise<readonly [string, string[]]>;
  /** Whether it serves yet (default: the first port accepts a TCP connect). */
  readonly ready?: (ports: readonly number[]) => Promise<boolean>;
  /**
   * The signal that asks it to stop (nginx `SIGTERM`, gunicorn `SIGQUIT`); default `SIGKILL`. Its
   * whole process group is killed afterwards, and at once if it has not exited within 5 s.
   */
  readonly stopSignal?: NodeJS.Signals;
  /** How long one attempt may take to become ready, in ms (default 5000). */
  readonly startTimeoutMs?: number;
  /** Environment of the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/** A daemon started by {@link startSystemDaemon}. */
export interface SystemDaemon {
  /** Its temp directory (configuration, pid file, logs); removed by `close()`. */
  readonly dir: string;
  /** The ports it listens on, as many as the spec asked for. */
  readonly ports: readonly number[];
  /** The pid of the process started (the master, for nginx and gunicorn). */
  readonly pid: number;
  /** The last 4000 characters it wrote to stderr. */
  stderr(): string;
  /** Stops it by pid, waits for it to exit, kills what is left of its group, removes `dir`. */
  close(): Promise<void>;
}

const ATTEMPTS = 3;
const STOP_GRACE_MS = 5000;

// Process groups (and directories) of the daemons not closed yet. A daemon runs in its own
// group, so it outlives a test worker that exits without running afterAll (a bail, a hang cut
// short): on exit they are killed and their directories removed. A worker killed by a signal
// still leaves them behind.
const live = new Map<number, string>();
let exitHook = false;

function track(pid: number, dir: string): void {
  live.set(pid, dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const [group, dir] of live) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone already
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts a daemon as a child process in its own process group with a configuration generated
 * in a fresh temp directory, on ports picked free just before, and waits until it serves.
 *
 * A port picked free can be taken again before the daemon binds it (EADDRINUSE), so a start that
 * fails is retried with new ports, three attempts in all.
 *
 * @param spec - what to start and how to tell it is ready.
 * @returns the running daemon.
 * @throws with the daemon's stderr when no attempt became ready.
 */
export async function startSystemDaemon(spec: SystemDaemonSpec): Promise<SystemDaemon> {
  const ready = spec.ready ?? ((ports: readonly number[]) => canConnect(ports[0]!));
  const timeoutMs = spec.startTimeoutMs ?? 5000;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `gdhttp-${spec.name}-`));
    const ports: number[] = [];
    for (let i = 0; i < (spec.ports ?? 1); i++) {
      let port = await freePort();
      // Two probes in a row may return the same port once the first is released.
      while (ports.includes(port)) port = await freePort();
      ports.push(port);
    }
    const [binary, args] = await spec.configure(dir, ports);
    // Its own process group, so closing also ends the workers and helpers it spawns.
    const child: ChildProcess = spawn(binary, args, {
      cwd: dir,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let spawnError: Error | null = null;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    // Settles on exit, and also when it never ran ('error' rejects `once`).
    const exited = once(child, 'exit').catch(() => {});
    const running = (): boolean =>
      spawnError === null && child.exitCode === null && child.signalCode === null;
    if (child.pid !== undefined) track(child.pid, dir);
    const close = async (): Promise<void> => {
      if (running() && child.pid !== undefined) {
        child.kill(spec.stopSignal ?? 'SIGKILL');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          exited,
          new Promise((resolve) => {
            timer = setTimeout(resolve, STOP_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      if (child.pid !== undefined) {
        try {
          // Workers the master did not take down, or everything when it ignored the signal.
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
      await exited;
      if (child.pid !== undefined) live.delete(child.pid);
      await rm(dir, { recursive: true, force: true });
    };
    // Readiness: ask until it answers, 50 ms apart (a fixture, not gdhttp code).
    const deadline = Date.now() + timeoutMs;
    while (running() && Date.now() < deadline) {
      if (await ready(ports)) {
        return { dir, ports, pid: child.pid!, stderr: () => stderr, close };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const why =
      spawnError !== null
        ? String(spawnError)
        : running()
          ? `not ready after ${timeoutMs} ms`
          : `exited (${child.exitCode ?? child.signalCode})`;
    lastError = new Error(
      `${spec.name} did not start on port ${ports.join(', ')}: ${why}: ${stderr.trim()}`,
    );
    await close();
  }
  throw lastError;
}
