// Runs a test fixture as a user's program runs: bundled by esbuild (sibling packages read from
// source) and started by plain `node`, with no TypeScript loader in the process. Used where the
// process itself is measured (peak memory) or judged (its exit on an unhandled rejection).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

/** What a bundled child did. */
export interface ChildRun {
  /** Its exit code (`null` when a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Bundles `source` into a temporary folder and runs it with `node`, killing it after `timeoutMs`.
 *
 * @param source - the fixture's path.
 * @param args - its command-line arguments.
 * @param timeoutMs - how long it may run.
 * @returns its exit code and output; the temporary folder is removed.
 */
export async function runBundled(
  source: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gdhttp-child-'));
  try {
    const script = join(dir, `${basename(source, '.ts')}.mjs`);
    await build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      conditions: ['@gdhttp/source'],
      outfile: script,
      logLevel: 'warning',
    });
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
