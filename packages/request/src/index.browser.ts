/**
 * @packageDocumentation
 * `@gdhttp/request` for browsers (the `browser` export condition): Godot's HTTPRequest as a
 * promise API over the fetch-backed `HTTPClient` — the Node build's names, events and Results;
 * redirects and decompression are the browser's. See README.md, "Web build".
 */

export type {
  HTTPRequestEvents,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
  WebTLSOptions,
} from './http-request-web.js';
export { HTTPRequest, HTTPRequestError } from './http-request-web.js';
