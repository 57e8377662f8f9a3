// One request made with fetch, as the web HTTPClient's poll() sees it: the fetch promise and the
// body's reader settle in the background and leave their results here; poll() and the body reads
// take them synchronously. Godot's web build keeps the same record in its fetch library.
// A streamed request body (StreamedUpload) is a ReadableStream fetch pulls as it sends
// (`duplex: 'half'`); docs/decisions/0020-web-streamed-uploads.md says why it is opt-in.

const EMPTY = new Uint8Array(0);

/** The pieces of a fetch request the client builds. */
export interface ExchangeRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: Uint8Array | Blob | StreamedUpload | undefined;
}

/** The last answer of {@link hasRequestStreams}, and the `Request` class it was found for. */
let requestStreams: { of: unknown; has: boolean } | null = null;

/**
 * Whether this runtime's fetch streams a `ReadableStream` request body (`duplex: 'half'`): the
 * test Chromium's developers recommend. A fetch without request streams turns the stream into the
 * text `[object ReadableStream]` (and adds a text `Content-Type`) and never reads `duplex`.
 * Chromium 105+ and Node's undici have them; Firefox and Safari do not (yet). Found once per
 * `Request` class (a page that installs a fetch polyfill later is asked again).
 */
export function hasRequestStreams(): boolean {
  const RequestClass = globalThis.Request;
  if (requestStreams?.of === RequestClass) return requestStreams.has;
  let duplexRead = false;
  let has = false;
  try {
    const init = {
      method: 'POST',
      body: new ReadableStream(),
      get duplex() {
        duplexRead = true;
        return 'half';
      },
    };
    const typed = new RequestClass('http://127.0.0.1/', init as RequestInit).headers.has(
      'content-type',
    );
    has = duplexRead && !typed;
  } catch {
    has = false;
  }
  requestStreams = { of: RequestClass, has };
  return has;
}

/**
 * A request body fetch reads as it sends: a `ReadableStream` of one piece per pull (its high-water
 * mark is 0, so nothing is read before fetch asks), fed either by a caller's stream, read only when
 * fetch pulls (a stream fetch never pulled is left untouched and unlocked), or by pieces put one by
 * one (`HTTPClient.requestStream`). `taken` counts what fetch pulled: the upload progress a page
 * can know (the browser sends it on; it holds a few hundred KiB at most ahead of the socket).
 */
export class StreamedUpload {
  /** What fetch is given. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Body bytes fetch has pulled so far. */
  taken = 0;
  /** Bytes put and not yet pulled (put mode). */
  queued = 0;
  /** Why the caller's stream failed (its own error, or a piece that is not bytes), else `null`. */
  failure: unknown = null;
  readonly #source: ReadableStream<Uint8Array> | null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  readonly #pieces: Uint8Array[] = [];
  #ended = false;
  #cancelled = false;
  #wake: (() => void) | null = null;
  /** Called when fetch took a piece (progress, and room for the next put). */
  readonly #onTaken: () => void;

  /**
   * @param source - the caller's stream, or `null` for pieces put with {@link StreamedUpload.put}.
   * @param onTaken - called after every piece fetch pulls.
   */
  constructor(source: ReadableStream<Uint8Array> | null, onTaken: () => void) {
    this.#source = source;
    this.#onTaken = onTaken;
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.#pull(controller),
        cancel: (reason) => this.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  /** Whether the caller's stream has been read from (a reader taken): false leaves it usable. */
  get opened(): boolean {
    return this.#reader !== null;
  }

  /** Queues a piece for fetch (put mode). */
  put(piece: Uint8Array): void {
    this.#pieces.push(piece);
    this.queued += piece.length;
    this.#poke();
  }

  /** No more pieces: the stream closes once fetch took the queued ones (put mode). */
  end(): void {
    this.#ended = true;
    this.#poke();
  }

  /** Stops reading: the caller's stream is cancelled if it was opened, queued pieces dropped. */
  cancel(reason?: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#pieces.length = 0;
    this.queued = 0;
    this.#reader?.cancel(reason).catch(ignore);
    this.#poke();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    if (this.#cancelled) return this.#stop(controller);
    if (this.#source !== null) {
      // Opened at fetch's first pull: a fetch refused before it (HTTP/1.1) leaves it untouched.
      this.#reader ??= this.#source.getReader();
      for (;;) {
        let step: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
        try {
          step = await this.#reader.read();
        } catch (error) {
          // The caller's stream failed: so does the fetch, and `failure` says why.
          this.failure = error;
          controller.error(error);
          return;
        }
        if (this.#cancelled) return this.#stop(controller);
        if (step.done) {
          controller.close();
          return;
        }
        if (!(step.value instanceof Uint8Array)) {
          // fetch would fail with a bare TypeError; say what was wrong instead.
          this.failure = new TypeError('a request body stream must give Uint8Array pieces');
          controller.error(this.failure);
          this.#reader.cancel(this.failure).catch(ignore);
          return;
        }
        if (step.value.length === 0) continue;
        this.#give(controller, step.value);
        return;
      }
    }
    for (;;) {
      const piece = this.#pieces.shift();
      if (piece !== undefined) {
        this.queued -= piece.length;
        this.#give(controller, piece);
        return;
      }
      if (this.#ended) {
        controller.close();
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      if (this.#cancelled) return this.#stop(controller);
    }
  }

  /**
   * Ends a cancelled body for a reader that may still be pulling (an answer came first): errored,
   * never closed (that would send a short body as whole), and so no pull is asked for again.
   */
  #stop(controller: ReadableStreamDefaultController<Uint8Array>): void {
    controller.error(new TypeError('the request body was cancelled'));
  }

  #give(controller: ReadableStreamDefaultController<Uint8Array>, piece: Uint8Array): void {
    controller.enqueue(piece);
    this.taken += piece.length;
    this.#onTaken();
  }
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
  /** The streamed request body, when there is one. */
  upload: StreamedUpload | null = null;

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
      // A streamed body cannot be sent again: fetch fails every redirect but a 303 with the same
      // TypeError as a network error, so such a request sees the redirect instead (`manual`).
      redirect: request.body instanceof StreamedUpload ? 'manual' : 'follow',
      // A poll-driven client expects every request to reach the server, as the Node one does.
      cache: 'no-store',
      signal: this.#controller.signal,
    };
    if (request.body instanceof StreamedUpload) {
      this.upload = request.body;
      init.body = request.body.stream;
      // Required with a stream body (the Fetch standard has no full duplex yet); missing from
      // Node 20's RequestInit type.
      (init as { duplex?: string }).duplex = 'half';
    } else if (request.body !== undefined) {
      init.body = request.body;
    }
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
        // A stream fetch never read from stays untouched (the request may go another way).
        this.upload?.cancel(error);
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
    this.upload?.cancel();
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
