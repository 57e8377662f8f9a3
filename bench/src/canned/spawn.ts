/**
 * Process placement for the client-bound setup (docs/references.md#client-and-request-benchmarks):
 * the canned server runs in its own process on core 0 (`taskset -c 0`), the benchmarking process
 * moves itself to core 1. Without `taskset`, or on a machine with fewer than two cores, nothing is
 * pinned and a note says so.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CannedServers } from './server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = join(here, '..', '..');

export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Whether both processes can be pinned (taskset present, ≥ 2 cores). */
export function canPin(): boolean {
  return availableParallelism() >= 2 && hasTaskset();
}

/**
 * Pins every thread of this process to `core` and returns a function restoring the previous
 * affinity (so later suites in the same run are not affected), or `null` with a printed note.
 */
export function pinSelf(core = CLIENT_CORE): (() => void) | null {
  if (!canPin()) {
    console.log(
      `note: not pinned (${hasTaskset() ? `${availableParallelism()} core(s)` : 'taskset missing'}); client and server share cores`,
    );
    return null;
  }
  const before = spawnSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' });
  const mask = /:\s*([0-9a-f]+)\s*$/i.exec(before.stdout)?.[1];
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], {
    stdio: 'ignore',
  });
  if (pinned.status !== 0 || mask === undefined) {
    console.log('note: taskset could not pin this process; client and server share cores');
    return null;
  }
  return () => {
    spawnSync('taskset', ['-a', '-p', mask, String(process.pid)], { stdio: 'ignore' });
  };
}

export interface SpawnedServers extends CannedServers {
  /** How the server process was placed, for the report. */
  placement: string;
}

/**
 * Starts the canned server in a child process (pinned to core 0 when possible). The child exits
 * when its stdin closes, so it dies with this process even if `close()` is never reached.
 */
export function spawnCanned(downloadBytes?: number): Promise<SpawnedServers> {
  return spawnServer<CannedServers['ports']>(
    'server.ts',
    downloadBytes === undefined ? [] : [String(downloadBytes)],
  );
}

/**
 * Starts `script` (a file beside this one that prints its ports as one JSON line and exits when
 * its stdin closes) in a child process, pinned to core 0 when possible.
 */
export async function spawnServer<Ports>(
  script: string,
  scriptArgs: string[],
): Promise<{ ports: Ports; placement: string; close(): Promise<void> }> {
  const pin = canPin();
  const node = [process.execPath, '--import', 'tsx', join(here, script), ...scriptArgs];
  const [cmd, ...args] = pin ? ['taskset', '-c', String(SERVER_CORE), ...node] : node;
  const child: ChildProcess = spawn(cmd!, args, {
    cwd: benchRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<Ports>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 20 s`)), 20e3);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Ports);
    });
  }).catch((error: unknown) => {
    child.kill();
    throw error;
  });
  return {
    ports,
    placement: pin
      ? `server process ${child.pid} pinned to core ${SERVER_CORE} (taskset -c ${SERVER_CORE})`
      : `server process ${child.pid} not pinned`,
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
