/** Default ports `connectToHost()` uses for a negative port (Godot's `PORT_HTTP` / `PORT_HTTPS`). */
export const DefaultPort = {
  HTTP: 80,
  HTTPS: 443,
} as const;

/**
 * `HTTPClient.readChunkSize`: Godot's default and the range its setter accepts (values outside are
 * refused and the old value kept). `HTTPRequest.downloadChunkSize` shares the range.
 */
export const ReadChunkSize = {
  DEFAULT: 65_536,
  MIN: 256,
  MAX: 16_777_216,
} as const;

/** Shortest host name `connectToHost()` accepts, after any scheme prefix is removed (Godot's rule). */
export const MIN_HOST_LENGTH = 4;

/** Godot's default TCP connect timeout per address (`network/limits/tcp/connect_timeout_seconds`). */
export const CONNECT_TIMEOUT_SECONDS = 30;

/**
 * `HTTPRequest` property defaults, as Godot's node has them.
 *
 * `bodySizeLimit` and `maxRedirects` below zero mean "unlimited"; `timeout` 0 means "none".
 */
export const HTTPRequestDefaults = {
  acceptGzip: true,
  bodySizeLimit: -1,
  downloadChunkSize: 65_536,
  downloadFile: '',
  maxRedirects: 8,
  timeout: 0,
  useThreads: false,
} as const;
