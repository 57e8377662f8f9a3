/**
 * `pnpm demo` (from the root) or `pnpm --filter @gdhttp/tour start`: runs the tour and exits 1
 * if any step failed, 0 otherwise.
 */
import { runTour } from './run-tour.js';

try {
  const { ok } = await runTour();
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  // Set-up failed (a server could not start): say so plainly, no stack for a demo.
  console.error(`tour: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
