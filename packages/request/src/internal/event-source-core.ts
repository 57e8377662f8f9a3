// Server-Sent Events over an HTTPRequest's requestStream: the WHATWG HTML "server-sent events"
// model (§9.2: connect, parse the event stream, reconnect after the reconnection time with
// Last-Event-ID, fail on a wrong answer) as an async iterator instead of an EventTarget. The
// line and field rules are eventsource-parser's (docs/decisions/0019-server-sent-events.md says
// why we use it rather than our own); this file is the connection's life around it. One
// implementation for both builds: it is handed the HTTPRequest to use (the Node one by
// src/event-source.ts, the web one by src/event-source-web.ts) and imports neither.
import { ErrorCode, type Method, Result } from '@gdhttp/constants';
import { hasHeader, headerValues } from '@gdhttp/parser';
import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { type ResponseStream, ResponseStreamError } from '../response-stream.js';
import { HTTPRequestError, type HTTPRequestOptions } from './request-types.js';
import { Utf8Pieces } from './utf8-pieces.js';

/** The states of an EventSource, as the WHATWG `EventSource.readyState`. */
export const EventSourceState = { CONNECTING: 0, OPEN: 1, CLOSED: 2 } as const;
export type EventSourceState = (typeof EventSourceState)[keyof typeof EventSourceState];

/** One dispatched event: what a browser's `MessageEvent` carries. */
export interface ServerSentEvent {
  /** The `event:` field, or `message` when the event had none. */
  type: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen on this source so far (it carries over to later events), or `''`. */
  lastEventId: string;
}

/** Why a connection ended, told to the `onError` option. */
export interface EventSourceDrop {
  /** The request's result: `SUCCESS` when the server ended the stream itself. */
  result: Result;
  /** The status code of the answer, 0 when none arrived. */
  responseCode: number;
  /** Milliseconds until the next attempt. */
  delay: number;
  /** Attempts since the last successful open, this one included. */
  attempt: number;
}

/**
 * What an EventSource needs of an HTTPRequest — either build's: a response stream per attempt,
 * and `close()` for one it made itself.
 */
export interface EventSourceRequester {
  requestStream(
    url: string,
    headers: readonly string[],
    method: Method | undefined,
    body: Uint8Array,
    options: HTTPRequestOptions,
  ): Promise<{ result: Result; responseCode: number; headers: string[]; body: ResponseStream }>;
  close(): void;
}

/** Options of an EventSource; `H` is the build's HTTPRequest. */
export interface EventSourceCoreOptions<H> {
  /**
   * Extra request header lines (`Authorization: …`); `Accept` (and, in the Node build,
   * `Cache-Control`) are set unless given.
   */
  headers?: readonly string[];
  /**
   * The HTTPRequest to connect with (its TLS options, proxies, cookie jar, `acceptGzip`); it must
   * not run anything else meanwhile. By default a new one, closed when the source closes.
   */
  http?: H;
  /** Method: GET by default; POST with a `body` serves the model APIs that stream their answers. */
  method?: Method;
  /** Request body (sent again on every reconnect, so bytes or a string only). */
  body?: Uint8Array | string;
  /** The reconnection time in ms until the server sets one with `retry:` (default 3000). */
  retry?: number;
  /** Reconnect attempts in a row without an open connection before giving up (default: no limit). */
  maxRetries?: number;
  /** The last event ID to resume from on the first connection (sent as `Last-Event-ID`). */
  lastEventId?: string;
  /**
   * Characters an unfinished line plus the current event's data may hold (default 16 Mi): a
   * server that never ends a line cannot fill memory. Past it the iteration throws.
   */
  maxBufferSize?: number;
  /** Closes the source. */
  signal?: AbortSignal;
  /** A connection opened (200 with `text/event-stream`). */
  onOpen?: (response: { responseCode: number; headers: string[] }) => void;
  /** A connection ended or failed and another attempt follows after `delay` ms. */
  onError?: (drop: EventSourceDrop) => void;
}

/** Why an EventSource gave up: a wrong answer, a limit, or too many failed attempts. */
export class EventSourceError extends HTTPRequestError {
  /** The last request's result. */
  readonly result: Result;
  /** The last answer's status code, 0 when none arrived. */
  readonly responseCode: number;

  /**
   * @param message - what went wrong.
   * @param code - the Godot error code.
   * @param result - the last request's result.
   * @param responseCode - the last status code.
   */
  constructor(message: string, code: ErrorCode, result: Result, responseCode: number) {
    super(message, code);
    this.result = result;
    this.responseCode = responseCode;
  }
}

const DEFAULT_RETRY_MS = 3000;
const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/** How a build sets up its EventSource (see {@link EventSourceCore}). */
export interface EventSourceSetup<H> {
  /** The HTTPRequest to connect with: the caller's `http` option, or one made for this source. */
  http: H;
  /** Whether `http` was made here (closed when the source closes). */
  own: boolean;
  /**
   * Whether to send `Cache-Control: no-store` (WHATWG: the request's cache mode is "no-store").
   * The Node build sends it; the web build's fetch already runs with `cache: 'no-store'`, and the
   * header would cost a CORS preflight on every cross-origin connection.
   */
  cacheControl: boolean;
}

/**
 * A Server-Sent Events reader over an HTTPRequest: iterate it with `for await` to get each
 * event as the server sends it. A connection that drops, or a stream the server ends, is opened
 * again after the reconnection time (3 s, or the server's `retry:`), with `Last-Event-ID` when
 * an `id:` was seen. It stops — the iteration ends — on `close()`, the `signal`, `break`, or a
 * 204 answer; it throws an {@link EventSourceError} on any other status than 200, a
 * `Content-Type` other than `text/event-stream`, a line over `maxBufferSize`, or `maxRetries`
 * failed attempts in a row. Misuse (a bad URL or option, iterating twice) rejects with
 * `INVALID_PARAMETER`; nothing throws synchronously.
 *
 * Two ways to read it, one per source: `for await` (an event per step), or
 * {@link EventSourceCore.forEach} with a callback, as a browser's `onmessage` is called — the
 * events of each body piece are dispatched synchronously, with no promise per event, about twice
 * as fast as `for await` for small events (`pnpm bench request --sse-only`).
 *
 * Both builds' `EventSource` extend it, each passing its own HTTPRequest.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export class EventSourceCore<H extends EventSourceRequester>
  implements AsyncIterable<ServerSentEvent>
{
  /** The URL the source connects to. */
  readonly url: string;
  readonly #options: EventSourceCoreOptions<H>;
  readonly #http: H;
  readonly #ownHttp: boolean;
  readonly #cacheControl: boolean;
  #state: EventSourceState = EventSourceState.CONNECTING;
  #lastEventId: string;
  #retry: number;
  #taken = false;
  /** Aborts the request being made (connect, head) and wakes a reconnect wait. */
  #abort = new AbortController();
  #body: { cancel(): void } | null = null;
  #wake: (() => void) | null = null;
  #misuse: string | null = null;

  /**
   * @param url - `http://` or `https://` URL of the event stream.
   * @param options - headers, the HTTPRequest to use, retry policy, callbacks.
   * @param setup - the build's HTTPRequest and header rule.
   */
  constructor(url: string, options: EventSourceCoreOptions<H>, setup: EventSourceSetup<H>) {
    this.url = url;
    this.#options = options ?? {};
    const o = this.#options;
    this.#misuse = misuseOf(url, o);
    this.#ownHttp = setup.own;
    this.#http = setup.http;
    this.#cacheControl = setup.cacheControl;
    this.#lastEventId = typeof o.lastEventId === 'string' ? o.lastEventId : '';
    this.#retry = o.retry ?? DEFAULT_RETRY_MS;
    if (o.signal?.aborted) this.close();
    else o.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** `CONNECTING` (also while waiting to reconnect), `OPEN` or `CLOSED`. */
  get readyState(): EventSourceState {
    return this.#state;
  }

  /** The last event ID seen (what the next reconnect sends as `Last-Event-ID`). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The current reconnection time in ms (the server's last valid `retry:`, else the option). */
  get reconnectionTime(): number {
    return this.#retry;
  }

  /** Stops for good: closes the connection, ends the iteration. Safe at any time, and twice. */
  close(): void {
    if (this.#closed()) return;
    this.#state = EventSourceState.CLOSED;
    this.#abort.abort();
    this.#body?.cancel();
    const go = this.#wake;
    this.#wake = null;
    go?.();
  }

  /**
   * Reads the source with a callback instead of `for await`: `onEvent` is called with every event,
   * in order, as the WHATWG `EventSource` calls `onmessage` — the events a body piece holds are
   * dispatched one after another in the same tick, with no promise per event. A promise
   * `onEvent` returns is awaited before the next event is dispatched (and no more of the body is
   * read meanwhile), so a slow consumer slows the socket, as with `for await`. Calling
   * {@link EventSourceCore.close} (from inside `onEvent` too: no later event is dispatched) ends it.
   *
   * A source is read once: by this or by `for await`, not both.
   *
   * @param onEvent - called with each event; its throw (or rejection) closes the source.
   * @returns resolves when the source closed (`close()`, the signal, a 204); rejects with an
   *   {@link EventSourceError} where the iteration would throw, with what `onEvent` threw, or
   *   with `INVALID_PARAMETER` on misuse (not a function, a source read already).
   */
  forEach(onEvent: (event: ServerSentEvent) => unknown): Promise<void> {
    if (typeof onEvent !== 'function') {
      return Promise.reject(
        new HTTPRequestError('forEach needs a callback function', ErrorCode.INVALID_PARAMETER),
      );
    }
    // The generator never yields in this mode: one step runs the source to its end.
    return this.#batches(onEvent)
      .next()
      .then(() => undefined);
  }

  /**
   * The events one at a time. Served from the batch each body piece gave, without a generator
   * step per event: an async generator's yield costs about 1 µs, more than parsing a small event.
   */
  [Symbol.asyncIterator](): AsyncIterator<ServerSentEvent, void, undefined> &
    AsyncIterable<ServerSentEvent> {
    const batches = this.#batches(null);
    let batch: ServerSentEvent[] = [];
    let at = 0;
    const take = (
      step: IteratorResult<ServerSentEvent[], void>,
    ): IteratorResult<ServerSentEvent, void> => {
      if (step.done === true) return { done: true, value: undefined };
      batch = step.value;
      at = 1;
      return { done: false, value: batch[0]! };
    };
    const iterator = {
      next: (): Promise<IteratorResult<ServerSentEvent, void>> =>
        at < batch.length
          ? Promise.resolve({ done: false, value: batch[at++]! })
          : batches.next().then(take),
      // `break` or a throw in the loop: the generator's finally blocks close the connection.
      return: async (): Promise<IteratorResult<ServerSentEvent, void>> => {
        batch = [];
        await batches.return();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Connects, reconnects, and yields the events of each body piece as one batch (never empty);
   * or, given `direct`, calls it with each event as the parser finds it and never yields.
   */
  async *#batches(
    direct: ((event: ServerSentEvent) => unknown) | null,
  ): AsyncGenerator<ServerSentEvent[], void, undefined> {
    if (this.#misuse !== null || this.#taken) {
      const message = this.#misuse ?? 'an EventSource is iterated once';
      throw new HTTPRequestError(message, ErrorCode.INVALID_PARAMETER);
    }
    this.#taken = true;
    const o = this.#options;
    let events: ServerSentEvent[] = [];
    /** A promise `direct` returned: the events after it wait in `events` until it settles. */
    let waiting: PromiseLike<unknown> | null = null;
    let overflow: ParseError | null = null;
    const parser: EventSourceParser = createParser({
      onEvent: (e) => {
        // An id: field in the block replaces the WHATWG "last event ID string", which later
        // events keep until another id: replaces it (an id: field without a NUL, as the parser
        // already checks).
        if (e.id !== undefined) this.#lastEventId = e.id;
        const event = { type: e.event ?? 'message', data: e.data, lastEventId: this.#lastEventId };
        if (direct === null || waiting !== null) {
          events.push(event);
          return;
        }
        // WHATWG: once closed, no more events are dispatched (close() from a callback).
        if (this.#closed()) return;
        const returned = direct(event);
        if (isThenable(returned)) waiting = returned;
      },
      onRetry: (ms) => {
        this.#retry = ms;
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') overflow = error;
      },
      maxBufferSize: o.maxBufferSize ?? DEFAULT_MAX_BUFFER,
    });
    let attempt = 0;
    try {
      while (!this.#closed()) {
        const headers = this.#headers();
        let answer: Awaited<ReturnType<EventSourceRequester['requestStream']>>;
        try {
          answer = await this.#http.requestStream(this.url, headers, o.method, body(o.body), {
            signal: this.#abort.signal,
          });
        } catch (error) {
          if (this.#closed()) return;
          throw error; // BUSY or INVALID_PARAMETER: the caller's mistake, not the network's
        }
        const { result, responseCode, body: stream } = answer;
        let ended: Result = Result.SUCCESS;
        if (result === Result.SUCCESS) {
          this.#body = stream;
          if (this.#closed()) stream.cancel();
          // WHATWG: 204 tells the client to stop; any other status or media type fails the
          // connection for good (reconnecting would get the same wrong answer again).
          if (responseCode === 204) {
            stream.cancel();
            return;
          }
          const type = headerValues(answer.headers, 'content-type')[0] ?? null;
          if (responseCode !== 200 || !isEventStream(type)) {
            stream.cancel();
            throw new EventSourceError(
              responseCode !== 200
                ? `the event stream answered ${responseCode}`
                : `the event stream answered with Content-Type ${type === null ? '(none)' : type.slice(0, 64)}, not text/event-stream`,
              ErrorCode.INVALID_DATA,
              result,
              responseCode,
            );
          }
          if (this.#closed()) return;
          this.#state = EventSourceState.OPEN;
          attempt = 0;
          o.onOpen?.({ responseCode, headers: answer.headers });
          // A fresh decoder and parser state per connection: a partial line or event of the last
          // one is discarded (WHATWG: an incomplete event is not dispatched). The decoder drops
          // one leading BOM, as the spec's UTF-8 decode does — eventsource-parser 3.1 does not
          // (it looks for the BOM's three bytes read as Latin-1, never U+FEFF), so a BOM before
          // `event:` cost the first field. It decodes as a streaming TextDecoder does, at a
          // sixth of the cost (internal/utf8-pieces.ts).
          parser.reset();
          const decoder = new Utf8Pieces();
          const lines = new LineEnds();
          try {
            for await (const piece of stream) {
              parser.feed(lines.normalize(decoder.decode(piece)));
              if (overflow !== null) {
                throw new EventSourceError(
                  `an event stream line or event is longer than ${o.maxBufferSize ?? DEFAULT_MAX_BUFFER} characters`,
                  ErrorCode.INVALID_DATA,
                  Result.SUCCESS,
                  responseCode,
                );
              }
              if (direct !== null) {
                // A callback's promise holds the events behind it, and the next piece, until it
                // settles: backpressure as with `for await`.
                while (waiting !== null) {
                  const wait = waiting;
                  waiting = null;
                  await wait;
                  let at = 0;
                  while (at < events.length && waiting === null && !this.#closed()) {
                    const returned = direct(events[at++]!);
                    if (isThenable(returned)) waiting = returned;
                  }
                  events = at < events.length && !this.#closed() ? events.slice(at) : [];
                }
                if (this.#closed()) return;
              } else if (events.length > 0) {
                // Yielded inside the body's loop: the next piece is read only when the consumer
                // asks for the next event, so backpressure reaches the socket.
                const batch = events;
                events = [];
                yield batch;
              }
            }
          } catch (error) {
            if (!(error instanceof ResponseStreamError)) throw error;
            // A body that grew past bodySizeLimit would do so again: stop.
            if (error.result === Result.BODY_SIZE_LIMIT_EXCEEDED) {
              throw new EventSourceError(
                'the event stream exceeded bodySizeLimit',
                ErrorCode.INVALID_DATA,
                error.result,
                responseCode,
              );
            }
            ended = error.result;
          } finally {
            this.#body = null;
            events = [];
            waiting = null;
          }
        } else {
          ended = result;
        }
        if (this.#closed()) return;
        // The stream ended or failed: "reestablish the connection" after the reconnection time.
        this.#state = EventSourceState.CONNECTING;
        attempt++;
        if (o.maxRetries !== undefined && attempt > o.maxRetries) {
          throw new EventSourceError(
            `the event stream failed ${attempt} times in a row`,
            ErrorCode.CANT_CONNECT,
            ended,
            result === Result.SUCCESS ? responseCode : 0,
          );
        }
        o.onError?.({
          result: ended,
          responseCode: result === Result.SUCCESS ? responseCode : 0,
          delay: this.#retry,
          attempt,
        });
        await this.#pause(this.#retry);
      }
    } finally {
      this.close();
      if (this.#ownHttp) this.#http.close();
    }
  }

  /** Whether close() ran (a method: the state changes across awaits, which narrowing misses). */
  #closed(): boolean {
    return this.#state === EventSourceState.CLOSED;
  }

  /** The request's header lines: the caller's, then what an EventSource sends. */
  #headers(): string[] {
    const own = this.#options.headers ?? [];
    const has = (name: string) => hasHeader(own, name);
    const headers = [...own];
    if (!has('accept')) headers.push('Accept: text/event-stream');
    // WHATWG: the request's cache mode is "no-store" (the web build's fetch is already).
    if (this.#cacheControl && !has('cache-control')) headers.push('Cache-Control: no-store');
    if (this.#lastEventId !== '' && !has('last-event-id')) {
      headers.push(`Last-Event-ID: ${this.#lastEventId}`);
    }
    return headers;
  }

  /** Waits `ms`, or less when the source closes. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // close() may have run meanwhile (from onError, say): nothing would wake this wait.
      if (this.#closed()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * Turns every line end (CRLF, CR, LF: WHATWG treats them alike) into LF before the parser sees
 * the text. eventsource-parser 3.1 holds a CR that ends a piece back until the next piece shows
 * whether an LF follows, so an event ended by `\r\r` at the end of a piece waited for more bytes
 * — for good when none came. Here a CR ends its line at once and an LF right after it, in the
 * next piece, is dropped. The parser then also takes its fast path (it looks for LF alone when
 * the text has no CR).
 */
class LineEnds {
  /** The last piece ended with CR: an LF starting the next one belongs to it. */
  #afterCR = false;

  normalize(text: string): string {
    if (this.#afterCR && text.length > 0) {
      this.#afterCR = false;
      if (text.charCodeAt(0) === 0x0a) text = text.slice(1);
    }
    if (text.indexOf('\r') < 0) return text;
    if (text.charCodeAt(text.length - 1) === 0x0d) this.#afterCR = true;
    return text.replace(CR_LINE_END, '\n');
  }
}

const CR_LINE_END = /\r\n?/g;

/** Whether a callback returned something to wait for (a promise, or any thenable). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** What is wrong with the arguments, or `null`. */
function misuseOf(url: unknown, o: EventSourceCoreOptions<unknown>): string | null {
  if (typeof url !== 'string') return 'the URL must be a string';
  if (typeof o !== 'object') return 'the options must be an object';
  const count = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (!count(o.retry)) return 'retry must be an integer number of ms >= 0';
  if (!count(o.maxRetries)) return 'maxRetries must be an integer >= 0';
  if (!count(o.maxBufferSize) || o.maxBufferSize === 0)
    return 'maxBufferSize must be an integer > 0';
  if (o.body !== undefined && typeof o.body !== 'string' && !(o.body instanceof Uint8Array)) {
    return 'an EventSource body must be bytes or a string: it is sent again on each reconnect';
  }
  if (
    o.lastEventId !== undefined &&
    (typeof o.lastEventId !== 'string' || /[\0\r\n]/.test(o.lastEventId))
  ) {
    return 'lastEventId must be a string without NUL, CR or LF';
  }
  if (o.headers !== undefined && !Array.isArray(o.headers))
    return 'headers must be an array of "Name: value" strings';
  return null;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function body(value: Uint8Array | string | undefined): Uint8Array {
  if (value === undefined) return EMPTY;
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Whether a Content-Type's essence is `text/event-stream` (parameters and case ignored). */
function isEventStream(type: string | null): boolean {
  if (type === null) return false;
  const semicolon = type.indexOf(';');
  return (
    (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase() === 'text/event-stream'
  );
}
