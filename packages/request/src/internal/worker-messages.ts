// What crosses the thread boundary when `useThreads` runs a request in a worker
// (docs/decisions/0012-use-threads-request-worker.md): the request and its settings going in,
// state, progress, body pieces and the outcome coming back. Everything here survives the
// structured clone; class instances do not (a TLSOptions arrives as a plain object without its
// certificates), so TLS options travel as PEM text and are rebuilt on the other side.
import type { ErrorCode, Method, Status } from '@gdhttp/constants';
import { TLSOptions } from '@gdhttp/transport';
import type { SerializedCookieJar } from 'tough-cookie';
import type {
  HTTPRequestHead,
  HTTPRequestProgress,
  HTTPRequestResult,
  HTTPRequestRetry,
  HTTPResponseHead,
} from './request-types.js';

/** Client TLS options as text: what {@link tlsOptionsFrom} needs to build them again. */
export interface TlsDescription {
  /** `TLSOptions.clientUnsafe()` rather than `TLSOptions.client()`. */
  unsafe: boolean;
  /** The trusted CA chain as PEM blocks, or `null` for the system's. */
  trustedChain: string[] | null;
  /** The name verified instead of the host, or `''`. */
  commonNameOverride: string;
}

/** `setHttpProxy()` / `setHttpsProxy()` arguments: host, port and optional credentials. */
export type ProxyArguments = readonly [string, number, string | undefined, string | undefined];

/** The settings an HTTPRequest applies to one request, as the worker's HTTPRequest takes them. */
export interface WorkerSettings {
  acceptGzip: boolean;
  bodySizeLimit: number;
  downloadChunkSize: number;
  downloadFile: string;
  maxRedirects: number;
  followRedirects: boolean;
  maxHeaderSize: number;
  maxHeaderCount: number;
  tls: TlsDescription | null;
  httpProxy: ProxyArguments | null;
  httpsProxy: ProxyArguments | null;
  keepPartialDownload: boolean;
  appendToDownloadFile: boolean;
  retries: number;
  retryDelay: number;
  retryMaxDelay: number;
  proxyFromEnv: boolean;
  /** A copy of the caller's cookie jar, or `null` for none. */
  cookies: SerializedCookieJar | null;
}

/** The `workerData` of a request worker. */
export interface WorkerRequest {
  url: string;
  headers: string[];
  method: Method;
  /** A copy of the caller's body: the caller keeps its own bytes. */
  body: Uint8Array;
  /** Whether body pieces are sent back for the caller's `onBody` instead of being collected. */
  streamBody: boolean;
  /** When the request times out, in ms since the epoch (the clock both threads share); 0 for never. */
  deadline: number;
  settings: WorkerSettings;
}

/** The request's live state, mirrored by the caller's getters. */
export interface WorkerState {
  status: Status;
  finalUrl: string;
  redirectCount: number;
  downloadedBytes: number;
  bodySize: number;
}

/** Messages the caller sends to its request worker. */
export type ToWorker =
  /** Stop: close the connection, delete a partial download, answer `cancelled`. */
  | { type: 'cancel' }
  /** The caller's `onBody` has taken `bytes` more bytes. */
  | { type: 'ack'; bytes: number }
  /** A setting without a guard changed while the request runs, as it would reach it unthreaded. */
  | { type: 'acceptGzip'; value: boolean }
  | { type: 'maxRedirects'; value: number }
  | { type: 'httpProxy'; value: ProxyArguments | null }
  | { type: 'httpsProxy'; value: ProxyArguments | null }
  | { type: 'tls'; value: TlsDescription };

/** Messages a request worker sends to its caller, in order. */
export type FromWorker =
  | ({ type: 'state' } & WorkerState)
  | ({ type: 'progress' } & HTTPRequestProgress)
  /** A retry is about to happen (the `retry` event). */
  | ({ type: 'retry' } & HTTPRequestRetry)
  /** A request head left (the `request_head` event); its bytes are transferred. */
  | ({ type: 'request_head' } & HTTPRequestHead)
  /** A response head arrived (the `response_head` event). */
  | ({ type: 'response_head' } & HTTPResponseHead)
  /** Set-Cookie values the worker's jar stored from `url`: the caller's jar stores them too. */
  | { type: 'cookies'; url: string; setCookies: string[] }
  /** A piece of the body for `onBody`, in its own transferred buffer. */
  | { type: 'body'; chunk: Uint8Array }
  /** The outcome; the body's buffer is transferred. The worker has nothing left to do. */
  | { type: 'completed'; result: HTTPRequestResult }
  /** The request could not start; `completed` whether `request_completed` fired as well. */
  | { type: 'rejected'; message: string; code: ErrorCode; completed: boolean }
  /** The request was stopped on `cancel` and everything it held is released. */
  | { type: 'cancelled' };

/**
 * Client TLS options as text that crosses to a worker.
 *
 * @param options - client options (server options are refused before they get here).
 * @returns their description.
 */
export function describeTls(options: TLSOptions): TlsDescription {
  return {
    unsafe: options.isUnsafeClient(),
    // X509Certificate#toString() is the certificate's PEM text.
    trustedChain: options.getTrustedCaChain()?.map((certificate) => certificate.toString()) ?? null,
    commonNameOverride: options.getCommonNameOverride(),
  };
}

/**
 * The client TLS options a description stands for.
 *
 * @param description - what {@link describeTls} made.
 * @returns equal options.
 */
export function tlsOptionsFrom(description: TlsDescription): TLSOptions {
  const { unsafe, trustedChain, commonNameOverride } = description;
  return unsafe
    ? TLSOptions.clientUnsafe(trustedChain)
    : TLSOptions.client(trustedChain, commonNameOverride);
}
