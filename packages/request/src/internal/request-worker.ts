// The worker thread of `useThreads` (docs/decisions/0012-use-threads-request-worker.md): runs the
// whole request — client, parser, redirects, decoding, the download file, the collected body —
// with an ordinary HTTPRequest, and sends its state, progress, body pieces and outcome to the
// HTTPRequest that started it. Started by startModuleWorker() from http-request.ts; one worker per
// request, which ends with it.
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { HTTPRequest } from '../http-request.js';
import { cookieWatchers } from './cookie-watchers.js';
import type { HTTPRequestError, HTTPRequestResult } from './request-types.js';
import { stateWatchers } from './state-watchers.js';
import {
  type FromWorker,
  type ProxyArguments,
  type ToWorker,
  tlsOptionsFrom,
  type WorkerRequest,
} from './worker-messages.js';

/**
 * How many body bytes may wait for the caller's `onBody` before the worker stops reading: enough
 * to keep the socket busy while the main thread runs the callback, little enough that a slow
 * consumer slows the download instead of filling memory (the backpressure `onBody` promises).
 */
const BODY_WINDOW = 4 * 1024 * 1024;
/** Below this a body is copied rather than transferred: a copy is cheaper than detaching. */
const TRANSFER_MIN = 64 * 1024;

const port: MessagePort = parentPort ?? notAWorker();
const spec = workerData as WorkerRequest;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

const http = new HTTPRequest();
const { settings } = spec;
http.acceptGzip = settings.acceptGzip;
http.bodySizeLimit = settings.bodySizeLimit;
http.downloadChunkSize = settings.downloadChunkSize;
http.downloadFile = settings.downloadFile;
http.maxRedirects = settings.maxRedirects;
http.followRedirects = settings.followRedirects;
http.maxHeaderSize = settings.maxHeaderSize;
http.maxHeaderCount = settings.maxHeaderCount;
http.keepPartialDownload = settings.keepPartialDownload;
http.appendToDownloadFile = settings.appendToDownloadFile;
http.retries = settings.retries;
http.retryDelay = settings.retryDelay;
http.retryMaxDelay = settings.retryMaxDelay;
http.proxyFromEnv = settings.proxyFromEnv;
if (settings.cookies !== null) {
  // Loaded only for a request with a jar: tough-cookie costs a worker about 50 ms to load.
  const { CookieJar } = await import('tough-cookie');
  http.cookieJar = CookieJar.deserializeSync(settings.cookies);
}
if (settings.tls !== null) http.setTlsOptions(tlsOptionsFrom(settings.tls));
const setProxy = (tls: boolean, value: ProxyArguments | null): void => {
  const [host, port, username, password] = value ?? ['', -1, undefined, undefined];
  if (tls) http.setHttpsProxy(host, port, username, password);
  else http.setHttpProxy(host, port, username, password);
};
setProxy(false, settings.httpProxy);
setProxy(true, settings.httpsProxy);
// The deadline was set when the caller called request(): the time this worker took to start
// counts, as it would have on the caller's thread.
if (spec.deadline > 0) http.timeout = Math.max(spec.deadline - Date.now(), 1) / 1000;

// State goes out when it changes; progress as it happens (the caller's getters follow both).
let sent = '';
stateWatchers.set(http, () => {
  const state = {
    status: http.getHttpClientStatus(),
    finalUrl: http.getFinalUrl(),
    redirectCount: http.getRedirectCount(),
    downloadedBytes: http.getDownloadedBytes(),
    bodySize: http.getBodySize(),
  };
  const key = `${state.status} ${state.redirectCount} ${state.downloadedBytes} ${state.bodySize} ${state.finalUrl}`;
  if (key === sent) return;
  sent = key;
  post({ type: 'state', ...state });
});
http.on('progress', (progress) => post({ type: 'progress', ...progress }));
http.on('retry', (event) => post({ type: 'retry', ...event }));
// The head is a copy of its own (see HTTPRequestHead), so it moves across rather than being copied.
http.on('request_head', (event) =>
  post({ type: 'request_head', ...event }, [event.head.buffer as ArrayBuffer]),
);
http.on('response_head', (event) => post({ type: 'response_head', ...event }));
cookieWatchers.set(http, (url, setCookies) => post({ type: 'cookies', url, setCookies }));
let completedFirst = false;
http.on('request_completed', () => {
  completedFirst = true;
});

// Each onBody piece is copied once, here, into a buffer of its own, which is then transferred
// (moved, not copied) to the caller; so the worker's reads may recycle their buffers
// (`transientBody`).
let inFlight = 0;
let resume: (() => void) | null = null;
const wake = (): void => {
  const go = resume;
  resume = null;
  go?.();
};
const onBody = (chunk: Uint8Array): Promise<void> | undefined => {
  const own = new Uint8Array(chunk);
  inFlight += own.byteLength;
  post({ type: 'body', chunk: own }, [own.buffer]);
  if (inFlight <= BODY_WINDOW) return undefined;
  return new Promise<void>((resolve) => {
    resume = resolve;
  });
};

let cancelled = false;
let done = false;
const onMessage = (message: ToWorker): void => {
  switch (message.type) {
    case 'cancel':
      cancelled = true;
      http.cancelRequest();
      // A read waiting for the caller's onBody must not hold the cancel up.
      wake();
      return;
    case 'ack':
      inFlight -= message.bytes;
      if (inFlight <= BODY_WINDOW) wake();
      return;
    case 'acceptGzip':
      http.acceptGzip = message.value;
      return;
    case 'maxRedirects':
      http.maxRedirects = message.value;
      return;
    case 'httpProxy':
      setProxy(false, message.value);
      return;
    case 'httpsProxy':
      setProxy(true, message.value);
      return;
    case 'tls':
      http.setTlsOptions(tlsOptionsFrom(message.value));
      return;
  }
};
port.on('message', onMessage);

/** The body in a buffer of its own, so it can be transferred whole. */
function transferable(body: Uint8Array): Uint8Array {
  const whole =
    body.byteLength >= TRANSFER_MIN &&
    body.byteOffset === 0 &&
    body.byteLength === body.buffer.byteLength &&
    body.buffer instanceof ArrayBuffer;
  return whole ? body : new Uint8Array(body);
}

/** After the last message: nothing here holds the worker any more, so it exits. */
function end(): void {
  done = true;
  stateWatchers.delete(http);
  port.off('message', onMessage);
  port.unref();
  http.close();
}

http
  .requestRaw(
    spec.url,
    spec.headers,
    spec.method,
    spec.body,
    spec.streamBody ? { onBody, transientBody: true } : {},
  )
  .then(
    (result: HTTPRequestResult) => {
      if (done) return;
      const body = transferable(result.body);
      post(
        { type: 'completed', result: { ...result, body } },
        body.byteLength > 0 ? [body.buffer as ArrayBuffer] : [],
      );
      end();
    },
    (error: unknown) => {
      if (done) return;
      if (cancelled) {
        post({ type: 'cancelled' });
      } else {
        const { message, code } = error as HTTPRequestError;
        post({ type: 'rejected', message: String(message), code, completed: completedFirst });
      }
      end();
    },
  );

function notAWorker(): never {
  throw new Error('request-worker runs only as a worker thread');
}
