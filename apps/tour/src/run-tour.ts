import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ProxyCredentials,
  type ProxyFixture,
  startNpmProxy,
  type TestCertificates,
  testCertificates,
} from '@gdhttp/testkit';
import { formatSummary } from './summary-table.js';
import type { TourOutput } from './tour-output.js';
import { startTourServer, type TourServer } from './tour-server.js';
import {
  StepFailure,
  type StepOutcome,
  type StepReport,
  type TourContext,
  type TourStep,
} from './tour-step.js';
import { TOUR_STEPS } from './tour-steps.js';

/** Options of {@link runTour}. */
export interface TourOptions {
  /** Where the tour writes (default `process.stdout`); `isTTY` picks a progress bar over lines. */
  readonly output?: TourOutput;
  /** Size of the download step's file in bytes (default 8 MiB). */
  readonly downloadBytes?: number;
  /** Roughly how long the server takes to send the download, in ms (default 1000). */
  readonly downloadMs?: number;
  /** The steps to run (default {@link TOUR_STEPS}, all of them). */
  readonly steps?: readonly TourStep[];
}

/** What {@link runTour} did. */
export interface TourResult {
  /** True when no step failed (a skipped step does not fail the tour). */
  readonly ok: boolean;
  /** One report per step, in order. */
  readonly steps: readonly StepReport[];
  /** Wall-clock milliseconds of the whole tour, set-up included. */
  readonly elapsedMs: number;
}

const DETAIL = '      ';

/**
 * The gdhttp tour behind `pnpm demo`: starts an HTTP and an HTTPS origin (certificates from a CA
 * made at start with openssl) and a real proxy (npm `proxy`, with Basic credentials), all on
 * 127.0.0.1, then runs HTTPRequest through a plain GET, a chunked body, gzip, a redirect chain, a
 * download to a file with progress, HTTPS, the proxy for HTTP and for HTTPS (CONNECT), and
 * Godot's HTTPClient frame-loop example. Prints each step's details and a summary table.
 *
 * Without openssl the two HTTPS steps are skipped with the reason, not failed.
 *
 * @param options - output, the download's size and pace, and which steps to run.
 * @returns every step's report; `ok` is false if any step failed.
 * @example
 * ```ts
 * import { runTour } from '@gdhttp/tour';
 *
 * const { ok } = await runTour();
 * process.exitCode = ok ? 0 : 1;
 * ```
 */
export async function runTour(options: TourOptions = {}): Promise<TourResult> {
  const output = options.output ?? process.stdout;
  const say = (line: string): void => {
    output.write(`${line}\n`);
  };
  const started = performance.now();
  const reports: StepReport[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  say(
    "gdhttp tour: Godot's HTTPRequest and HTTPClient in TypeScript, against servers on 127.0.0.1",
  );
  try {
    const tempDir = await mkdtemp(join(tmpdir(), 'gdhttp-tour-'));
    cleanups.push(() => rm(tempDir, { recursive: true, force: true }));
    const origin = await startTourServer({
      ...(options.downloadBytes === undefined ? {} : { downloadBytes: options.downloadBytes }),
      ...(options.downloadMs === undefined ? {} : { downloadMs: options.downloadMs }),
    });
    cleanups.push(origin.close);
    const { certificates, problem } = await certificatesOrWhy();
    let secure: TourServer | null = null;
    if (certificates !== null) {
      secure = await startTourServer({
        tls: { key: certificates.valid.key, cert: certificates.valid.cert },
      });
      cleanups.push(secure.close);
    }
    // Fixed, harmless credentials: the proxy lives on loopback for the length of the tour.
    const proxyAuth: ProxyCredentials = { user: 'tour', pass: 'gdhttp' };
    const proxy: ProxyFixture = await startNpmProxy({ auth: proxyAuth });
    cleanups.push(proxy.close);

    say(`  origin  ${origin.url}`);
    say(`  https   ${secure?.url ?? `none: ${problem}`}`);
    say(`  proxy   http://${proxy.host}:${proxy.port}  (npm proxy, Basic credentials)`);

    const context: TourContext = {
      origin,
      secure,
      certificates,
      certificateProblem: problem,
      proxy,
      proxyAuth,
      tempDir,
      output,
      say: (line) => say(`${DETAIL}${line}`),
    };
    const steps = options.steps ?? TOUR_STEPS;
    for (const [index, step] of steps.entries()) {
      say('');
      say(`[${index + 1}/${steps.length}] ${step.title}`);
      const stepStarted = performance.now();
      let outcome: StepOutcome;
      try {
        outcome = await step.run(context);
        if (outcome.status === 'skipped') context.say(`skipped: ${outcome.result}`);
      } catch (error) {
        outcome = failureOf(error);
        context.say(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
      reports.push({ step: step.title, ...outcome, ms: performance.now() - stepStarted });
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }

  const elapsedMs = performance.now() - started;
  say('');
  output.write(formatSummary(reports, elapsedMs));
  return { ok: reports.every((r) => r.status !== 'failed'), steps: reports, elapsedMs };
}

function failureOf(error: unknown): StepOutcome {
  const seen = error instanceof StepFailure ? error.outcome : {};
  return {
    status: 'failed',
    result: seen.result ?? (error instanceof Error ? error.name : 'ERROR'),
    code: seen.code ?? 0,
    bytes: seen.bytes ?? 0,
  };
}

/** The test certificates, or why they could not be made (openssl missing or failing). */
async function certificatesOrWhy(): Promise<{
  certificates: TestCertificates | null;
  problem: string;
}> {
  try {
    return { certificates: await testCertificates(), problem: '' };
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const problem =
      code === 'ENOENT'
        ? 'openssl is not installed (the HTTPS steps need it to make a test CA)'
        : `no test certificates: ${(error as Error).message}`;
    return { certificates: null, problem };
  }
}
