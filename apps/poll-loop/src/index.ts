/**
 * @packageDocumentation
 * `@gdhttp/poll-loop` (private app): Godot's classic HTTPClient example ported to a 60 Hz frame
 * loop against its own chunked server on 127.0.0.1. See README.md.
 */
export type { ChunkedServer, ChunkedServerOptions } from './chunked-server.js';
export { startChunkedServer } from './chunked-server.js';
export type {
  PollLoopOptions,
  PollLoopOutput,
  PollLoopResult,
  PollLoopTarget,
  StatusChange,
} from './run-poll-loop.js';
export { runPollLoop } from './run-poll-loop.js';
