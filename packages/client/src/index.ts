/**
 * @packageDocumentation
 * `@gdhttp/client`: Godot's HTTPClient for TypeScript — the poll()-driven HTTP/1.1 client with
 * Godot's states, return codes and defaults. See README.md.
 */

// Godot's OS.delay_msec / OS.delay_usec, for literal ports of synchronous scripts (Node only).
export { delayMsec, delayUsec } from '@gdhttp/transport';
export { HTTPClient, USER_AGENT } from './http-client.js';
