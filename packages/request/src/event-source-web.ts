// The web build's EventSource: the shared Server-Sent Events reader
// (internal/event-source-core.ts) over the web HTTPRequest (fetch). src/event-source.ts is the
// same over the Node build's.
import { HTTPRequest } from './http-request-web.js';
import { EventSourceCore, type EventSourceCoreOptions } from './internal/event-source-core.js';

export type { EventSourceDrop, ServerSentEvent } from './internal/event-source-core.js';
export { EventSourceError, EventSourceState } from './internal/event-source-core.js';

/** Options of the web {@link EventSource}: `http` lends it a web {@link HTTPRequest}. */
export type EventSourceOptions = EventSourceCoreOptions<HTTPRequest>;

/**
 * Server-Sent Events in the web build: the Node build's `EventSource` — the same parser,
 * reconnection, `Last-Event-ID`, `for await` and `forEach`, errors and options — over the web
 * {@link HTTPRequest}, so over fetch rather than the browser's own `EventSource`. That buys what
 * the browser's lacks (request headers such as `Authorization`, POST with a body, backpressure,
 * `maxRetries`) and costs what fetch costs: cross-origin, any header beyond the CORS-safelisted
 * ones — `Last-Event-ID` on a reconnect among them (unlike the browser's own EventSource, which
 * sends it without asking) — needs the server's preflight consent
 * (`Access-Control-Allow-Headers`). `Cache-Control: no-store` is not sent: the fetch already
 * bypasses the cache.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 * @example
 * ```ts
 * import { EventSource } from '@gdhttp/request'; // the web build, under the `browser` condition
 *
 * const source = new EventSource('https://api.example.com/events', { headers: ['Authorization: Bearer t'] });
 * for await (const event of source) {
 *   console.log(event.type, event.data, event.lastEventId);
 *   if (event.data === 'bye') break; // aborts the fetch
 * }
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
      cacheControl: false,
    });
  }
}
