/**
 * @packageDocumentation
 * `@gdhttp/client`: Godot's HTTPClient for TypeScript — the poll()-driven HTTP/1.1 client with
 * Godot's states, return codes and defaults. See README.md.
 */
export { HTTPClient, USER_AGENT } from './http-client.js';
