/**
 * @packageDocumentation
 * `@gdhttp/request` for browsers (the `browser` export condition): Godot's HTTPRequest as a
 * promise API over the fetch-backed `HTTPClient` — the Node build's names, events and Results;
 * redirects and decompression are the browser's. Response streams, Server-Sent Events and NDJSON
 * are the Node build's classes; request body streams are read whole before they are sent, or
 * streamed over HTTP/2 with `HTTPRequest.streamUploads`. See README.md, "Web build".
 */

export type {
  EventSourceDrop,
  EventSourceOptions,
  ServerSentEvent,
} from './event-source-web.js';
export { EventSource, EventSourceError, EventSourceState } from './event-source-web.js';
export type {
  HTTPRequestEvents,
  HTTPRequestHead,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
  HTTPRequestUploadProgress,
  HTTPResponseHead,
  WebRequestBodyInit,
  WebTLSOptions,
} from './http-request-web.js';
export { HTTPRequest, HTTPRequestError } from './http-request-web.js';
export type { NdjsonReaderOptions } from './ndjson-reader.js';
export { NdjsonReader } from './ndjson-reader.js';
export type { BodyStream, StreamBodyOptions } from './request-body.js';
export { RequestBody } from './request-body.js';
export type { HTTPResponseStream } from './response-stream.js';
export { ResponseStream, ResponseStreamError } from './response-stream.js';
