/**
 * @packageDocumentation
 * `@gdhttp/request`: Godot's HTTPRequest as a promise API — redirects, gzip/deflate/br,
 * downloads to file, size limits, timeouts, cancel and progress. See README.md.
 */

export type {
  HTTPRequestEvents,
  HTTPRequestOptions,
  HTTPRequestProgress,
  HTTPRequestResult,
} from './http-request.js';
export { HTTPRequest, HTTPRequestError } from './http-request.js';
