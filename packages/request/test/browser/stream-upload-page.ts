// The page of test/browser-stream-uploads.test.ts: the web HTTPRequest (`@gdhttp/request` under
// the `browser` condition) sends stream bodies with `streamUploads`, and the page reports what
// happened as plain data: the Result, the upload_progress events, and what the page's own source
// stream went through (bytes it gave, whether it was cancelled).
import { ErrorCode, Method, nameOf, Result } from '@gdhttp/constants';
import { HTTPRequest, HTTPRequestError, RequestBody } from '@gdhttp/request';

/** One streamed upload. Byte i of the body is `i & 0xff`. */
export interface StreamUploadSpec {
  readonly url: string;
  /** Bytes the source gives. */
  readonly size: number;
  /** Bytes per piece (default 16 KiB). */
  readonly piece?: number;
  /** A Web ReadableStream, an async generator, or `RequestBody.stream(() => stream)`. */
  readonly kind: 'stream' | 'iterable' | 'factory';
  /** `RequestBody.stream(…, { length })`. */
  readonly length?: number;
  readonly streamUploads: boolean;
  readonly method?: 'PUT' | 'POST';
  /** Calls `cancelRequest()` once `uploadedBytes` reaches this. */
  readonly cancelAt?: number;
  /** The source fails (throws) after giving this many bytes. */
  readonly failAt?: number;
}

/** What happened. */
export interface StreamUploadOutcome {
  /** The Result by name, or `null` when the promise rejected. */
  result: string | null;
  /** The rejection's ErrorCode by name, or its message; `null` if it resolved. */
  rejected: string | null;
  responseCode: number;
  headers: string[];
  /** The server's JSON answer, or `null`. */
  echo: unknown;
  uploadedBytes: number;
  /** Every `upload_progress` event. */
  progress: { uploadedBytes: number; uploadSize: number }[];
  /** Bytes the source handed out. */
  given: number;
  /** The source was cancelled (a stream's `cancel`, a generator's `finally` before its end). */
  sourceCancelled: boolean;
  /** Every `request_completed`, by Result name. */
  completed: string[];
}

/** What the page offers the test. */
export interface StreamUploadApi {
  upload(spec: StreamUploadSpec): Promise<StreamUploadOutcome>;
  /** Whether this browser's fetch streams request bodies (Chromium's recommended check). */
  hasRequestStreams(): boolean;
}

async function upload(spec: StreamUploadSpec): Promise<StreamUploadOutcome> {
  const piece = spec.piece ?? 16 * 1024;
  let given = 0;
  let sourceCancelled = false;
  const next = (): Uint8Array => {
    if (spec.failAt !== undefined && given >= spec.failAt) {
      throw new Error(`source failed at ${given}`);
    }
    const n = Math.min(piece, spec.size - given);
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (given + i) & 0xff;
    given += n;
    return bytes;
  };
  const makeStream = () =>
    new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (given >= spec.size) controller.close();
          else controller.enqueue(next());
        },
        cancel() {
          sourceCancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
  let body: unknown;
  if (spec.kind === 'iterable') {
    body = (async function* () {
      let done = false;
      try {
        while (given < spec.size) yield next();
        done = true;
      } finally {
        if (!done) sourceCancelled = true;
      }
    })();
  } else if (spec.kind === 'factory') {
    body = RequestBody.stream(makeStream, spec.length === undefined ? {} : { length: spec.length });
  } else {
    body = makeStream();
  }
  if (spec.length !== undefined && spec.kind !== 'factory') {
    body = RequestBody.stream(body as ReadableStream<Uint8Array>, { length: spec.length });
  }
  const http = new HTTPRequest() as HTTPRequest & { streamUploads: boolean };
  http.streamUploads = spec.streamUploads;
  const progress: StreamUploadOutcome['progress'] = [];
  const completed: string[] = [];
  http.on('request_completed', ({ result }) => completed.push(nameOf(Result, result) ?? '?'));
  http.on('upload_progress', (p) => {
    progress.push({ ...p });
    if (spec.cancelAt !== undefined && p.uploadedBytes >= spec.cancelAt) http.cancelRequest();
  });
  const outcome: StreamUploadOutcome = {
    result: null,
    rejected: null,
    responseCode: 0,
    headers: [],
    echo: null,
    uploadedBytes: 0,
    progress,
    given: 0,
    sourceCancelled: false,
    completed,
  };
  try {
    // TypeScript sees the Node build's declarations (no streamUploads, no Web streams in
    // requestRaw); what runs is the web build.
    const answer = await http.requestRaw(
      spec.url,
      ['Content-Type: application/octet-stream'],
      spec.method === 'POST' ? Method.POST : Method.PUT,
      body as Uint8Array,
    );
    outcome.result = nameOf(Result, answer.result) ?? '?';
    outcome.responseCode = answer.responseCode;
    outcome.headers = answer.headers;
    const text = new TextDecoder().decode(answer.body);
    outcome.echo = text.startsWith('{') ? JSON.parse(text) : null;
  } catch (error) {
    outcome.rejected =
      error instanceof HTTPRequestError
        ? (nameOf(ErrorCode, error.code) ?? '?')
        : String((error as Error).message);
  }
  // A cancel reaches the source through the aborted fetch a moment later.
  await new Promise((resolve) => setTimeout(resolve, 50));
  outcome.uploadedBytes = http.getUploadedBytes();
  outcome.given = given;
  outcome.sourceCancelled = sourceCancelled;
  return outcome;
}

function hasRequestStreams(): boolean {
  let duplexRead = false;
  const typed = new Request('http://127.0.0.1/', {
    method: 'POST',
    body: new ReadableStream(),
    get duplex() {
      duplexRead = true;
      return 'half';
    },
  } as RequestInit).headers.has('content-type');
  return duplexRead && !typed;
}

(globalThis as unknown as { gdhttpStreamUpload: StreamUploadApi }).gdhttpStreamUpload = {
  upload,
  hasRequestStreams,
};
