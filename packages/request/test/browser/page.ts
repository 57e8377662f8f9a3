// The browser test page: `@gdhttp/request`, bundled with the `browser` export condition, is the
// web HTTPRequest over the fetch-backed HTTPClient. The test calls `gdhttpRequestTest.run(spec)`
// through `page.evaluate`; everything comes back as plain data.
import { ErrorCode, nameOf, Result, Status } from '@gdhttp/constants';
import { HTTPRequest, HTTPRequestError } from '@gdhttp/request';

// Web Crypto, global in browsers (the package compiles without the DOM library).
declare const crypto: {
  subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
};

/** One request on a new HTTPRequest. Plain data, so `page.evaluate` can carry it. */
export interface RequestSpec {
  readonly url: string;
  /** Seconds; sets `timeout`. */
  readonly timeout?: number;
  readonly bodySizeLimit?: number;
  readonly downloadChunkSize?: number;
  readonly downloadFile?: string;
  readonly maxRedirects?: number;
  /** Calls `cancelRequest()` from the first `progress` event. */
  readonly cancelOnProgress?: boolean;
}

/** What happened. */
export interface RequestOutcome {
  /** The resolved Result by name, or `null` when the promise rejected. */
  result: string | null;
  /** The rejection's ErrorCode by name (an HTTPRequestError), else its message; `null` if none. */
  rejected: string | null;
  responseCode: number;
  headers: string[];
  /** The body as UTF-8 when at most 4 KiB, else `''`. */
  bodyText: string;
  bodyBytes: number;
  bodySha256: string;
  /** `progress` events, and the last one. */
  progressEvents: number;
  lastProgress: { downloadedBytes: number; bodySize: number } | null;
  /** Every `request_completed`, by Result name. */
  completed: string[];
  finalUrl: string;
  redirectCount: number;
  clientStatus: string;
}

/** What the page offers the test. */
export interface RequestTestApi {
  run(spec: RequestSpec): Promise<RequestOutcome>;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function run(spec: RequestSpec): Promise<RequestOutcome> {
  const http = new HTTPRequest();
  if (spec.timeout !== undefined) http.timeout = spec.timeout;
  if (spec.bodySizeLimit !== undefined) http.bodySizeLimit = spec.bodySizeLimit;
  if (spec.downloadChunkSize !== undefined) http.downloadChunkSize = spec.downloadChunkSize;
  if (spec.downloadFile !== undefined) http.downloadFile = spec.downloadFile;
  if (spec.maxRedirects !== undefined) http.maxRedirects = spec.maxRedirects;
  const completed: string[] = [];
  http.on('request_completed', ({ result }) => completed.push(nameOf(Result, result) ?? '?'));
  let progressEvents = 0;
  let lastProgress: RequestOutcome['lastProgress'] = null;
  http.on('progress', (progress) => {
    progressEvents++;
    lastProgress = { ...progress };
    if (spec.cancelOnProgress) http.cancelRequest();
  });
  const outcome: RequestOutcome = {
    result: null,
    rejected: null,
    responseCode: 0,
    headers: [],
    bodyText: '',
    bodyBytes: 0,
    bodySha256: '',
    progressEvents: 0,
    lastProgress: null,
    completed,
    finalUrl: '',
    redirectCount: 0,
    clientStatus: '',
  };
  try {
    const { result, responseCode, headers, body } = await http.request(spec.url);
    outcome.result = nameOf(Result, result) ?? '?';
    outcome.responseCode = responseCode;
    outcome.headers = headers;
    outcome.bodyBytes = body.length;
    outcome.bodyText = body.length <= 4096 ? new TextDecoder().decode(body) : '';
    outcome.bodySha256 = await sha256Hex(body);
  } catch (error) {
    outcome.rejected =
      error instanceof HTTPRequestError
        ? (nameOf(ErrorCode, error.code) ?? '?')
        : String((error as Error).message);
  }
  // Anything emitted after the promise settled would show here.
  await new Promise((resolve) => setTimeout(resolve, 20));
  outcome.progressEvents = progressEvents;
  outcome.lastProgress = lastProgress;
  outcome.finalUrl = http.getFinalUrl();
  outcome.redirectCount = http.getRedirectCount();
  outcome.clientStatus = nameOf(Status, http.getHttpClientStatus()) ?? '?';
  return outcome;
}

(globalThis as unknown as { gdhttpRequestTest: RequestTestApi }).gdhttpRequestTest = { run };
