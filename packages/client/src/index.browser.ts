/**
 * @packageDocumentation
 * `@gdhttp/client` for browsers (the `browser` export condition): Godot's HTTPClient over
 * `fetch`, with the Node build's names, return codes and Status sequence, as Godot's web export
 * has it. See README.md, "Web build".
 */
export type { WebTLSOptions } from './http-client-web.js';
export { HTTPClient, USER_AGENT } from './http-client-web.js';
