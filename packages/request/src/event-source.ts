// The Node build's EventSource: the shared Server-Sent Events reader
// (internal/event-source-core.ts) over the Node HTTPRequest. src/event-source-web.ts is the same
// over the web build's.
import { HTTPRequest } from './http-request.js';
import { EventSourceCore, type EventSourceCoreOptions } from './internal/event-source-core.js';

export type { EventSourceDrop, ServerSentEvent } from './internal/event-source-core.js';
export { EventSourceError, EventSourceState } from './internal/event-source-core.js';

/** Options of {@link EventSource}: `http` lends it a Node {@link HTTPRequest}. */
export type EventSourceOptions = EventSourceCoreOptions<HTTPRequest>;

/**
 * A Server-Sent Events reader over {@link HTTPRequest}: iterate it with `for await` to get each
 * event as the server sends it. A connection that drops, or a stream the server ends, is opened
 * again after the reconnection time (3 s, or the server's `retry:`), with `Last-Event-ID` when
 * an `id:` was seen. It stops — the iteration ends — on `close()`, the `signal`, `break`, or a
 * 204 answer; it throws an `EventSourceError` on any other status than 200, a `Content-Type`
 * other than `text/event-stream`, a line over `maxBufferSize`, or `maxRetries` failed attempts in
 * a row. Misuse (a bad URL or option, iterating twice) rejects with `INVALID_PARAMETER`; nothing
 * throws synchronously. The web build has the same class over its fetch-backed HTTPRequest.
 *
 * Two ways to read it, one per source: `for await` (an event per step), or `forEach` with a
 * callback, as a browser's `onmessage` is called — the events of each body piece are dispatched
 * synchronously, with no promise per event, about twice as fast as `for await` for small events
 * (`pnpm bench request --sse-only`).
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 * @example
 * ```ts
 * import { EventSource } from '@gdhttp/request';
 *
 * const source = new EventSource('http://127.0.0.1:8080/events', { headers: ['Authorization: Bearer t'] });
 * for await (const event of source) {
 *   console.log(event.type, event.data, event.lastEventId);
 *   if (event.data === 'bye') break; // closes the connection
 * }
 *
 * // or with a callback, called for every event (close() from inside it stops the source)
 * const tokens = new EventSource('http://127.0.0.1:8080/tokens');
 * await tokens.forEach((event) => {
 *   if (event.type === 'done') tokens.close();
 *   else process.stdout.write(event.data);
 * });
 * ```
 */
export class EventSource extends EventSourceCore<HTTPRequest> {
  /**
   * @param url - `http://` or `https://` URL of the event stream.
   * @param options - headers, the HTTPRequest to use, retry policy, callbacks.
   */
  constructor(url: string, options: EventSourceOptions = {}) {
    const lent = (options as EventSourceOptions | null)?.http;
    const http = lent instanceof HTTPRequest ? lent : null;
    super(url, options, {
      http: http ?? new HTTPRequest(),
      own: http === null,
      cacheControl: true,
    });
  }
}
