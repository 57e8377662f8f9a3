/**
 * @packageDocumentation
 * @gdhttp/parser — a strict, fast, sans-IO HTTP/1.1 codec: incremental response parser, request
 * serializer and Godot's query strings. See README.md.
 */
export { BodyKind } from './body-kind.js';
export {
  hasHeader,
  headerDictionary,
  headerName,
  headerValue,
  headerValues,
} from './header-lines.js';
export { isChunkedCoding } from './is-chunked-coding.js';
export { latin1ToBytes } from './latin1-to-bytes.js';
export type { ParseErrorReason } from './parse-error.js';
export { ParseError } from './parse-error.js';
export type { QueryValue } from './query-string-from-dict.js';
export { queryStringFromDict } from './query-string-from-dict.js';
export type { RequestPart } from './request-error.js';
export { RequestError } from './request-error.js';
export type {
  LenientFlags,
  ResponseHandler,
  ResponseHead,
  ResponseParserOptions,
} from './response-parser.js';
export {
  DEFAULT_MAX_CHUNK_EXTENSION_SIZE,
  DEFAULT_MAX_HEADER_COUNT,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_MAX_INFORMATIONAL,
  HeadersDirective,
  ResponseParser,
} from './response-parser.js';
export {
  isValidHeader,
  isValidMethod,
  isValidTarget,
  serializeRequest,
} from './serialize-request.js';
