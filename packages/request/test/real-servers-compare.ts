// Helpers of the real-server suites: one request made twice, by HTTPRequest and by the system
// curl, with the same method, fields, body, CA and proxy, so a test compares what each got.
import { Method, nameOf, Result } from '@gdhttp/constants';
import { type CurlResult, curl, headerValue, sha256Hex } from '@gdhttp/testkit';
import { TLSOptions } from '@gdhttp/transport';
import { expect } from 'vitest';
import { HTTPRequest, type HTTPRequestResult } from '../src/index.js';

/**
 * Fields both clients must see alike for the same request: they describe the representation
 * and its framing, not the connection or the moment (Date, Server's clock, proxy hops).
 */
export const SAME_FIELDS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-range',
  'accept-ranges',
  'transfer-encoding',
  'etag',
  'last-modified',
  'location',
  'vary',
] as const;

/** A CA to trust, as PEM text (`TLSOptions.client(pem)`) and as a file (`curl --cacert path`). */
export interface TrustedCa {
  readonly pem: string;
  readonly path: string;
}

/** An HTTP proxy on 127.0.0.1. */
export interface ProxyAddress {
  readonly host: string;
  readonly port: number;
}

/** What the request is, for both clients. */
export interface Call {
  /** Default GET. HEAD becomes `curl --head`, POST `curl --data-binary`. */
  readonly method?: Method;
  /** Request fields, `"Name: value"`, sent by both. */
  readonly headers?: readonly string[];
  /** The request body (curl reads it from a file, see {@link curl}'s `data`). */
  readonly body?: Uint8Array;
  /** The CA to trust. */
  readonly ca?: TrustedCa;
  /** An HTTP proxy for http:// and https:// (CONNECT) URLs alike (`curl -x`). */
  readonly proxy?: ProxyAddress;
  /** HTTPRequest's `acceptGzip` (default true, as in Godot); true adds `curl --compressed`. */
  readonly acceptGzip?: boolean;
  /** HTTPRequest's `maxRedirects` (default 8, as in Godot); curl `-L --max-redirs`. */
  readonly maxRedirects?: number;
  /** HTTPRequest's `timeout` in seconds (default 15), so a hang fails as TIMEOUT, not as the test's timeout. */
  readonly timeout?: number;
  /**
   * Run on this HTTPRequest (to test its kept-alive connection), made by {@link newHttpRequest}
   * with the same `ca` and `proxy`; default a new one, closed after.
   */
  readonly http?: HTTPRequest;
}

/** The same call's outcome in both clients. */
export interface Compared {
  /** HTTPRequest's result. */
  readonly mine: HTTPRequestResult;
  /** curl's. */
  readonly ref: CurlResult;
  /** The HTTPRequest used. */
  readonly http: HTTPRequest;
  /** `getRedirectCount()` and `getFinalUrl()`, read right after the request. */
  readonly redirects: Redirects;
}

/** The curl command line equivalent to `call` on `url` (but for the body: see {@link compare}). */
export function curlArgs(url: string, call: Call = {}): string[] {
  const args: string[] = [];
  const method = call.method ?? Method.GET;
  if (method === Method.HEAD) args.push('--head');
  else if (method !== Method.GET && method !== Method.POST)
    args.push('-X', nameOf(Method, method) ?? String(method));
  if (call.body === undefined && method === Method.POST) args.push('--data-binary', '');
  for (const header of call.headers ?? []) args.push('-H', header);
  if (call.ca !== undefined) args.push('--cacert', call.ca.path);
  if (call.proxy !== undefined) args.push('-x', `http://${call.proxy.host}:${call.proxy.port}`);
  if (call.acceptGzip ?? true) args.push('--compressed');
  const maxRedirects = call.maxRedirects ?? 8;
  if (maxRedirects > 0) args.push('-L', '--max-redirs', String(maxRedirects));
  args.push(url);
  return args;
}

/** An HTTPRequest trusting `call.ca` and using `call.proxy` for both schemes. */
export function newHttpRequest(call: Pick<Call, 'ca' | 'proxy'> = {}): HTTPRequest {
  const http = new HTTPRequest();
  if (call.ca !== undefined) http.setTlsOptions(TLSOptions.client(call.ca.pem));
  if (call.proxy !== undefined) {
    http.setHttpProxy(call.proxy.host, call.proxy.port);
    http.setHttpsProxy(call.proxy.host, call.proxy.port);
  }
  return http;
}

/** Makes `call` on `url` with HTTPRequest. */
export async function viaHttpRequest(url: string, call: Call = {}): Promise<Omit<Compared, 'ref'>> {
  const http = call.http ?? newHttpRequest(call);
  // Plain properties, read per request: setting them again keeps a kept-alive connection.
  http.timeout = call.timeout ?? 15;
  http.acceptGzip = call.acceptGzip ?? true;
  http.maxRedirects = call.maxRedirects ?? 8;
  try {
    const mine = await http.requestRaw(
      url,
      call.headers ?? [],
      call.method ?? Method.GET,
      call.body ?? new Uint8Array(0),
    );
    const redirects = { count: http.getRedirectCount(), finalUrl: http.getFinalUrl() };
    return { mine, http, redirects };
  } finally {
    if (call.http === undefined) http.close();
  }
}

/**
 * Makes `call` on `url` with curl, then with HTTPRequest (one after the other, so each sees the
 * server as it was), and checks curl itself succeeded: a broken reference fails here, not
 * as a gdhttp difference.
 */
export async function compare(url: string, call: Call = {}): Promise<Compared> {
  const ref = await curl(curlArgs(url, call), call.body === undefined ? {} : { data: call.body });
  expect(ref.exitCode, `curl failed: ${ref.stderr}`).toBe(0);
  return { ...(await viaHttpRequest(url, call)), ref };
}

/** Length and SHA-256: compared instead of bodies, so a failure prints two lines, not 64 MiB. */
export function digest(bytes: Uint8Array): { bytes: number; sha256: string } {
  return { bytes: bytes.length, sha256: sha256Hex(bytes) };
}

/** The {@link SAME_FIELDS} of HTTPRequest's header lines. */
export function fieldsOf(
  lines: readonly string[],
  names: readonly string[] = SAME_FIELDS,
): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, headerValue(lines, name)]));
}

/** The {@link SAME_FIELDS} of curl's final response. */
export function curlFieldsOf(
  ref: CurlResult,
  names: readonly string[] = SAME_FIELDS,
): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, ref.header(name)]));
}

/**
 * Checks HTTPRequest succeeded and got what curl got: status, the {@link SAME_FIELDS} (or
 * `names`), and the body's length and hash.
 */
export function expectSameAsCurl(
  { mine, ref }: Pick<Compared, 'mine' | 'ref'>,
  names: readonly string[] = SAME_FIELDS,
): void {
  expect(nameOf(Result, mine.result)).toBe('SUCCESS');
  expect(mine.responseCode).toBe(ref.status);
  expect(fieldsOf(mine.headers, names)).toEqual(curlFieldsOf(ref, names));
  expect(digest(mine.body)).toEqual(digest(ref.body));
}

/** What HTTPRequest says about the redirects it followed for its last request. */
export interface Redirects {
  /** `getRedirectCount()`. */
  readonly count: number;
  /** `getFinalUrl()`. */
  readonly finalUrl: string;
}

/**
 * Checks HTTPRequest followed as many redirects as curl and ended at the same URL. Soft: a
 * difference fails the test, but the test's other checks still run and report.
 */
export function expectRedirectsAsCurl({
  redirects,
  ref,
}: Pick<Compared, 'redirects' | 'ref'>): void {
  expect
    .soft(redirects, 'getRedirectCount() and getFinalUrl() against curl')
    .toEqual(curlRedirectsOf(ref));
}

/** curl's `%{num_redirects}` and `%{url_effective}` as {@link Redirects}. */
export function curlRedirectsOf(ref: CurlResult): Redirects {
  return { count: ref.numRedirects, finalUrl: ref.urlEffective };
}

/** A size for a test title: `16385 B`, `1 MiB`, `64 MiB`. */
export function sizeName(size: number): string {
  return size >= 1024 * 1024 && size % (1024 * 1024) === 0
    ? `${size / 1024 / 1024} MiB`
    : `${size} B`;
}
