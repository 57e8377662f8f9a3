import type { ProxyCredentials, ProxyFixture, TestCertificates } from '@gdhttp/testkit';
import type { TourOutput } from './tour-output.js';
import type { TourServer } from './tour-server.js';

/** What the steps share: the servers, the proxy, a temp folder and the output. */
export interface TourContext {
  /** The plain HTTP origin. */
  readonly origin: TourServer;
  /** The HTTPS origin, or `null` when no certificates could be made. */
  readonly secure: TourServer | null;
  /** The test CA and leaves, or `null` when they could not be made. */
  readonly certificates: TestCertificates | null;
  /** Why there are no certificates (`''` when there are). */
  readonly certificateProblem: string;
  /** A real proxy (npm `proxy`) demanding {@link TourContext.proxyAuth}. */
  readonly proxy: ProxyFixture;
  /** The proxy's Basic credentials. */
  readonly proxyAuth: ProxyCredentials;
  /** A folder for downloads, removed at the end. */
  readonly tempDir: string;
  /** Where the tour writes. */
  readonly output: TourOutput;
  /** Writes one detail line under the current step. */
  say(line: string): void;
}

/** How a step ended, before timing. */
export interface StepOutcome {
  /** `ok`, `failed`, or `skipped` (a prerequisite such as openssl is missing). */
  readonly status: 'ok' | 'failed' | 'skipped';
  /** The `Result` name of the request the step is about (`OK` for HTTPClient), or why it failed. */
  readonly result: string;
  /** The final response's status code; 0 without one. */
  readonly code: number;
  /** Body bytes delivered (decoded, or written to the file). */
  readonly bytes: number;
}

/** A step's row in the summary. */
export interface StepReport extends StepOutcome {
  /** The step's title. */
  readonly step: string;
  /** Milliseconds it took. */
  readonly ms: number;
}

/** One stop of the tour. */
export interface TourStep {
  /** Short title for the table, e.g. `redirect chain`. */
  readonly title: string;
  /** Runs the step; throwing {@link StepFailure} (or anything) marks it failed. */
  run(context: TourContext): Promise<StepOutcome>;
}

/** Thrown by a step whose request succeeded but whose result is not what the tour promises. */
export class StepFailure extends Error {
  /**
   * @param message - what was wrong.
   * @param outcome - the result, code and bytes seen, for the summary row.
   */
  constructor(
    message: string,
    readonly outcome: Partial<Omit<StepOutcome, 'status'>> = {},
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}
