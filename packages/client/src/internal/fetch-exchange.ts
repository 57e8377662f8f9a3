// One request made with fetch, as the web HTTPClient's poll() sees it: the fetch promise and the
// body's reader settle in the background and leave their results here; poll() and the body reads
// take them synchronously. Godot's web build keeps the same record in its fetch library.

const EMPTY = new Uint8Array(0);

/** The pieces of a fetch request the client builds. */
export interface ExchangeRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: Uint8Array | Blob | undefined;
}

/** A fetch in flight, its response and the body bytes read ahead of the caller. */
export class FetchExchange {
  readonly #controller = new AbortController();
  /** Called on every change poll() can act on (a response, bytes, the end, an error). */
  readonly #onProgress: () => void;
  /** How many bytes to read ahead: the client's current `readChunkSize`. */
  readonly #readAhead: () => number;
  #aborted = false;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #reading = false;
  readonly #chunks: Uint8Array[] = [];
  /** Bytes already taken from `#chunks[0]`. */
  #offset = 0;

  /**
   * The response, once fetch resolved (after the browser followed any redirect: its `url` is the
   * last hop's, `redirected` says whether there was one).
   */
  response: Response | null = null;
  /** Why fetch rejected: a network error, a CORS refusal, a URL or request fetch refused. */
  failure: unknown = null;
  /** Why reading the body failed after the response arrived (a reset, a truncation). */
  bodyFailure: unknown = null;
  /** Every body byte has been read from the stream (the queue may still hold some). */
  done = false;
  /** Bytes read from the stream and not yet taken. */
  queued = 0;

  constructor(request: ExchangeRequest, readAhead: () => number, onProgress: () => void) {
    this.#readAhead = readAhead;
    this.#onProgress = onProgress;
    // `cache` is missing from Node's RequestInit type; browsers and undici take it.
    const init: RequestInit & { cache: string } = {
      method: request.method,
      headers: request.headers,
      // fetch follows redirects itself: a page cannot see a 3xx (`manual` gives an opaque
      // response with status 0), so the caller gets the final response, as a browser user would;
      // `Response.url` and `Response.redirected` tell where it came from (not how many hops).
      redirect: 'follow',
      // A poll-driven client expects every request to reach the server, as the Node one does.
      cache: 'no-store',
      signal: this.#controller.signal,
    };
    if (request.body !== undefined) init.body = request.body;
    let pending: Promise<Response>;
    try {
      pending = fetch(request.url, init);
    } catch (error) {
      // fetch reports every failure through its promise; a polyfill might throw instead.
      pending = Promise.reject(error);
    }
    pending.then(
      (response) => this.#onResponse(response),
      (error: unknown) => {
        if (this.#aborted) return;
        this.failure = error;
        this.#onProgress();
      },
    );
  }

  /** fetch has resolved or rejected. */
  get settled(): boolean {
    return this.response !== null || this.failure !== null;
  }

  /** Stops the fetch and the body stream; nothing is reported after this. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller.abort();
    this.#reader?.cancel().catch(ignore);
    this.#reader = null;
    this.#chunks.length = 0;
    this.queued = 0;
  }

  #onResponse(response: Response): void {
    if (this.#aborted) {
      response.body?.cancel().catch(ignore);
      return;
    }
    this.response = response;
    if (response.body === null) this.done = true;
    else this.#reader = response.body.getReader();
    this.#onProgress();
    this.pump();
  }

  /**
   * Starts the next read unless one is in flight or `readChunkSize` bytes already wait: the
   * stream stays paused (back-pressure) while the caller is not taking bytes.
   */
  pump(): void {
    const reader = this.#reader;
    if (reader === null || this.#reading || this.done || this.bodyFailure !== null) return;
    if (this.queued >= this.#readAhead()) return;
    this.#reading = true;
    reader.read().then(
      (result) => {
        this.#reading = false;
        if (this.#aborted) return;
        if (result.done) {
          this.done = true;
          this.#reader = null;
        } else if (result.value.length > 0) {
          this.#chunks.push(result.value);
          this.queued += result.value.length;
        }
        this.#onProgress();
        this.pump();
      },
      (error: unknown) => {
        this.#reading = false;
        if (this.#aborted) return;
        this.bodyFailure = error;
        this.#reader = null;
        this.#onProgress();
      },
    );
  }

  /** Up to `max` queued bytes, joined from as many reads as needed (a fresh copy). */
  take(max: number): Uint8Array {
    const size = Math.min(max, this.queued);
    if (size === 0) return EMPTY;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const piece = this.takePiece(size - at);
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Up to `max` bytes of the first queued read, as a view of it (never joined, never copied). */
  takePiece(max: number): Uint8Array {
    const first = this.#chunks[0];
    if (first === undefined) return EMPTY;
    const end = Math.min(first.length, this.#offset + max);
    const piece = first.subarray(this.#offset, end);
    if (end === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    } else {
      this.#offset = end;
    }
    this.queued -= piece.length;
    return piece;
  }
}

function ignore(): void {}

/** A readable description of a fetch or stream failure, with its cause when it has one. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const detail =
    cause instanceof Error
      ? cause.message || (cause as { code?: string }).code || cause.name
      : cause === undefined
        ? ''
        : String(cause);
  return detail === ''
    ? `${error.name}: ${error.message}`
    : `${error.name}: ${error.message} (${detail})`;
}
