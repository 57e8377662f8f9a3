// The caller's side of a request that runs in a worker thread (`useThreads`): owns the worker,
// turns its messages into the HTTPRequest's state, events and promise, and makes sure the worker
// ends with the request. See docs/decisions/0012-use-threads-request-worker.md.
import type { Worker } from 'node:worker_threads';
import { ErrorCode, Result } from '@gdhttp/constants';
import { failure } from './outcome.js';
import {
  HTTPRequestError,
  type HTTPRequestHead,
  type HTTPRequestProgress,
  type HTTPRequestResult,
  type HTTPRequestRetry,
  type HTTPResponseHead,
} from './request-types.js';
import type { FromWorker, ToWorker, WorkerState } from './worker-messages.js';

/**
 * How long a cancelled request's worker may take to release its connection and partial download
 * before it is terminated and the promise rejects anyway. Releasing takes a few milliseconds; the
 * bound is there for a worker that no longer answers.
 */
const CANCEL_GRACE_MS = 5000;

/** What a threaded job needs from its HTTPRequest. */
export interface ThreadedJobHost {
  /** The worker's request state changed: mirror it in the getters. */
  state(state: WorkerState): void;
  /** Body bytes arrived in the worker. */
  progress(progress: HTTPRequestProgress): void;
  /** The job no longer holds the HTTPRequest, which may start another request. Called once. */
  release(job: ThreadedJob): void;
  /** Emit `request_completed`. */
  completed(result: HTTPRequestResult): void;
  /** Emit `retry`. */
  retry(event: HTTPRequestRetry): void;
  /** Emit `request_head`. */
  requestHead(event: HTTPRequestHead): void;
  /** Emit `response_head`. */
  responseHead(event: HTTPResponseHead): void;
  /** Store Set-Cookie values the worker's jar stored, in the caller's jar. */
  cookies(url: string, setCookies: string[]): void;
}

/** How a threaded job settles, and what the caller gave besides the request. */
export interface ThreadedJobOptions {
  host: ThreadedJobHost;
  resolve: (result: HTTPRequestResult) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onBody: ((chunk: Uint8Array) => void | Promise<void>) | undefined;
}

/**
 * One request running in a worker thread, seen from the thread that started it. The worker runs
 * the whole request; this side mirrors its state, emits its events, calls `onBody` with the pieces
 * it sends (in order, one at a time, acknowledging each so the worker reads on), and settles the
 * promise exactly once. The worker keeps the process alive while the outcome is pending, as a
 * socket does for a request on this thread, and is terminated the moment it is settled.
 */
export class ThreadedJob {
  readonly #worker: Worker;
  readonly #options: ThreadedJobOptions;
  /** The outcome is decided (completed, failed, cancelled): the HTTPRequest was released. */
  #decided = false;
  /** The promise is settled and the worker terminated. */
  #ended = false;
  /** Whether the worker has said anything: a failure before that means it could not start. */
  #started = false;
  /** Why the job was stopped (cancel, abort, `onBody` failure): the rejection once the worker confirms. */
  #reason: unknown = undefined;
  /** With `onBody`, messages are handled one after the other, each after the previous callback. */
  #chain: Promise<void> | null;
  #grace: NodeJS.Timeout | undefined;
  readonly #onAbort: (() => void) | undefined;

  /**
   * @param worker - the started request worker.
   * @param options - the host, the promise's settle functions, `signal` and `onBody`.
   */
  constructor(worker: Worker, options: ThreadedJobOptions) {
    this.#worker = worker;
    this.#options = options;
    this.#chain = options.onBody === undefined ? null : Promise.resolve();
    worker.on('message', (message: FromWorker) => this.#receive(message));
    worker.on('error', (error: Error) => this.#whenHandled(() => this.#lost(error)));
    worker.on('exit', (code: number) =>
      this.#whenHandled(() => this.#lost(new Error(`exited with code ${code}`))),
    );
    const { signal } = options;
    if (signal !== undefined) {
      this.#onAbort = () => this.cancel(signal.reason);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Whether the job still holds its HTTPRequest (its outcome is not decided yet). */
  get running(): boolean {
    return !this.#decided;
  }

  /**
   * Stops the request: the HTTPRequest is free at once; the promise rejects with `reason` once the
   * worker has closed the connection and deleted a partial download (or after a grace period).
   *
   * @param reason - the rejection.
   */
  cancel(reason: unknown): void {
    if (this.#decided) return;
    this.#reason = reason;
    this.#decide();
    this.#post({ type: 'cancel' });
    this.#grace = setTimeout(
      () => this.#settle(() => this.#options.reject(reason)),
      CANCEL_GRACE_MS,
    );
    this.#grace.unref();
  }

  /**
   * Sends a setting change to the running request.
   *
   * @param message - the change.
   */
  send(message: ToWorker): void {
    if (!this.#decided) this.#post(message);
  }

  #post(message: ToWorker): void {
    if (!this.#ended) this.#worker.postMessage(message);
  }

  #receive(message: FromWorker): void {
    this.#started = true;
    // Once stopped, the pieces and progress still queued behind a slow onBody are dropped, and the
    // worker's answer is taken at once.
    if (this.#chain === null || this.#decided) {
      void this.#handle(message);
      return;
    }
    this.#chain = this.#chain.then(() => this.#handle(message));
  }

  /**
   * Runs `then` after the messages already received: a worker exits right after its last message,
   * and that message may still wait behind a slow `onBody`.
   */
  #whenHandled(then: () => void): void {
    if (this.#chain === null || this.#decided) then();
    else this.#chain = this.#chain.then(then);
  }

  #handle(message: FromWorker): Promise<void> | undefined {
    const { host } = this.#options;
    switch (message.type) {
      case 'state':
        if (!this.#decided) host.state(message);
        return undefined;
      case 'progress':
        if (!this.#decided) {
          host.progress({ downloadedBytes: message.downloadedBytes, bodySize: message.bodySize });
        }
        return undefined;
      case 'retry': {
        const { type: _, ...event } = message;
        if (!this.#decided) host.retry(event);
        return undefined;
      }
      case 'request_head':
        if (!this.#decided) host.requestHead({ url: message.url, head: message.head });
        return undefined;
      case 'response_head': {
        const { url, responseCode, headers } = message;
        if (!this.#decided) host.responseHead({ url, responseCode, headers });
        return undefined;
      }
      case 'cookies':
        host.cookies(message.url, message.setCookies);
        return undefined;
      case 'body':
        return this.#deliver(message.chunk);
      case 'completed':
        this.#complete(message.result);
        return undefined;
      case 'rejected':
        this.#refused(message.message, message.code, message.completed);
        return undefined;
      case 'cancelled':
        this.#settle(() => this.#options.reject(this.#reason));
        return undefined;
    }
  }

  /** Hands a piece to `onBody`, then tells the worker it may read that much more. */
  #deliver(chunk: Uint8Array): Promise<void> | undefined {
    const onBody = this.#options.onBody;
    if (this.#decided || onBody === undefined) return undefined;
    const ack = (): void => this.#post({ type: 'ack', bytes: chunk.byteLength });
    // As on the caller's thread: a throw or a rejection ends the request with that error.
    const stop = (error: unknown): void => this.cancel(error);
    let pending: void | Promise<void>;
    try {
      pending = onBody(chunk);
    } catch (error) {
      stop(error);
      return undefined;
    }
    if (pending === undefined) {
      ack();
      return undefined;
    }
    return Promise.resolve(pending).then(ack, stop);
  }

  #complete(result: HTTPRequestResult): void {
    if (this.#decided) {
      // Cancelled while the worker finished: the caller asked for a rejection.
      this.#settle(() => this.#options.reject(this.#reason));
      return;
    }
    this.#decide();
    this.#settle(() => {
      this.#options.resolve(result);
      this.#options.host.completed(result);
    });
  }

  #refused(message: string, code: ErrorCode | undefined, completed: boolean): void {
    if (this.#decided) {
      this.#settle(() => this.#options.reject(this.#reason));
      return;
    }
    this.#decide();
    this.#settle(() => {
      this.#options.reject(new HTTPRequestError(message, code ?? ErrorCode.FAILED));
      // Godot both returns ERR_CANT_CONNECT and emits RESULT_CANT_CONNECT when connecting is refused.
      if (completed) this.#options.host.completed(failure(Result.CANT_CONNECT));
    });
  }

  /** The worker failed or exited before it answered. */
  #lost(error: Error): void {
    if (this.#ended) return;
    if (this.#decided) {
      this.#settle(() => this.#options.reject(this.#reason));
      return;
    }
    this.#decide();
    // Before its first message the worker could not start (e.g. its module is missing from a
    // bundle): Godot's ERR_CANT_CREATE for a thread that cannot be created.
    const code = this.#started ? ErrorCode.FAILED : ErrorCode.CANT_CREATE;
    const failed = new HTTPRequestError(`the request worker failed: ${error.message}`, code, {
      cause: error,
    });
    this.#settle(() => this.#options.reject(failed));
  }

  #decide(): void {
    this.#decided = true;
    const { signal } = this.#options;
    if (signal !== undefined && this.#onAbort !== undefined) {
      signal.removeEventListener('abort', this.#onAbort);
    }
    this.#options.host.release(this);
  }

  /** Settles once; the worker has nothing left to do and is terminated without holding the process. */
  #settle(settle: () => void): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#grace);
    this.#worker.unref();
    this.#worker.terminate().catch(() => {});
    settle();
  }
}
