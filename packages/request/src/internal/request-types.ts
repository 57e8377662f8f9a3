// What both builds of HTTPRequest share in their public API: the result, progress, options and
// events types, and the error a request that cannot start rejects with. Pure: no Node module, so
// the web build (src/http-request-web.ts) imports it as the Node build does.
import { GdhttpError, type Result } from '@gdhttp/constants';

/** What a finished request delivers: the `request_completed` payload, and what the promise resolves to. */
export interface HTTPRequestResult {
  /** How the request ended. */
  result: Result;
  /** The final response's status code; 0 when no response was received. */
  responseCode: number;
  /** The final response's header lines, `"Name: value"`, in order, duplicates kept. */
  headers: string[];
  /**
   * The decoded body; empty when `downloadFile` or the `onBody` option is set, or the response had
   * none.
   */
  body: Uint8Array;
}

/** Download progress, emitted as `progress` whenever body bytes arrive. */
export interface HTTPRequestProgress {
  /**
   * Body bytes received so far in this response: on the wire, before decompression, in the Node
   * build; as the browser hands them out (already decoded) in the web build.
   */
  downloadedBytes: number;
  /**
   * The response's Content-Length, or -1 when unknown (chunked, read until close; in the web
   * build also whenever the browser does not show that the body is uncompressed).
   */
  bodySize: number;
}

/** Upload progress, emitted as `upload_progress` whenever request body bytes leave. */
export interface HTTPRequestUploadProgress {
  /** Body bytes of the request handed to the connection so far (chunk framing not counted). */
  uploadedBytes: number;
  /** The body's length, or -1 when unknown (a stream sent chunked). */
  uploadSize: number;
}

/** A retry about to happen, emitted as `retry` (see `HTTPRequest.retries`). */
export interface HTTPRequestRetry {
  /** This retry's number, from 1. */
  attempt: number;
  /** `retries`: the most there will be. */
  retries: number;
  /** Seconds waited before it (backoff with jitter, or the server's Retry-After). */
  delay: number;
  /** The URL tried again (the current hop of a redirect chain), without userinfo. */
  url: string;
  /** Why: a connection failure's Result, or SUCCESS when a response's status asked for it. */
  result: Result;
  /** The status that asked for the retry (408, 429, 500, 502, 503, 504), or 0 for a connection failure. */
  responseCode: number;
  /** Bytes of the body already kept, which the retry asks the rest of (`Range`); 0 starts over. */
  resumeFrom: number;
}

/**
 * A request head as it left, emitted as `request_head` (a gdhttp addition): once per request
 * sent — each hop of a redirect chain, each retry or repeat — when its first bytes are handed to
 * the connection (before a streamed body, which follows it).
 */
export interface HTTPRequestHead {
  /** The URL this request went to, without userinfo (as `getFinalUrl()` gives it). */
  url: string;
  /**
   * The head exactly as written to the connection: request line, header lines (those HTTPRequest
   * and HTTPClient add among them: Host, Content-Length, User-Agent, Accept, Accept-Encoding,
   * Authorization, Range…) and the blank line, as latin1 bytes. A copy, the listener's to keep.
   * It holds credentials as sent (`Authorization`, `Proxy-Authorization`, `Cookie`): mask them
   * before logging it.
   */
  head: Uint8Array;
}

/**
 * A response head as it arrived, emitted as `response_head` (a gdhttp addition): every response
 * HTTPRequest receives — each redirect, each status a retry or a range request answers, the final
 * one — before it decides what to do with it (follow, retry, read the body). A listener may cancel
 * the request then (`cancelRequest()` or the signal), and no byte of that body is read (with
 * `useThreads`, the event comes from the worker, which may have gone on meanwhile).
 */
export interface HTTPResponseHead {
  /** The URL that answered, without userinfo. */
  url: string;
  /** The status code. */
  responseCode: number;
  /** The header lines, `"Name: value"`, in order, duplicates kept. */
  headers: string[];
}

/** Options beyond Godot's positional parameters. */
export interface HTTPRequestOptions {
  /** Aborts the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Streams the final response's body: each piece (decoded, when `acceptGzip` applies) is handed
   * to this callback as it arrives instead of being collected, and the result's `body` is empty,
   * as with `downloadFile` (which cannot be combined with it). A returned promise is awaited
   * before more is read, so a slow consumer slows the download instead of filling memory.
   * `bodySizeLimit` still applies. If the callback throws or its promise rejects, the connection
   * is closed and the request's promise rejects with that error (no `request_completed`, as for
   * a cancel). Godot has no such option.
   *
   * A piece may be kept (pushed into an array, say): later reads never overwrite it, unless
   * `transientBody` is set.
   */
  onBody?: (chunk: Uint8Array) => void | Promise<void>;
  /**
   * With `onBody`: each piece is valid only until the callback returns (or its promise settles),
   * because the connection reads into a few recycled buffers instead of new memory per read —
   * about 1.5× the download rate over plain TCP (`pnpm bench download`). Copy what you keep. A
   * gdhttp addition; default false.
   */
  transientBody?: boolean;
}

/** Events of an {@link HTTPRequest}. */
export interface HTTPRequestEvents {
  /** Godot's `request_completed` signal: every request that started ends with exactly one. */
  request_completed: [HTTPRequestResult];
  /** Body bytes arrived (Godot has no such signal; users have asked for it for years). */
  progress: [HTTPRequestProgress];
  /** Request body bytes left (a gdhttp addition), live during the upload. */
  upload_progress: [HTTPRequestUploadProgress];
  /** A request is tried again (`retries`, a gdhttp addition), emitted before the wait. */
  retry: [HTTPRequestRetry];
  /** A request head left (a gdhttp addition; never in the web build, where fetch writes it). */
  request_head: [HTTPRequestHead];
  /** A response head arrived (a gdhttp addition; in the web build only the final one). */
  response_head: [HTTPResponseHead];
}

/**
 * Why a request could not start (the promise rejects with it): `BUSY` while another request runs,
 * `INVALID_PARAMETER` for a URL that is not http(s), `CANT_CONNECT` when the client refused the
 * connection parameters. Also the rejection of a request cancelled with {@link HTTPRequest.cancelRequest}.
 */
export class HTTPRequestError extends GdhttpError {}
