/**
 * @packageDocumentation
 * `@gdhttp/request`: Godot's HTTPRequest as a promise API — redirects, gzip/deflate/br,
 * downloads to file, size limits, timeouts, cancel and progress. See README.md.
 */

export type {
  EventSourceDrop,
  EventSourceOptions,
  ServerSentEvent,
} from './event-source.js';
export { EventSource, EventSourceError, EventSourceState } from './event-source.js';
export type {
  HTTPRequestEvents,
  HTTPRequestHead,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
  HTTPRequestRetry,
  HTTPRequestUploadProgress,
  HTTPResponseHead,
} from './http-request.js';
export { HTTPRequest, HTTPRequestError } from './http-request.js';
export type {
  MultipartBody,
  MultipartFileOptions,
  MultipartFileSource,
} from './multipart-form.js';
export { MultipartForm } from './multipart-form.js';
export type { NdjsonReaderOptions } from './ndjson-reader.js';
export { NdjsonReader } from './ndjson-reader.js';
export type { ProxyChoice, ProxyEnv, ProxyUrl } from './proxy-from-env.js';
export { isNoProxy, parseProxyUrl, proxyFor } from './proxy-from-env.js';
export type {
  BodyStream,
  FileBodyOptions,
  RequestBodyInit,
  StreamBodyOptions,
} from './request-body.js';
export { RequestBody } from './request-body.js';
export type { HTTPResponseStream } from './response-stream.js';
export { ResponseStream, ResponseStreamError } from './response-stream.js';
