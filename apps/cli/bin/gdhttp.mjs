#!/usr/bin/env node
// `gdhttp` straight from the sources, so it works in a clone after `pnpm install` alone and never
// runs a stale build: Node re-runs on src/main.ts with tsx's loader and the workspace condition
// that resolves @gdhttp/* to their TypeScript sources. (A second process, because export
// conditions can only be set when Node starts.)
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// tsx is a dependency of @gdhttp/cli: resolve it from here, not from the caller's directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(
  process.execPath,
  ['--conditions=@gdhttp/source', '--import', tsx, main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the child through the terminal's process group: this process must outlive it to
// pass its exit code on. A signal sent to this process alone is passed to the child.
process.on('SIGINT', () => {});
for (const name of ['SIGTERM', 'SIGHUP']) {
  process.on(name, () => child.kill(name));
}
child.on('error', (error) => {
  process.stderr.write(`gdhttp: cannot start Node (${error.message})\n`);
  process.exitCode = 1;
});
child.on('exit', (code, signal) => {
  // Killed by a signal: report it as a shell would, 128 + its number.
  process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
});
