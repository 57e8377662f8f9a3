// The browser test page: `@gdhttp/request`, bundled with the `browser` export condition, is the
// web HTTPRequest over the fetch-backed HTTPClient. The test calls `gdhttpRequestTest.run(spec)`
// (and the stream scenarios below) through `page.evaluate`; everything comes back as plain data.
import { ErrorCode, Method, nameOf, Result, Status } from '@gdhttp/constants';
import {
  EventSource,
  HTTPRequest,
  HTTPRequestError,
  NdjsonReader,
  RequestBody,
  type ResponseStream,
  type ServerSentEvent,
} from '@gdhttp/request';

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

/** A response read with `requestStream()`. */
export interface StreamSpec {
  readonly url: string;
  /** `for await` to the end, `readable()` to the end, or `for await` left after the first piece. */
  readonly read: 'iterate' | 'readable' | 'break';
}

/** What a response stream gave. */
export interface StreamOutcome {
  result: string;
  responseCode: number;
  headers: string[];
  text: string;
  pieces: number;
  /** The body's `done` Result by name, or the rejection's ErrorCode by name. */
  done: string;
  /** Every `request_completed`, by Result name. */
  completed: string[];
  /** What `nodeReadable()` did: the ErrorCode name it threw with (a browser has no Node streams). */
  nodeReadable: string;
}

/** A request body the page makes: byte i is `i & 0xff`. */
export interface UploadSpec {
  readonly url: string;
  readonly kind: 'blob' | 'stream' | 'iterable';
  readonly size: number;
  /** The Blob's type. */
  readonly type?: string;
}

/** What an upload gave. */
export interface UploadOutcome {
  result: string;
  /** The server's answer (JSON of what it received). */
  echo: unknown;
  uploadedBytes: number;
  progress: { uploadedBytes: number; uploadSize: number }[];
}

/** What the page offers the test. */
export interface RequestTestApi {
  run(spec: RequestSpec): Promise<RequestOutcome>;
  stream(spec: StreamSpec): Promise<StreamOutcome>;
  /** Reads one piece of `url` and keeps the stream unread until {@link RequestTestApi.release}. */
  hold(url: string): Promise<number>;
  /** Leaves the held stream's loop (`return()`, as `break` does). */
  release(): Promise<void>;
  /** Reads an event stream until an event of type `until`, then breaks. */
  sse(url: string, until: string): Promise<ServerSentEvent[]>;
  ndjson(url: string): Promise<unknown[]>;
  upload(spec: UploadSpec): Promise<UploadOutcome>;
  /** The codes Node-only bodies are refused with, by name. */
  refusals(url: string): Promise<string[]>;
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

const errorName = (error: unknown): string =>
  error instanceof HTTPRequestError
    ? (nameOf(ErrorCode, error.code) ?? '?')
    : String((error as Error).message);

async function stream(spec: StreamSpec): Promise<StreamOutcome> {
  const http = new HTTPRequest();
  const completed: string[] = [];
  http.on('request_completed', ({ result }) => completed.push(nameOf(Result, result) ?? '?'));
  const { result, responseCode, headers, body } = await http.requestStream(spec.url);
  const decoder = new TextDecoder();
  let text = '';
  let pieces = 0;
  if (spec.read === 'readable') {
    const reader = body.readable().getReader();
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      pieces++;
      text += decoder.decode(step.value, { stream: true });
    }
  } else {
    for await (const piece of body) {
      pieces++;
      text += decoder.decode(piece, { stream: true });
      if (spec.read === 'break') break;
    }
  }
  let done: string;
  try {
    done = nameOf(Result, (await body.done).result) ?? '?';
  } catch (error) {
    done = errorName(error);
  }
  let nodeReadable = 'returned';
  try {
    body.nodeReadable();
  } catch (error) {
    nodeReadable = errorName(error);
  }
  return {
    result: nameOf(Result, result) ?? '?',
    responseCode,
    headers,
    text: spec.read === 'break' ? '' : text,
    pieces,
    done,
    completed,
    nodeReadable,
  };
}

let held: AsyncIterator<Uint8Array> | null = null;

async function hold(url: string): Promise<number> {
  const { body }: { body: ResponseStream } = await new HTTPRequest().requestStream(url);
  held = body[Symbol.asyncIterator]();
  const first = await held.next();
  return first.done === true ? 0 : first.value.length;
}

async function release(): Promise<void> {
  await held?.return?.();
  held = null;
}

async function sse(url: string, until: string): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of new EventSource(url)) {
    events.push(event);
    if (event.type === until) break;
  }
  return events;
}

async function ndjson(url: string): Promise<unknown[]> {
  const { body } = await new HTTPRequest().requestStream(url);
  const values: unknown[] = [];
  for await (const value of new NdjsonReader(body)) values.push(value);
  return values;
}

function patternBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

async function upload(spec: UploadSpec): Promise<UploadOutcome> {
  const bytes = patternBytes(spec.size);
  const piece = 16 * 1024;
  // TypeScript sees the Node build's declarations here (whose bodies are no Blobs); what runs
  // is the web build, which takes them.
  let body: unknown;
  if (spec.kind === 'blob') {
    body = new Blob([bytes], spec.type === undefined ? {} : { type: spec.type });
  } else if (spec.kind === 'stream') {
    let at = 0;
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) controller.close();
        else {
          controller.enqueue(bytes.slice(at, at + piece));
          at += piece;
        }
      },
    });
  } else {
    body = (async function* () {
      for (let at = 0; at < bytes.length; at += piece) yield bytes.slice(at, at + piece);
    })();
  }
  const http = new HTTPRequest();
  const progress: UploadOutcome['progress'] = [];
  http.on('upload_progress', (p) => progress.push({ ...p }));
  const headers = spec.kind === 'blob' ? [] : ['Content-Type: application/octet-stream'];
  const { result, body: answer } = await http.requestRaw(
    spec.url,
    headers,
    Method.PUT,
    body as Uint8Array,
  );
  return {
    result: nameOf(Result, result) ?? '?',
    echo: answer.length > 0 ? JSON.parse(new TextDecoder().decode(answer)) : null,
    uploadedBytes: http.getUploadedBytes(),
    progress,
  };
}

async function refusals(url: string): Promise<string[]> {
  const http = new HTTPRequest();
  const nodeReadable = {
    pipe() {},
    on() {},
    read() {},
    async *[Symbol.asyncIterator]() {
      yield new Uint8Array(1);
    },
  };
  const bodies: unknown[] = [
    RequestBody.file('/etc/hostname'),
    { fd: 3, read() {}, stat() {} },
    nodeReadable,
    RequestBody.stream(nodeReadable),
  ];
  const codes: string[] = [];
  for (const body of bodies) {
    try {
      await http.requestRaw(url, [], Method.PUT, body as Uint8Array);
      codes.push('resolved');
    } catch (error) {
      codes.push(errorName(error));
    }
  }
  return codes;
}

(globalThis as unknown as { gdhttpRequestTest: RequestTestApi }).gdhttpRequestTest = {
  run,
  stream,
  hold,
  release,
  sse,
  ndjson,
  upload,
  refusals,
};
