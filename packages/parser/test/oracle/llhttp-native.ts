/**
 * Oracle: the llhttp compiled into the running Node binary (Node 20.x bundles llhttp 9.3.1),
 * driven through `process.binding('http_parser').HTTPParser` exactly as `lib/_http_client.js`
 * drives it (docs/references.md#the-llhttp-oracles). Test-only: `process.binding` is a
 * deprecated private API and never appears in `src`.
 */
import {
  concatBytes,
  lenientMask,
  type OracleError,
  type OracleMessage,
  type OracleOptions,
  type OracleResult,
} from './types.ts';

interface NativeError extends Error {
  code: string;
  reason: string;
  bytesParsed: number;
}

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(chunk: Uint8Array): number | NativeError;
  finish(): undefined | NativeError;
  close(): void;
  [key: number]: unknown;
}

interface NativeParserClass {
  new (): NativeParser;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientAll: number;
}

process.noDeprecation = true; // silence DEP0111 for process.binding
/** Node's internal `HTTPParser` class (llhttp). */
export const HTTPParser = (
  process as unknown as { binding(name: string): { HTTPParser: NativeParserClass } }
).binding('http_parser').HTTPParser;

/** llhttp version inside this Node binary, e.g. `9.3.1`. */
export const nativeLlhttpVersion: string = process.versions.llhttp ?? 'unknown';

const kOnMessageBegin = HTTPParser.kOnMessageBegin | 0;
const kOnHeaders = HTTPParser.kOnHeaders | 0;
const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
const kOnBody = HTTPParser.kOnBody | 0;
const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;

interface Building extends Omit<OracleMessage, 'body'> {
  body: Uint8Array[];
}

/**
 * Parses response bytes with native llhttp.
 *
 * @param chunks - the input, fed to `execute()` piece by piece.
 * @param opts - request method, leniency, header limit, EOF.
 * @returns the messages, the first error, bytes parsed and the upgrade offset.
 */
export function parseResponseNative(
  chunks: readonly Uint8Array[],
  opts: OracleOptions = {},
): OracleResult {
  const method = opts.method ?? 'GET';
  const eof = opts.eof ?? true;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, opts.maxHeaderSize ?? 0, lenientMask(opts.lenient));

  const messages: Building[] = [];
  let cur: Building | null = null;
  // header pairs flushed early via kOnHeaders (more than 32 fields), or trailers
  let pending: string[] = [];

  parser[kOnMessageBegin] = () => {
    cur = {
      version: '',
      status: 0,
      reason: '',
      headers: [],
      trailers: [],
      body: [],
      keepAlive: false,
      upgrade: false,
      complete: false,
    };
    pending = [];
  };
  parser[kOnHeaders] = (headers: string[]) => {
    for (const h of headers) pending.push(h);
  };
  parser[kOnHeadersComplete] = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    statusCode: number,
    statusMessage: string,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    const m = cur!;
    const list = headers ?? pending;
    if (headers === undefined) pending = [];
    m.version = `${major}.${minor}`;
    m.status = statusCode;
    m.reason = statusMessage;
    m.upgrade = upgrade;
    m.keepAlive = keepAlive;
    for (let i = 0; i < list.length; i += 2) m.headers.push([list[i]!, list[i + 1]!]);
    messages.push(m);
    // llhttp on_headers_complete: 0 = body per framing, 1 = no body, 2 = no body + stop (upgrade)
    if (upgrade || (method === 'CONNECT' && statusCode >= 200 && statusCode < 300)) {
      m.upgrade = true;
      return 2;
    }
    if (method === 'HEAD') return 1;
    return 0;
  };
  parser[kOnBody] = (b: Uint8Array) => {
    // the binding passes a fresh copy of each body span
    cur!.body.push(Uint8Array.prototype.slice.call(b));
  };
  parser[kOnMessageComplete] = () => {
    const m = cur!;
    // trailer fields arrive through kOnHeaders just before completion
    for (let i = 0; i < pending.length; i += 2) m.trailers.push([pending[i]!, pending[i + 1]!]);
    pending = [];
    m.complete = true;
  };

  let error: OracleError | null = null;
  let bytesParsed = 0;
  let upgradeAt = -1;
  for (const chunk of chunks) {
    const ret = parser.execute(chunk);
    if (typeof ret !== 'number') {
      error = { code: ret.code, reason: ret.reason, at: bytesParsed + ret.bytesParsed };
      break;
    }
    const last = messages[messages.length - 1];
    // llhttp pauses with HPE_PAUSED_UPGRADE after any complete 101 (and after an upgrade / CONNECT
    // head); the binding resumes and returns the offset, but flags only `parser.upgrade`, which a
    // 101 without `Connection: upgrade` does not set.
    if (last && (last.upgrade || (last.status === 101 && last.complete))) {
      upgradeAt = bytesParsed + ret;
      bytesParsed += ret;
      break;
    }
    bytesParsed += ret;
  }
  if (!error && upgradeAt < 0 && eof) {
    const ret = parser.finish();
    if (ret !== undefined) error = { code: ret.code, reason: ret.reason, at: bytesParsed };
  }
  parser.close();

  return {
    messages: messages.map((m) => ({ ...m, body: concatBytes(m.body) })),
    error,
    bytesParsed,
    upgradeAt,
  };
}
