/**
 * @packageDocumentation
 * `@gdhttp/tour` (private app): the tour `pnpm demo` runs — HTTPRequest and HTTPClient against
 * embedded servers, a test CA and a real proxy on 127.0.0.1, ending in a summary table.
 * See README.md.
 */

export type { TourOptions, TourResult } from './run-tour.js';
export { runTour } from './run-tour.js';
export { formatSummary } from './summary-table.js';
export type { TourOutput } from './tour-output.js';
export type { LoggedRequest, TourServer, TourServerOptions } from './tour-server.js';
export { startTourServer } from './tour-server.js';
export type { StepOutcome, StepReport, TourContext, TourStep } from './tour-step.js';
export { StepFailure } from './tour-step.js';
export { TOUR_STEPS } from './tour-steps.js';
