/**
 * `pnpm --filter @gdhttp/poll-loop start [fps]`: runs the ported Godot HTTPClient example against
 * its own server and exits 1 if the response did not arrive whole.
 */
import { runPollLoop } from './run-poll-loop.js';

const fps = Number(process.argv[2] ?? 60);
if (!(fps > 0 && fps <= 1000)) {
  console.error(`usage: poll-loop [fps]  (1-1000, default 60; got ${process.argv[2]})`);
  process.exit(2);
}
const result = await runPollLoop({ fps });
process.exitCode = result.ok ? 0 : 1;
