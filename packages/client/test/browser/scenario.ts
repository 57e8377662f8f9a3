// One HTTPClient scenario driven on a frame loop, as a Godot game drives it: connect, poll once per
// frame, send the request once CONNECTED, read one body chunk per frame, stop when the client
// leaves the busy states. Runs unchanged in the browser test page (frames are
// requestAnimationFrame) and in Node (frames are timer turns), so both builds can be compared.
// Imports no Node module and no DOM name beyond the few declared here.
import type { HTTPClient } from '@gdhttp/client';
import { ErrorCode, type Method, nameOf, Status } from '@gdhttp/constants';

// Web Crypto, global in browsers and in Node ≥ 20 (the package compiles without the DOM library).
declare const crypto: {
  subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
};

/** What to do: one request on a fresh client. Plain data, so `page.evaluate` can carry it. */
export interface ScenarioSpec {
  /** For `connectToHost`: `127.0.0.1` (an IP literal) or a name. */
  readonly host: string;
  readonly port: number;
  readonly method: Method;
  /** The request target, starting with `/`. */
  readonly path: string;
  readonly headers?: readonly string[];
  /** A request body (UTF-8), sent with `request()`. */
  readonly body?: string;
  /** Sets `readChunkSize` before connecting. */
  readonly readChunkSize?: number;
  /** Calls `close()` once this many body bytes were read (the cancel scenario). */
  readonly cancelAfterBytes?: number;
  /** Gives up (and reports `timedOut`) after this many ms: a deadline to fail, never progress. */
  readonly deadlineMs: number;
}

/** What happened, as plain data for the test to assert. */
export interface ScenarioResult {
  /** Every distinct status in order, by name, starting with the one before `connectToHost`. */
  statuses: string[];
  /** `connectToHost`'s return, by name. */
  connectResult: string;
  /** `request`'s return, by name, or `null` when it was never called. */
  requestResult: string | null;
  /** The distinct non-OK returns of `poll()`, by name, in order. */
  pollErrors: string[];
  /** `getResponseCode()` when the response head had arrived (0 if it never did). */
  code: number;
  /** `getResponseHeaders()` at the same moment. */
  headers: string[];
  /** `getResponseBodyLength()` at the same moment (-1 if unknown or never). */
  bodyLength: number;
  /** Sizes of the non-empty chunks `readResponseBodyChunk()` returned, in order. */
  chunkSizes: number[];
  /** The body read, decoded as UTF-8 when at most 4 KiB, else `''`. */
  bodyText: string;
  /** SHA-256 of all the body bytes read, lower-case hex. */
  bodySha256: string;
  /** The body bytes read in all. */
  bodyBytes: number;
  /** Frames (polls) it took. */
  frames: number;
  /** `lastError?.message` at the end, or `null`. */
  lastError: string | null;
  /** True when the deadline ran out with the client still busy. */
  timedOut: boolean;
}

/** Waits for the next frame: `requestAnimationFrame` in a browser, a timer turn in Node. */
export type NextFrame = () => Promise<unknown>;

/** A status or error code by name (its number when the enum has no such value). */
function statusName(status: Status): string {
  return nameOf(Status, status) ?? `Status ${status}`;
}
function errorName(code: ErrorCode): string {
  return nameOf(ErrorCode, code) ?? `ErrorCode ${code}`;
}

const BUSY: ReadonlySet<number> = new Set([
  Status.RESOLVING,
  Status.CONNECTING,
  Status.REQUESTING,
  Status.BODY,
]);

/**
 * Runs `spec` on a new client made by `create`, polling once per `nextFrame()`.
 *
 * @param create - makes the client (the web or the Node `HTTPClient`).
 * @param spec - the request and when to stop.
 * @param nextFrame - the frame loop.
 * @returns what the client reported.
 */
export async function runScenario(
  create: () => HTTPClient,
  spec: ScenarioSpec,
  nextFrame: NextFrame,
): Promise<ScenarioResult> {
  const client = create();
  if (spec.readChunkSize !== undefined) client.readChunkSize = spec.readChunkSize;
  const statuses: string[] = [];
  const note = (): Status => {
    const status = client.getStatus();
    const name = statusName(status);
    if (statuses[statuses.length - 1] !== name) statuses.push(name);
    return status;
  };
  const result: ScenarioResult = {
    statuses,
    connectResult: '',
    requestResult: null,
    pollErrors: [],
    code: 0,
    headers: [],
    bodyLength: -1,
    chunkSizes: [],
    bodyText: '',
    bodySha256: '',
    bodyBytes: 0,
    frames: 0,
    lastError: null,
    timedOut: false,
  };
  const chunks: Uint8Array[] = [];
  let sawHead = false;
  note();
  result.connectResult = errorName(client.connectToHost(spec.host, spec.port));
  let status = note();
  const deadline = Date.now() + spec.deadlineMs;
  while (BUSY.has(status) || (status === Status.CONNECTED && result.requestResult === null)) {
    if (Date.now() > deadline) {
      result.timedOut = true;
      break;
    }
    await nextFrame();
    result.frames++;
    const polled = client.poll();
    if (polled !== ErrorCode.OK) {
      const name = errorName(polled);
      if (!result.pollErrors.includes(name)) result.pollErrors.push(name);
    }
    status = note();
    if (status === Status.CONNECTED && result.requestResult === null) {
      const code = client.request(spec.method, spec.path, spec.headers ?? [], spec.body ?? '');
      result.requestResult = errorName(code);
      status = note();
      if (code !== ErrorCode.OK) break;
    } else if (status === Status.BODY) {
      if (!sawHead) {
        sawHead = true;
        result.code = client.getResponseCode();
        result.headers = client.getResponseHeaders();
        result.bodyLength = client.getResponseBodyLength();
      }
      const chunk = client.readResponseBodyChunk();
      if (chunk.length > 0) {
        chunks.push(chunk.slice());
        result.chunkSizes.push(chunk.length);
        result.bodyBytes += chunk.length;
      }
      status = note();
      if (spec.cancelAfterBytes !== undefined && result.bodyBytes >= spec.cancelAfterBytes) {
        client.close();
        status = note();
        break;
      }
    }
  }
  if (!sawHead && client.getResponseCode() !== 0) result.code = client.getResponseCode();
  result.lastError = client.lastError?.message ?? null;
  const body = new Uint8Array(result.bodyBytes);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  if (body.length <= 4096) result.bodyText = new TextDecoder().decode(body);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  result.bodySha256 = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  if (status !== Status.DISCONNECTED) client.close();
  return result;
}
