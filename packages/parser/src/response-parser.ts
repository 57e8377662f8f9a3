/*
 * ResponseParser: theory of operation.
 *
 * One state machine over bytes. `#run` is a `while (p < len)` loop around one `switch` on the
 * state `s`, a local while the loop runs, stored in `#state` when it returns. Each case consumes
 * what it can and picks the next state; the busy ones (reason phrase, field name, field value,
 * body data) scan ahead with lookup tables or hand out a whole slice instead of going round the
 * loop once per byte. Everything else is a method called from a case.
 *
 * The states, by number (the S_* constants below):
 *   0        between responses: skips CR/LF; a fast path reads `HTTP/1.x DDD` in one step
 *   1-9      the status line: `HTTP/`, version, status code, reason phrase, its CRLF
 *   10-20    field lines, of the head and again of the trailer section after the last chunk
 *            (F_TRAILING in `#flags` tells which). The head-size limit applies to exactly the
 *            range 1-20: one range test per turn of the loop, and the scans stop at the limit.
 *   21, 22   body framed by Content-Length; body read until the connection closes
 *   23-35    chunked body: size, extensions, CRLF, data, CRLF (then 11-20 for trailers)
 *   36-39    closed (after a response that closes the connection: only CR/LF may follow),
 *            upgraded (the rest is another protocol), dead (after a ParseError), paused
 *
 * Spans across inputs. A reason phrase, field name or field value can be cut by the end of an
 * input. While one is open, `#spanStart` is its first index in the current input; if `execute()`
 * returns in S_REASON, S_FIELD or S_VALUE, the bytes from `#spanStart` on are appended to
 * `#scratch` (`#carry` bytes held) — the only bytes the parser ever copies — and in the next input
 * the span starts at index 0. `#spanString`, `#spanName` and `#spanValue` join the carried bytes to
 * the rest. The guesses below compare bytes of the current input only, so they are skipped while
 * bytes are carried. Body bytes are never carried: `onBody` gets views of each input.
 *
 * The two caches (internal/field-names.ts), module-wide, so every parser shares them, each
 * two-way set-associative (two entries that share a key both stay):
 *   - field names: bytes to a FieldName (the name, its lower-cased form, its framing role). Each
 *     FieldName also remembers its last strictly valid value (`last`, with what the framing
 *     grammar made of it) and the names that followed it in the heads before (`next`, then
 *     `other`; `#firstName` starts the chain). S_FIELD compares the coming bytes with those
 *     guesses before any scan, so a server that repeats its field order and values costs one
 *     comparison per line, and one more where its kinds of response order fields differently.
 *   - field values: short strictly valid values, so a value seen before is handed out as the same
 *     string instead of a new one.
 *   Every hit is verified byte by byte: a collision only costs a miss. The comparisons read four
 *   bytes at a time through a DataView of the input (`view`, made once per `execute()`) against
 *   the words stored beside each cached string. A name whose values miss both `last` and the value
 *   cache four times in a row (a date, a request id, a cookie) is volatile: its values skip the
 *   cache and keep no `last`, so they cost a scan and a new string, nothing more; one value in 32
 *   still looks, and a value that repeats its last makes the name ordinary again.
 *
 * A missed value is scanned four bytes a load while they are printable ASCII (`skipPrintable`),
 * then byte by byte with the value table, which decides.
 *
 * Why the case labels are numbers: `case 12 satisfies typeof S_FIELD` is checked by the compiler
 * (12 must be S_FIELD's value) and is a literal to V8, which compiles a switch over literal labels
 * to a jump table. `case S_FIELD` would load a module constant and compare case by case, and each
 * comparison not reached yet deoptimizes the function the first time it is (bench/README.md:
 * chunked went from 1.10-1.24x to 1.76-1.79x llhttp's speed with the change).
 *
 * Framing, the cold half, is in internal/body-framing.ts: the Content-Length, Transfer-Encoding
 * and Connection grammars, which `#segmentEnd` applies as each of those values ends (their answers
 * become bits in `#flags`; a value equal to its name's `last` reuses the answer kept with it, the
 * grammars being pure functions of a valid value), and the RFC 9112 §6.3 body-kind decision,
 * taken once per head in `#headersComplete`. The two framing rules that depend on the order of
 * the fields stay here, where the order is known: a second Content-Length (`#segmentStart`) and
 * Content-Length together with Transfer-Encoding (`#nameComplete`).
 *
 * Errors: every refusal throws a ParseError with its stream offset (`#fail`); `execute()` keeps it,
 * and the parser stays dead from then on.
 */
import { BodyKind } from './body-kind.js';
import {
  bodyKind,
  checkFieldValue,
  connectionOptions,
  contentLength,
  endsChunked,
  F_CHUNKED,
  F_CONTENT_LENGTH,
  F_TRANSFER_ENCODING,
  persistent,
  switchesProtocol,
} from './internal/body-framing.js';
import {
  type FieldName,
  fieldName,
  internValue,
  Special,
  sameBytes,
  setLast,
  strictValue,
} from './internal/field-names.js';
import { appendBytes, latin1 } from './internal/latin1.js';
import {
  FIELD_VALUE,
  FIELD_VALUE_RELAXED,
  HEX,
  NOT_CRLF,
  QDTEXT,
  QUOTED_PAIR,
  skipPrintable,
  TOKEN,
} from './internal/tables.js';
import { ParseError, type ParseErrorReason } from './parse-error.js';

/**
 * What `onHeadersComplete` tells the parser to do with the response it just described.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
 */
export const HeadersDirective = {
  /** Frame the body by the RFC 9112 §6.3 rules (the default when the callback returns nothing). */
  CONTINUE: 0,
  /** This response has no body whatever its headers say (as for HEAD); continue with the next. */
  SKIP_BODY: 1,
  /** Stop after the head: the bytes that follow belong to another protocol (upgrade, tunnel). */
  STOP: 2,
} as const;

/** One of the {@link HeadersDirective} values. */
export type HeadersDirective = (typeof HeadersDirective)[keyof typeof HeadersDirective];

export { BodyKind } from './body-kind.js';

/** The parsed head of a response, passed to `onHeadersComplete` and `onInformational`. */
export interface ResponseHead {
  /** `1` for HTTP/1.x. */
  readonly versionMajor: number;
  /** `0` or `1`. */
  readonly versionMinor: number;
  /** The three-digit status code. */
  readonly status: number;
  /** The reason phrase as latin-1 (possibly empty). */
  readonly reason: string;
  /** The request method this response answers (from `expect()` or the `method` option). */
  readonly method: string;
  /** Whether the connection stays usable after this response (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** True when the parser stops after this head: 101 Switching Protocols, or 2xx to CONNECT. */
  readonly upgrade: boolean;
  /** How the body is framed. */
  readonly bodyKind: BodyKind;
  /** The `Content-Length` value, or -1 when there is none. */
  readonly contentLength: number;
  /**
   * The final Transfer-Encoding coding is `chunked` (RFC 9112 §6.1), as the response declares it —
   * also when it has no body anyway (HEAD, 204, 304), where `bodyKind` says NONE.
   */
  readonly chunked: boolean;
  /**
   * Stream offset (as {@link ResponseParser.bytesParsed} counts) of the status line's first byte:
   * empty lines skipped before it (RFC 9112 §2.2) are not part of the head.
   */
  readonly headStart: number;
  /** Stream offset just past the empty line that ends the head. */
  readonly headEnd: number;
}

/**
 * Callbacks a {@link ResponseParser} calls while it consumes bytes, in stream order. Every one is
 * optional. Strings are latin-1: each code unit is one byte, so `latin1ToBytes()` recovers the
 * exact bytes. Body views alias the buffer given to `execute()`: copy them if you keep them past
 * the callback.
 */
export interface ResponseHandler {
  /** A response (interim or final) starts. */
  onMessageBegin?(): void;
  /** The status line was read. */
  onStatus?(status: number, reason: string, versionMajor: number, versionMinor: number): void;
  /**
   * One header field, in order, duplicates kept. `value` has no leading or trailing whitespace.
   * `lowerName` is `name` lower-cased (interned: free to use as a map key).
   */
  onHeader?(name: string, value: string, lowerName: string): void;
  /**
   * A 1xx interim response other than 101 ended (RFC 9110 §15.2). The headers delivered since
   * `onMessageBegin` belonged to it; the final response follows.
   */
  onInformational?(head: ResponseHead): void;
  /** The head of the final response was read; the return value can change what follows. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing is CONTINUE.
  onHeadersComplete?(head: ResponseHead): HeadersDirective | undefined | void;
  /** Body bytes (chunk framing removed), as a view into the `execute()` input. */
  onBody?(data: Uint8Array): void;
  /**
   * A chunk-size line of a chunked body was read (RFC 9112 §7.1): `size` data bytes follow, as
   * `onBody` calls, then `onChunkComplete`. Not called for the last chunk (size 0).
   */
  onChunkHeader?(size: number): void;
  /** The data of the chunk announced by the last `onChunkHeader` ended (its CRLF was read). */
  onChunkComplete?(): void;
  /** One trailer field of a chunked body (RFC 9112 §7.1.2). */
  onTrailer?(name: string, value: string, lowerName: string): void;
  /** The response ended. `keepAlive` says whether another response may follow on this connection. */
  onMessageComplete?(keepAlive: boolean): void;
}

/**
 * Leniencies, all off by default. Each mirrors the llhttp flag of the same name (`llhttp_set_lenient_*`)
 * and each re-opens a door strict parsing closes on purpose: turn one on only for a server that
 * needs it.
 */
export interface LenientFlags {
  /** Obs-fold unfolded to SP (RFC 9112 §5.2), any byte but CR/LF in values, space before colon. */
  headers?: boolean;
  /** `Content-Length` together with `Transfer-Encoding` is accepted; chunked wins. */
  chunkedLength?: boolean;
  /** Keep parsing responses after one that closes the connection. */
  keepAlive?: boolean;
  /** Any `HTTP/d.d` version instead of only 1.0 and 1.1. */
  version?: boolean;
  /** Ignore bytes after a response that closes the connection. */
  dataAfterClose?: boolean;
  /** A CR not followed by LF ends the status line, the head, or a chunk-size line. */
  optionalLFAfterCR?: boolean;
  /** Chunk data need not be followed by CRLF. */
  optionalCRLFAfterChunk?: boolean;
  /** A bare LF ends a line (RFC 9112 §2.2 allows a recipient to accept it). */
  optionalCRBeforeLF?: boolean;
  /** Spaces and tabs between a chunk size and its CRLF or `;`. */
  spacesAfterChunkSize?: boolean;
  /** Control bytes other than NUL, CR and LF in field values (llhttp 9.4 `header_value_relaxed`). */
  headerValueRelaxed?: boolean;
}

/** Options of {@link ResponseParser}. */
export interface ResponseParserOptions {
  /** The request method assumed when no `expect()` entry is queued. Default `'GET'`. */
  method?: string;
  /** Largest head (status line to blank line, and the trailer section), in bytes. Default 16384. */
  maxHeaderSize?: number;
  /** Most field lines in a head or trailer section. Default 2000 (Node's `maxHeadersCount`). */
  maxHeaderCount?: number;
  /** Most 1xx interim responses before a final one. Default 256. */
  maxInformational?: number;
  /**
   * Most chunk-extension bytes on one chunk-size line, and most bytes of the chunk size itself
   * (leading zeros included). Default 16384 (Node's cap).
   */
  maxChunkExtensionSize?: number;
  /** `true` turns every leniency on; an object picks some. Default: strict. */
  lenient?: boolean | LenientFlags;
}

/** Default `maxHeaderSize`: 16 KiB, as Node, undici and h11. */
export const DEFAULT_MAX_HEADER_SIZE = 16_384;
/**
 * Default `maxHeaderCount`: 2000 field lines, Node's `maxHeadersCount`. Real CDNs and applications
 * send more than a hundred; curl, Godot and undici set no count at all. `maxHeaderSize` bounds the
 * memory a head can cost whatever the count.
 */
export const DEFAULT_MAX_HEADER_COUNT = 2000;
/** Default `maxInformational`: 1xx responses allowed before one final response. */
export const DEFAULT_MAX_INFORMATIONAL = 256;
/** Default `maxChunkExtensionSize`: Node's `kMaxChunkExtensionsSize` (CVE-2024-22019 fix). */
export const DEFAULT_MAX_CHUNK_EXTENSION_SIZE = 16_384;

/**
 * The scratch space of a parser that has carried no span yet, and the method queue of one that
 * expects nothing: shared, never written (a client holds a parser per connection, and most never
 * see a field cut by a read).
 */
const NO_BYTES = new Uint8Array(0);
const NO_METHODS: string[] = [];

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

// Message flags, named after llhttp's FLAGS. The framing bits (F_CHUNKED…) come from
// internal/body-framing.ts; this one, in the same `#flags` word, marks the trailer section.
const F_TRAILING = 128;

// Lenient bits.
const L_HEADERS = 1;
const L_CHUNKED_LENGTH = 2;
const L_KEEP_ALIVE = 4;
const L_VERSION = 16;
const L_DATA_AFTER_CLOSE = 32;
const L_LF_AFTER_CR = 64;
const L_CRLF_AFTER_CHUNK = 128;
const L_CR_BEFORE_LF = 256;
const L_SPACES_AFTER_CHUNK_SIZE = 512;
const L_VALUE_RELAXED = 1024;
const L_ALL = 2047;

const LENIENT_BITS: [keyof LenientFlags, number][] = [
  ['headers', L_HEADERS],
  ['chunkedLength', L_CHUNKED_LENGTH],
  ['keepAlive', L_KEEP_ALIVE],
  ['version', L_VERSION],
  ['dataAfterClose', L_DATA_AFTER_CLOSE],
  ['optionalLFAfterCR', L_LF_AFTER_CR],
  ['optionalCRLFAfterChunk', L_CRLF_AFTER_CHUNK],
  ['optionalCRBeforeLF', L_CR_BEFORE_LF],
  ['spacesAfterChunkSize', L_SPACES_AFTER_CHUNK_SIZE],
  ['headerValueRelaxed', L_VALUE_RELAXED],
];

// Parser states: the ranges, and why the switches label their cases with these numbers, are in
// the theory of operation at the top of this file. Keep S_PROTO..S_HEADERS_CR contiguous.
const S_START = 0;
const S_PROTO = 1;
const S_MAJOR = 2;
const S_DOT = 3;
const S_MINOR = 4;
const S_AFTER_VERSION = 5;
const S_CODE = 6;
const S_AFTER_CODE = 7;
const S_REASON = 8;
const S_LINE_CR = 9;
const S_HEADERS_START = 10;
const S_FIELD_START = 11;
const S_FIELD = 12;
const S_COLON_WS = 13;
const S_VALUE_WS = 14;
const S_VALUE_WS_CR = 15;
const S_VALUE_WS_LWS = 16;
const S_VALUE = 17;
const S_VALUE_CR = 18;
const S_VALUE_LWS = 19;
const S_HEADERS_CR = 20;
const S_BODY_CL = 21;
const S_BODY_EOF = 22;
const S_CHUNK_SIZE_START = 23;
const S_CHUNK_SIZE = 24;
const S_CHUNK_SIZE_OWS = 25;
const S_CHUNK_EXT_START = 26;
const S_CHUNK_EXT_NAME = 27;
const S_CHUNK_EXT_VALUE = 28;
const S_CHUNK_EXT_QUOTED = 29;
const S_CHUNK_EXT_QPAIR = 30;
const S_CHUNK_EXT_QDONE = 31;
const S_CHUNK_SIZE_CR = 32;
const S_CHUNK_DATA = 33;
const S_CHUNK_DATA_CR = 34;
const S_CHUNK_DATA_LF = 35;
const S_CLOSED = 36;
const S_UPGRADED = 37;
const S_DEAD = 38;
const S_PAUSED = 39;

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/** The default for absent callbacks. */
function noop(): void {}

function lenientBits(lenient: boolean | LenientFlags | undefined): number {
  if (lenient === true) return L_ALL;
  if (!lenient) return 0;
  let bits = 0;
  for (const [key, bit] of LENIENT_BITS) if (lenient[key]) bits |= bit;
  return bits;
}

function isSpaceOrTab(c: number): boolean {
  return c === SP || c === HT;
}

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== SP && c !== HT) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

/**
 * A strict, incremental, sans-IO HTTP/1.1 response parser: bytes in through {@link execute},
 * events out through a {@link ResponseHandler}. It frames bodies per RFC 9112 §6.3, knows the
 * request method each response answers (queue them with {@link expect} when pipelining), skips 1xx
 * interim responses, stops at 101 and at 2xx to CONNECT, and refuses anything ambiguous with a
 * {@link ParseError}. Feeding one byte at a time gives the same events as one buffer.
 *
 * @example
 * ```ts
 * import { ResponseParser } from '@gdhttp/parser';
 * const parser = new ResponseParser({
 *   onStatus: (status, reason) => console.log(status, reason),
 *   onHeader: (name, value) => console.log(`${name}: ${value}`),
 *   onBody: (data) => console.log(new TextDecoder().decode(data)),
 *   onMessageComplete: (keepAlive) => console.log('done, keep-alive:', keepAlive),
 * });
 * parser.execute(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9112
 */
export class ResponseParser {
  readonly #handler: ResponseHandler;
  readonly #onMessageBegin: () => void;
  readonly #onStatus: (status: number, reason: string, major: number, minor: number) => void;
  readonly #onHeader: (name: string, value: string, lower: string) => void;
  readonly #onInformational: (head: ResponseHead) => void;
  // biome-ignore lint/suspicious/noConfusingVoidType: as in ResponseHandler.
  readonly #onHeadersComplete: (head: ResponseHead) => HeadersDirective | undefined | void;
  readonly #onBody: (data: Uint8Array) => void;
  readonly #onChunkHeader: (size: number) => void;
  readonly #onChunkComplete: () => void;
  readonly #onTrailer: (name: string, value: string, lower: string) => void;
  readonly #onMessageComplete: (keepAlive: boolean) => void;

  readonly #lenient: number;
  readonly #maxHeaderSize: number;
  readonly #maxHeaderCount: number;
  readonly #maxInformational: number;
  readonly #maxExt: number;
  readonly #valueTable: Uint8Array;
  readonly #defaultMethod: string;
  /** Methods of the requests sent, from `#methodHead` on those not answered yet. */
  #methods: string[] = NO_METHODS;
  #methodHead = 0;

  #state = S_START;
  /** Absolute offset of byte 0 of the current `execute()` input. */
  #offset = 0;
  #error: ParseError | null = null;
  #upgradeOffset = -1;
  /** Stop after the current final response (see {@link pause}). */
  #pausing = false;
  /** The state to go on in after a pause. */
  #resumeState = S_START;

  // Current message.
  #flags = 0;
  #major = 0;
  #minor = 0;
  #status = 0;
  #reason = '';
  #contentLength = -1;
  #remaining = 0;
  #informational = 0;
  #headLimit = 0;
  /** Stream offset of the current message's status line. */
  #headStart = 0;
  #headerCount = 0;
  #match = 0;
  #keepAlive = false;

  // Open span (reason, field name, field value) carried across inputs.
  #spanStart = 0;
  #scratch: Uint8Array = NO_BYTES;
  #carry = 0;
  #name: FieldName | null = null;
  /** The previous field name of this section (null at its first line). */
  #prevName: FieldName | null = null;
  /** The first field name of the last head: the guess for the next head's first line. */
  #firstName: FieldName | null = null;
  #value = '';
  /** What the framing grammar made of the last framing value (see FieldName.lastFraming). */
  #framing = 0;
  #segmentAbs = 0;
  #fold = false;

  // Chunked framing.
  #chunkDigits = 0;
  /** Stream offset of the current chunk-size line's first byte (the cap on its length). */
  #sizeStart = 0;
  #extStart = 0;

  /**
   * @param handler - callbacks for the events; omit the ones you do not need.
   * @param options - limits, the default request method, and leniencies.
   */
  constructor(handler: ResponseHandler = {}, options: ResponseParserOptions = {}) {
    const h = handler;
    // Unbound functions called with the handler as `this`: closures made by the same code share
    // V8 call feedback across parser instances, where per-instance bound functions would not.
    this.#handler = h;
    this.#onMessageBegin = h.onMessageBegin ?? noop;
    this.#onStatus = h.onStatus ?? noop;
    this.#onHeader = h.onHeader ?? noop;
    this.#onInformational = h.onInformational ?? noop;
    this.#onHeadersComplete = h.onHeadersComplete ?? noop;
    this.#onBody = h.onBody ?? noop;
    this.#onChunkHeader = h.onChunkHeader ?? noop;
    this.#onChunkComplete = h.onChunkComplete ?? noop;
    this.#onTrailer = h.onTrailer ?? noop;
    this.#onMessageComplete = h.onMessageComplete ?? noop;
    this.#lenient = lenientBits(options.lenient);
    this.#maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.#maxHeaderCount = options.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
    this.#maxInformational = options.maxInformational ?? DEFAULT_MAX_INFORMATIONAL;
    this.#maxExt = options.maxChunkExtensionSize ?? DEFAULT_MAX_CHUNK_EXTENSION_SIZE;
    this.#defaultMethod = (options.method ?? 'GET').toUpperCase();
    this.#valueTable =
      this.#lenient & L_HEADERS
        ? NOT_CRLF
        : this.#lenient & L_VALUE_RELAXED
          ? FIELD_VALUE_RELAXED
          : FIELD_VALUE;
  }

  /**
   * Queue the method of the next request sent on this connection, so its response is framed
   * right (HEAD: no body; CONNECT: a 2xx opens a tunnel). Call once per request, in order; with
   * an empty queue the `method` option applies.
   *
   * @param method - the request method token, e.g. `'HEAD'`.
   * @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3
   */
  expect(method: string): void {
    const token = method.toUpperCase();
    if (this.#methodHead === this.#methods.length) {
      // Every method queued before was answered (the usual case, one request at a time): a
      // one-element array, not an empty one grown by push (room for 17).
      this.#methods = [token];
      this.#methodHead = 0;
    } else {
      // Pipelined: an array of this parser's own (the shared empty one is always replaced above).
      this.#methods.push(token);
    }
  }

  /** Absolute number of bytes consumed so far (the stream offset of the next byte). */
  get bytesParsed(): number {
    return this.#offset;
  }

  /** True once the parser stopped after a 101 or a 2xx to CONNECT; see {@link upgradeOffset}. */
  get upgraded(): boolean {
    return this.#state === S_UPGRADED;
  }

  /** Stream offset where the other protocol's bytes start, or -1 when not upgraded. */
  get upgradeOffset(): number {
    return this.#upgradeOffset;
  }

  /** True when the current body runs until the connection closes (call {@link finish} at EOF). */
  get needsEof(): boolean {
    return this.#state === S_BODY_EOF;
  }

  /** True between responses: EOF now would be clean. */
  get idle(): boolean {
    const s = this.#state === S_PAUSED ? this.#resumeState : this.#state;
    return s === S_START || s === S_CLOSED;
  }

  /**
   * Stops the parser at the end of the current final response (or of the next one, between
   * responses): `execute()` returns the count of bytes up to that end and consumes nothing more
   * until {@link resume}. A client calls it once per request it sent (e.g. from
   * `onMessageComplete`), so bytes after the last response it expects are left unconsumed instead
   * of being parsed as a response nobody asked for — undici pauses llhttp the same way. Interim
   * 1xx responses do not stop it.
   */
  pause(): void {
    this.#pausing = true;
  }

  /** Lets `execute()` consume bytes again after {@link pause}. */
  resume(): void {
    this.#pausing = false;
    if (this.#state === S_PAUSED) this.#state = this.#resumeState;
  }

  /** True while stopped by {@link pause} at the end of a response. */
  get paused(): boolean {
    return this.#state === S_PAUSED;
  }

  /**
   * Consume bytes from the connection, calling the handler for every event they complete.
   *
   * @param chunk - the next bytes, in stream order; it is not modified and not kept.
   * @returns how many bytes of `chunk` were consumed: all of them, unless the parser stopped at a
   *   protocol switch, in which case the rest belong to the new protocol.
   * @throws ParseError when the input breaks the protocol or a limit; the error is sticky.
   */
  execute(chunk: Uint8Array): number {
    if (this.#error !== null) throw this.#error;
    if (this.#state === S_UPGRADED || this.#state === S_PAUSED) return 0;
    const len = chunk.length;
    let p: number;
    try {
      p = this.#run(chunk, len);
    } catch (err) {
      if (err instanceof ParseError && this.#error === null) this.#error = err;
      this.#state = S_DEAD;
      throw err;
    }
    const s = this.#state;
    if ((s === S_REASON || s === S_FIELD || s === S_VALUE) && this.#spanStart < len) {
      // A span runs past this input: keep its bytes (only these are ever copied).
      this.#scratch = appendBytes(this.#scratch, this.#carry, chunk, this.#spanStart, len);
      this.#carry += len - this.#spanStart;
    }
    this.#spanStart = 0;
    this.#offset += p;
    return p;
  }

  /**
   * Signal the end of the stream (the peer closed). Completes a body delimited by the close;
   * anywhere inside a response it is a truncation.
   *
   * @throws ParseError `INVALID_EOF_STATE` when the connection closed mid-response.
   * @see https://www.rfc-editor.org/rfc/rfc9112#section-8
   */
  finish(): void {
    if (this.#error !== null) throw this.#error;
    switch (this.#state) {
      case S_START:
      case S_CLOSED:
      case S_UPGRADED:
      case S_PAUSED:
        return;
      case S_BODY_EOF:
        this.#state = S_CLOSED;
        this.#onMessageComplete.call(this.#handler, false);
        return;
      default: {
        const err = new ParseError(
          'INVALID_EOF_STATE',
          'Connection closed mid-response',
          this.#offset,
        );
        this.#error = err;
        this.#state = S_DEAD;
        throw err;
      }
    }
  }

  #fail(reason: ParseErrorReason, message: string, p: number): never {
    throw new ParseError(reason, message, this.#offset + p);
  }

  /** The open span ending at `end`, as a string; joins bytes carried from earlier inputs. */
  #spanString(buf: Uint8Array, end: number): string {
    if (this.#carry === 0) return latin1(buf, this.#spanStart, end);
    this.#scratch = appendBytes(this.#scratch, this.#carry, buf, this.#spanStart, end);
    const total = this.#carry + end - this.#spanStart;
    this.#carry = 0;
    return latin1(this.#scratch, 0, total);
  }

  #spanName(buf: Uint8Array, end: number): FieldName {
    if (this.#carry === 0) return fieldName(buf, this.#spanStart, end);
    this.#scratch = appendBytes(this.#scratch, this.#carry, buf, this.#spanStart, end);
    const total = this.#carry + end - this.#spanStart;
    this.#carry = 0;
    return fieldName(this.#scratch, 0, total);
  }

  /**
   * The open value span ending at `end` as a string. Plain fields lose their trailing whitespace
   * here (RFC 9110 §5.5) so repeated values hit the intern cache; framing fields keep it, their
   * grammar decides about it (llhttp: HTAB after `chunked` is not OWS).
   */
  #spanValue(
    buf: Uint8Array,
    view: DataView,
    end: number,
    trim: boolean,
    scanned: boolean,
    name: FieldName | null,
  ): string {
    let b = buf;
    let v = view;
    let s = this.#spanStart;
    let e = end;
    if (this.#carry !== 0) {
      this.#scratch = appendBytes(this.#scratch, this.#carry, buf, this.#spanStart, end);
      b = this.#scratch;
      v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      s = 0;
      e = this.#carry + end - this.#spanStart;
      this.#carry = 0;
    }
    if (trim) {
      const rawEnd = e;
      while (e > s && (b[e - 1] === SP || b[e - 1] === HT)) e--;
      if (e !== rawEnd) return latin1(b, s, e);
    }
    return internValue(b, v, s, e, scanned, name);
  }

  #beginMessage(p: number): void {
    this.#flags = 0;
    this.#status = 0;
    this.#reason = '';
    this.#contentLength = -1;
    this.#headerCount = 0;
    this.#prevName = null;
    this.#match = 0;
    this.#headStart = this.#offset + p;
    this.#headLimit = this.#headStart + this.#maxHeaderSize;
    this.#onMessageBegin.call(this.#handler);
  }

  #run(buf: Uint8Array, len: number): number {
    // The field guesses compare four bytes at a time through it (internal/field-names.ts).
    const view = new DataView(buf.buffer, buf.byteOffset, len);
    let p = 0;
    let s = this.#state;
    while (p < len) {
      if (s >= S_PROTO && s <= S_HEADERS_CR && p >= this.#headLimit - this.#offset) {
        this.#fail(
          'HEADER_OVERFLOW',
          this.#flags & F_TRAILING ? 'Trailer section too large' : 'Response head too large',
          p,
        );
      }
      const c = buf[p]!;
      switch (s) {
        case 0 satisfies typeof S_START: {
          // llhttp skips CR/LF between messages (RFC 9112 §2.2 allows it before a start line).
          if (c === CR || c === LF) {
            p++;
            break;
          }
          this.#beginMessage(p);
          // Fast path for the usual `HTTP/1.x DDD` prefix; anything else takes the byte states.
          if (
            p + 12 < len &&
            this.#maxHeaderSize > 12 &&
            c === 0x48 &&
            buf[p + 1] === 0x54 &&
            buf[p + 2] === 0x54 &&
            buf[p + 3] === 0x50 &&
            buf[p + 4] === 0x2f &&
            buf[p + 5] === 0x31 &&
            buf[p + 6] === 0x2e &&
            (buf[p + 7] === 0x31 || buf[p + 7] === 0x30) &&
            buf[p + 8] === SP
          ) {
            const d1 = buf[p + 9]! - 0x30;
            const d2 = buf[p + 10]! - 0x30;
            const d3 = buf[p + 11]! - 0x30;
            if (d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9) {
              this.#major = 1;
              this.#minor = buf[p + 7]! - 0x30;
              this.#status = d1 * 100 + d2 * 10 + d3;
              p += 12;
              s = S_AFTER_CODE;
              break;
            }
          }
          s = S_PROTO;
          break;
        }
        case 1 satisfies typeof S_PROTO: {
          if (c !== HTTP_SLASH[this.#match]) this.#fail('INVALID_CONSTANT', 'Expected HTTP/', p);
          p++;
          if (++this.#match === 5) s = S_MAJOR;
          break;
        }
        case 2 satisfies typeof S_MAJOR: {
          if (c < 0x30 || c > 0x39) this.#fail('INVALID_VERSION', 'Invalid major version', p);
          this.#major = c - 0x30;
          p++;
          s = S_DOT;
          break;
        }
        case 3 satisfies typeof S_DOT: {
          if (c !== 0x2e) this.#fail('INVALID_VERSION', 'Expected dot', p);
          p++;
          s = S_MINOR;
          break;
        }
        case 4 satisfies typeof S_MINOR: {
          if (c < 0x30 || c > 0x39) this.#fail('INVALID_VERSION', 'Invalid minor version', p);
          this.#minor = c - 0x30;
          // RFC 9112 §2.3: a response on an HTTP/1.1 connection is HTTP/1.x. llhttp also takes
          // 0.9 and 2.0 here; we do not (README, "Differences from llhttp").
          if (!(this.#lenient & L_VERSION) && (this.#major !== 1 || this.#minor > 1)) {
            this.#fail('INVALID_VERSION', 'Invalid HTTP version', p);
          }
          p++;
          s = S_AFTER_VERSION;
          break;
        }
        case 5 satisfies typeof S_AFTER_VERSION: {
          if (c !== SP) this.#fail('INVALID_VERSION', 'Expected space after version', p);
          p++;
          this.#match = 0;
          s = S_CODE;
          break;
        }
        case 6 satisfies typeof S_CODE: {
          if (c < 0x30 || c > 0x39) this.#fail('INVALID_STATUS', 'Invalid status code', p);
          this.#status = this.#status * 10 + (c - 0x30);
          p++;
          if (++this.#match === 3) s = S_AFTER_CODE;
          break;
        }
        case 7 satisfies typeof S_AFTER_CODE: {
          if (c === SP) {
            p++;
            this.#spanStart = p;
            s = S_REASON;
          } else if (c === CR) {
            p++;
            s = S_LINE_CR;
          } else if (c === LF && this.#lenient & L_CR_BEFORE_LF) {
            p++;
            this.#onStatus.call(this.#handler, this.#status, '', this.#major, this.#minor);
            s = S_HEADERS_START;
          } else {
            this.#fail('INVALID_STATUS', 'Invalid response status', p);
          }
          break;
        }
        case 8 satisfies typeof S_REASON: {
          // The reason phrase is never interpreted (RFC 9112 §4); like llhttp, any byte but CR/LF.
          const stop = Math.min(len, this.#headLimit - this.#offset);
          let i = p;
          while (i < stop) {
            const b = buf[i]!;
            if (b === CR || b === LF) break;
            i++;
          }
          p = i;
          if (i === stop) break;
          this.#reason =
            this.#carry === 0
              ? this.#spanValue(buf, view, i, false, false, null)
              : this.#spanString(buf, i);
          if (buf[i] === CR) {
            p++;
            s = S_LINE_CR;
          } else if (this.#lenient & L_CR_BEFORE_LF) {
            p++;
            this.#onStatus.call(
              this.#handler,
              this.#status,
              this.#reason,
              this.#major,
              this.#minor,
            );
            s = S_HEADERS_START;
          } else {
            this.#fail('CR_EXPECTED', 'Missing expected CR after response line', p);
          }
          break;
        }
        case 9 satisfies typeof S_LINE_CR: {
          // llhttp 9.4.2 (commit 0df72aa): the status line needs CRLF, a lone CR is an error.
          if (c === LF) p++;
          else if (!(this.#lenient & L_LF_AFTER_CR))
            this.#fail('STRICT', 'Expected LF after CR', p);
          this.#onStatus.call(this.#handler, this.#status, this.#reason, this.#major, this.#minor);
          s = S_HEADERS_START;
          break;
        }
        case 10 satisfies typeof S_HEADERS_START: {
          // RFC 9112 §2.2: whitespace before the first field line must be rejected.
          if (c === SP) {
            if (!(this.#lenient & L_HEADERS)) {
              this.#fail('UNEXPECTED_SPACE', 'Unexpected space after start line', p);
            }
            p++;
          }
          s = S_FIELD_START;
          break;
        }
        case 11 satisfies typeof S_FIELD_START: {
          if (c === CR) {
            p++;
            s = S_HEADERS_CR;
          } else if (c === LF) {
            if (!(this.#lenient & L_CR_BEFORE_LF)) {
              this.#fail('INVALID_HEADER_TOKEN', 'Invalid header field char', p);
            }
            p++;
            s = this.#sectionDone(p);
            if (s === S_UPGRADED) return p;
          } else if (c === 0x3a) {
            this.#fail('INVALID_HEADER_TOKEN', 'Invalid header token', p);
          } else {
            if (++this.#headerCount > this.#maxHeaderCount) {
              this.#fail('TOO_MANY_HEADERS', 'Too many header fields', p);
            }
            this.#spanStart = p;
            s = S_FIELD;
          }
          break;
        }
        case 12 satisfies typeof S_FIELD: {
          const stop = Math.min(len, this.#headLimit - this.#offset);
          let i = p;
          // Servers send their fields in the same order: the name that followed the previous one
          // last time, if the bytes repeat it up to a colon, needs no scan and no lookup (it is a
          // valid token).
          const prev = this.#prevName;
          const guess = prev === null ? this.#firstName : prev.next;
          let name: FieldName | null = null;
          if (guess !== null && this.#carry === 0) {
            const g = guess.name;
            const e = p + g.length;
            if (e < stop && buf[e] === 0x3a && sameBytes(view, buf, p, g, guess.words)) {
              name = guess;
              i = e;
            } else if (prev !== null && prev.other !== null) {
              // The name that followed it before: a server's kinds of response (a file, a
              // redirect, an error) order their fields differently after the same name.
              const o = prev.other;
              const f = p + o.name.length;
              if (f < stop && buf[f] === 0x3a && sameBytes(view, buf, p, o.name, o.words)) {
                name = o;
                i = f;
                prev.other = guess;
                prev.next = o;
              }
            }
          }
          if (name === null) {
            while (i < stop && TOKEN[buf[i]!] === 1) i++;
            p = i;
            if (i === stop) break;
          }
          const b = buf[i]!;
          if (b === 0x3a) {
            if (name === null) {
              name = this.#spanName(buf, i);
              if (prev === null) this.#firstName = name;
              else if (prev.next !== name) {
                prev.other = prev.next;
                prev.next = name;
              }
            }
            this.#prevName = name;
            this.#name = name;
            p = i + 1;
            this.#nameComplete(p);
            // Inline the usual `: value`: skip OWS and open the value without a state round trip.
            while (p < stop && (buf[p] === SP || buf[p] === HT)) p++;
            if (p < stop) {
              const v = buf[p]!;
              if (v !== CR && v !== LF) {
                this.#segmentStart(p, false);
                this.#spanStart = p;
                s = S_VALUE;
                // The value this name had last time, if the bytes repeat it up to a CRLF that no
                // fold follows: one comparison replaces search and validation (it holds no CR or
                // LF and is strictly valid, so that CR is the first one).
                const last = name.last;
                const e = p + last.length;
                if (
                  last.length !== 0 &&
                  e + 2 < stop &&
                  buf[e] === CR &&
                  buf[e + 1] === LF &&
                  buf[e + 2] !== SP &&
                  buf[e + 2] !== HT &&
                  sameBytes(view, buf, p, last, name.lastWords)
                ) {
                  // A name whose values repeat again is not volatile (internal/field-names.ts).
                  name.misses = 0;
                  // #segmentEnd and #emitField, cut to what this case needs (no fold, a value
                  // with no trailing whitespace): what V8 inlines into #run counts against one
                  // budget, and these lines run for every field of a repeated head.
                  if (name.special !== Special.NONE) this.#framingValue(last);
                  this.#emit(name, last);
                  p = e + 2;
                  s = this.#lineStart(buf[p]!, p);
                  break;
                }
                break;
              }
            }
            s = S_VALUE_WS;
          } else if (b === SP && this.#lenient & L_HEADERS) {
            // llhttp's `headers` leniency skips spaces before the colon, only after the names it
            // parses specially.
            this.#name = this.#spanName(buf, i);
            if (this.#name.special === Special.NONE) {
              this.#fail('INVALID_HEADER_TOKEN', 'Invalid header token', p);
            }
            p++;
            s = S_COLON_WS;
          } else {
            // RFC 9112 §5.1: no whitespace between field name and colon (CVE-2021-22959).
            this.#fail('INVALID_HEADER_TOKEN', 'Invalid header token', p);
          }
          break;
        }
        case 13 satisfies typeof S_COLON_WS: {
          if (c === SP) {
            p++;
          } else if (c === 0x3a) {
            p++;
            this.#nameComplete(p);
            s = S_VALUE_WS;
          } else {
            this.#fail('INVALID_HEADER_TOKEN', 'Invalid header token', p);
          }
          break;
        }
        case 14 satisfies typeof S_VALUE_WS: {
          if (c === SP || c === HT) {
            p++;
          } else if (c === CR) {
            p++;
            s = S_VALUE_WS_CR;
          } else if (c === LF) {
            if (!(this.#lenient & L_CR_BEFORE_LF)) {
              this.#fail('INVALID_HEADER_TOKEN', 'Invalid header value char', p);
            }
            p++;
            s = S_VALUE_WS_LWS;
          } else {
            this.#segmentStart(p, false);
            this.#spanStart = p;
            s = S_VALUE;
          }
          break;
        }
        case 15 satisfies typeof S_VALUE_WS_CR: {
          if (c === LF) p++;
          else if (!(this.#lenient & L_HEADERS)) this.#fail('STRICT', 'Expected LF after CR', p);
          s = S_VALUE_WS_LWS;
          break;
        }
        case 16 satisfies typeof S_VALUE_WS_LWS: {
          if (c === SP || c === HT) {
            if (!(this.#lenient & L_HEADERS)) {
              this.#fail('INVALID_HEADER_TOKEN', 'Invalid header value char', p);
            }
            p++;
            s = S_VALUE_WS;
            break;
          }
          const special = this.#name!.special;
          if (this.#value === '') {
            if (special === Special.CONTENT_LENGTH) {
              this.#fail('INVALID_CONTENT_LENGTH', 'Empty Content-Length', p);
            } else if (special === Special.TRANSFER_ENCODING) {
              this.#fail('INVALID_TRANSFER_ENCODING', 'Empty Transfer-Encoding', p);
            }
          }
          this.#emitField();
          s = S_FIELD_START;
          break;
        }
        case 17 satisfies typeof S_VALUE: {
          const stop = Math.min(len, this.#headLimit - this.#offset);
          // Framing fields are scanned raw and checked by their own grammar, so a bad byte in
          // them reports what llhttp reports (INVALID_CONTENT_LENGTH before INVALID_HEADER_TOKEN).
          const name = this.#name!;
          const sp = name.special;
          const table = sp === Special.NONE || sp === Special.UPGRADE ? this.#valueTable : NOT_CRLF;
          let i = skipPrintable(view, p, stop);
          while (i < stop && table[buf[i]!] === 1) i++;
          p = i;
          if (i === stop) break;
          const b = buf[i]!;
          if (b !== CR && b !== LF) {
            this.#fail('INVALID_HEADER_TOKEN', 'Invalid header value char', p);
          }
          const start = this.#spanStart;
          // The usual: the whole value in this input and not a fold continuation, its CRLF
          // followed by the next field line (not a fold): one call takes it and emits the field.
          if (b === CR && i + 2 < stop && buf[i + 1] === LF && this.#carry === 0 && !this.#fold) {
            const next = buf[i + 2]!;
            if (next !== SP && next !== HT) {
              this.#wholeValue(buf, view, start, i, name, table);
              p = i + 2;
              s = this.#lineStart(next, p);
              break;
            }
          }
          const whole = this.#carry === 0 && !this.#fold;
          const scanned = table === FIELD_VALUE;
          const trim = table === this.#valueTable && !this.#fold;
          const value = this.#spanValue(buf, view, i, trim, scanned, name);
          this.#segmentEnd(value);
          p++;
          // Inline the usual CRLF followed by the next field line (not a fold): emit at once.
          if (b === CR && p + 1 < stop && buf[p] === LF) {
            const next = buf[p + 1]!;
            if (next !== SP && next !== HT) {
              // The name's next line compares with this value first if it is strictly valid.
              if (whole && value.length === i - start && strictValue(buf, start, i, scanned)) {
                setLast(name, value, view, start, this.#framing);
              }
              p++;
              this.#emitField();
              s = this.#lineStart(next, p);
              break;
            }
          }
          if (b === CR) {
            s = S_VALUE_CR;
          } else {
            if (!(this.#lenient & L_CR_BEFORE_LF)) {
              this.#fail('CR_EXPECTED', 'Missing expected CR after header value', i);
            }
            s = S_VALUE_LWS;
          }
          break;
        }
        case 18 satisfies typeof S_VALUE_CR: {
          // RFC 9112 §2.2: a bare CR inside a field line is invalid (CVE-2023-30589).
          if (c !== LF) this.#fail('LF_EXPECTED', 'Missing expected LF after header value', p);
          p++;
          s = S_VALUE_LWS;
          break;
        }
        case 19 satisfies typeof S_VALUE_LWS: {
          if (c === SP || c === HT) {
            // obs-fold (RFC 9112 §5.2): rejected unless lenient, then unfolded to SP.
            if (!(this.#lenient & L_HEADERS)) {
              this.#fail('INVALID_HEADER_TOKEN', 'Unexpected whitespace after header value', p);
            }
            this.#segmentStart(p, true);
            this.#spanStart = p;
            s = S_VALUE;
            break;
          }
          this.#emitField();
          s = S_FIELD_START;
          break;
        }
        case 20 satisfies typeof S_HEADERS_CR: {
          if (c === LF) p++;
          else if (!(this.#lenient & L_LF_AFTER_CR)) {
            this.#fail('STRICT', 'Expected LF after headers', p);
          }
          s = this.#sectionDone(p);
          if (s === S_UPGRADED) return p;
          break;
        }
        case 21 satisfies typeof S_BODY_CL: {
          const n = Math.min(this.#remaining, len - p);
          this.#onBody.call(this.#handler, buf.subarray(p, p + n));
          p += n;
          this.#remaining -= n;
          if (this.#remaining === 0) s = this.#messageComplete();
          break;
        }
        case 22 satisfies typeof S_BODY_EOF: {
          this.#onBody.call(this.#handler, buf.subarray(p, len));
          p = len;
          break;
        }
        case 23 satisfies typeof S_CHUNK_SIZE_START: {
          const v = HEX[c]!;
          if (v === 0) this.#fail('INVALID_CHUNK_SIZE', 'Invalid character in chunk size', p);
          this.#remaining = v - 1;
          this.#chunkDigits = v > 1 ? 1 : 0;
          this.#sizeStart = this.#offset + p;
          p++;
          s = S_CHUNK_SIZE;
          break;
        }
        case 24 satisfies typeof S_CHUNK_SIZE: {
          const v = HEX[c]!;
          if (v === 0) {
            s = S_CHUNK_SIZE_OWS;
            break;
          }
          if (this.#chunkDigits > 0 || v > 1) {
            // llhttp's limit is 64 bits: 16 significant hex digits.
            if (++this.#chunkDigits > 16) {
              this.#fail('INVALID_CHUNK_SIZE', 'Chunk size overflow', p);
            }
          } else if (this.#offset + p - this.#sizeStart >= this.#maxExt) {
            // Leading zeros add no value but must not run forever: the size line is capped like
            // its extensions (an endless `000…` would keep a core busy with no timeout).
            this.#fail('INVALID_CHUNK_SIZE', 'Chunk size too long', p);
          }
          this.#remaining = this.#remaining * 16 + (v - 1);
          p++;
          break;
        }
        case 25 satisfies typeof S_CHUNK_SIZE_OWS: {
          if (c === SP || c === HT) {
            // RFC 9112 §7.1 has no whitespace after chunk-size (Funky Chunks, CVE-2025-22871).
            if (!(this.#lenient & L_SPACES_AFTER_CHUNK_SIZE)) {
              this.#fail('INVALID_CHUNK_SIZE', 'Invalid character in chunk size', p);
            }
            p++;
          } else if (c === CR) {
            p++;
            s = S_CHUNK_SIZE_CR;
          } else if (c === LF) {
            if (!(this.#lenient & L_CR_BEFORE_LF)) {
              this.#fail('CR_EXPECTED', 'Missing expected CR after chunk size', p);
            }
            p++;
            s = this.#chunkHeaderDone(p);
          } else if (c === 0x3b) {
            this.#extStart = this.#offset + p;
            p++;
            s = S_CHUNK_EXT_START;
          } else {
            this.#fail('INVALID_CHUNK_SIZE', 'Invalid character in chunk size', p);
          }
          break;
        }
        case 26 satisfies typeof S_CHUNK_EXT_START: {
          // llhttp: no whitespace and no empty extension right after `;`.
          if (c === SP || c === CR)
            this.#fail('STRICT', 'Invalid character in chunk extensions', p);
          s = S_CHUNK_EXT_NAME;
          break;
        }
        case 27 satisfies typeof S_CHUNK_EXT_NAME:
        case 28 satisfies typeof S_CHUNK_EXT_VALUE:
        case 29 satisfies typeof S_CHUNK_EXT_QUOTED:
        case 30 satisfies typeof S_CHUNK_EXT_QPAIR:
        case 31 satisfies typeof S_CHUNK_EXT_QDONE: {
          // Extensions are parsed to llhttp's grammar (RFC 9112 §7.1.1) and dropped, within a cap
          // (CVE-2024-22019: unbounded extensions are a resource exhaustion). The cap counts from
          // `;` and fails at the first extension byte past it; the CR (or a lenient bare LF) that
          // ends the line is not an extension byte, so exactly `maxExt` bytes pass.
          if (c !== CR && c !== LF && this.#offset + p - this.#extStart >= this.#maxExt) {
            this.#fail('CHUNK_EXTENSIONS_OVERFLOW', 'Chunk extensions overflow', p);
          }
          s = this.#chunkExtension(s, c, p);
          p++;
          // A bare LF accepted as the line end (lenient) ends the chunk header at once.
          if (s === S_CHUNK_SIZE_START) s = this.#chunkHeaderDone(p);
          break;
        }
        case 32 satisfies typeof S_CHUNK_SIZE_CR: {
          if (c === LF) p++;
          else if (!(this.#lenient & L_LF_AFTER_CR)) {
            this.#fail('STRICT', 'Expected LF after chunk size', p);
          }
          s = this.#chunkHeaderDone(p);
          break;
        }
        case 33 satisfies typeof S_CHUNK_DATA: {
          const n = Math.min(this.#remaining, len - p);
          this.#onBody.call(this.#handler, buf.subarray(p, p + n));
          p += n;
          this.#remaining -= n;
          if (this.#remaining === 0) s = S_CHUNK_DATA_CR;
          break;
        }
        case 34 satisfies typeof S_CHUNK_DATA_CR: {
          if (c === CR) {
            p++;
            s = S_CHUNK_DATA_LF;
            break;
          }
          if (c === LF) {
            if (!(this.#lenient & L_CR_BEFORE_LF)) {
              this.#fail('CR_EXPECTED', 'Missing expected CR after chunk data', p);
            }
            p++;
          } else if (!(this.#lenient & L_CRLF_AFTER_CHUNK)) {
            this.#fail('STRICT', 'Expected LF after chunk data', p);
          }
          this.#onChunkComplete.call(this.#handler);
          s = S_CHUNK_SIZE_START;
          break;
        }
        case 35 satisfies typeof S_CHUNK_DATA_LF: {
          if (c === LF) p++;
          else if (!(this.#lenient & L_CRLF_AFTER_CHUNK)) {
            this.#fail('STRICT', 'Expected LF after chunk data', p);
          }
          this.#onChunkComplete.call(this.#handler);
          s = S_CHUNK_SIZE_START;
          break;
        }
        case 36 satisfies typeof S_CLOSED: {
          if (c === CR || c === LF) {
            p++;
          } else if (this.#lenient & L_DATA_AFTER_CLOSE) {
            p = len;
          } else {
            this.#fail('CLOSED_CONNECTION', 'Data after `Connection: close`', p);
          }
          break;
        }
        case 39 satisfies typeof S_PAUSED:
          // pause() took effect at the end of a response: the rest is not ours to consume.
          this.#state = s;
          return p;
        default:
          // S_UPGRADED and S_DEAD never reach the loop (execute() returns or throws first).
          this.#fail('STRICT', 'Parser used after it stopped', p);
      }
    }
    this.#state = s;
    return p;
  }

  /**
   * One chunk-extension byte: the next state. `S_CHUNK_SIZE_CR` after CR; `S_CHUNK_SIZE_START`
   * stands for "a bare LF ended the line" (only under `optionalCRBeforeLF`).
   */
  #chunkExtension(s: number, c: number, p: number): number {
    const crlfEnd = (what: string): number => {
      if (c === CR) return S_CHUNK_SIZE_CR;
      if (!(this.#lenient & L_CR_BEFORE_LF)) {
        this.#fail('CR_EXPECTED', `Missing expected CR after chunk extension ${what}`, p);
      }
      return S_CHUNK_SIZE_START;
    };
    switch (s) {
      case 27 satisfies typeof S_CHUNK_EXT_NAME:
        if (TOKEN[c] === 1) return S_CHUNK_EXT_NAME;
        if (c === 0x3d) return S_CHUNK_EXT_VALUE;
        if (c === 0x3b) return S_CHUNK_EXT_START;
        if (c === CR || c === LF) return crlfEnd('name');
        return this.#fail('STRICT', 'Invalid character in chunk extensions name', p);
      case 28 satisfies typeof S_CHUNK_EXT_VALUE:
        if (c === 0x22) return S_CHUNK_EXT_QUOTED;
        if (TOKEN[c] === 1) return S_CHUNK_EXT_VALUE;
        if (c === 0x3b) return S_CHUNK_EXT_START;
        if (c === CR || c === LF) return crlfEnd('value');
        return this.#fail('STRICT', 'Invalid character in chunk extensions value', p);
      case 29 satisfies typeof S_CHUNK_EXT_QUOTED:
        if (QDTEXT[c] === 1) return S_CHUNK_EXT_QUOTED;
        if (c === 0x22) return S_CHUNK_EXT_QDONE;
        if (c === 0x5c) return S_CHUNK_EXT_QPAIR;
        return this.#fail('STRICT', 'Invalid character in chunk extensions quoted value', p);
      case 30 satisfies typeof S_CHUNK_EXT_QPAIR:
        if (QUOTED_PAIR[c] === 1) return S_CHUNK_EXT_QUOTED;
        return this.#fail('STRICT', 'Invalid quoted-pair in chunk extensions quoted value', p);
      default:
        if (c === 0x3b) return S_CHUNK_EXT_START;
        if (c === CR || c === LF) return crlfEnd('value');
        return this.#fail('STRICT', 'Invalid character in chunk extensions quote value', p);
    }
  }

  #chunkHeaderDone(p: number): number {
    if (this.#remaining > 0) {
      this.#onChunkHeader.call(this.#handler, this.#remaining);
      return S_CHUNK_DATA;
    }
    // Last chunk: the trailer section follows, under the same size and count limits as a head.
    this.#flags |= F_TRAILING;
    this.#headerCount = 0;
    this.#prevName = null;
    this.#headLimit = this.#offset + p + this.#maxHeaderSize;
    return S_FIELD_START;
  }

  /**
   * A value that is whole in this input (no carried bytes, no fold) and ends a field line: its
   * string, its framing, the name's last value, the field emitted. What S_VALUE does for nearly
   * every value it scans, in one call: the helpers inline into this method instead of competing
   * for #run's inlining budget, and a new value costs one call instead of five.
   */
  #wholeValue(
    buf: Uint8Array,
    view: DataView,
    start: number,
    end: number,
    name: FieldName,
    table: Uint8Array,
  ): void {
    const scanned = table === FIELD_VALUE;
    let e = end;
    // Plain fields lose their trailing whitespace here (RFC 9110 §5.5) so repeated values hit the
    // cache; framing fields keep it for their grammar (llhttp: HTAB after `chunked` is not OWS).
    if (table === this.#valueTable) {
      while (e > start && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
    }
    const value =
      e === end ? internValue(buf, view, start, end, scanned, name) : latin1(buf, start, e);
    if (name.special !== Special.NONE) this.#framingValue(value);
    // The name's next line compares with this value first if it is strictly valid.
    if (e === end && strictValue(buf, start, end, scanned)) {
      setLast(name, value, view, start, this.#framing);
    }
    this.#emit(name, trimEnd(value));
  }

  /**
   * The state after a field line, `c` being the next byte (at `p`): a byte that can start a field
   * name opens the next one at once (S_FIELD_START's work, without a turn of the loop for it);
   * anything else is left to S_FIELD_START.
   */
  #lineStart(c: number, p: number): number {
    if (c === CR || c === LF || c === 0x3a) return S_FIELD_START;
    if (++this.#headerCount > this.#maxHeaderCount) {
      this.#fail('TOO_MANY_HEADERS', 'Too many header fields', p);
    }
    this.#spanStart = p;
    return S_FIELD;
  }

  /** A field name ended at its colon; llhttp refuses Content-Length with Transfer-Encoding here. */
  #nameComplete(p: number): void {
    this.#value = '';
    const special = this.#name!.special;
    if (this.#lenient & L_CHUNKED_LENGTH) return;
    // RFC 9112 §6.3 rule 3: both present "ought to be handled as an error" (smuggling).
    if (special === Special.CONTENT_LENGTH && this.#flags & F_TRANSFER_ENCODING) {
      this.#fail(
        'INVALID_CONTENT_LENGTH',
        "Content-Length can't be present with Transfer-Encoding",
        p,
      );
    } else if (special === Special.TRANSFER_ENCODING && this.#flags & F_CONTENT_LENGTH) {
      this.#fail(
        'INVALID_TRANSFER_ENCODING',
        "Transfer-Encoding can't be present with Content-Length",
        p,
      );
    }
  }

  /** A value segment (the value, or an obs-fold continuation) starts at `p`. */
  #segmentStart(p: number, fold: boolean): void {
    this.#segmentAbs = this.#offset + p;
    this.#fold = fold;
    switch (this.#name!.special) {
      case Special.CONTENT_LENGTH:
        // llhttp refuses any second Content-Length, even an identical one (RFC 9110 §8.6 would
        // allow identical values; we match llhttp, see README).
        if (this.#flags & F_CONTENT_LENGTH) {
          this.#fail('UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length', p);
        }
        break;
      case Special.TRANSFER_ENCODING:
        // Only the final coding decides chunked (RFC 9112 §6.3 rule 4); each TE field restarts
        // the decision, and an unfolded continuation never ends in a recognised `chunked`.
        this.#flags = (this.#flags | F_TRANSFER_ENCODING) & ~F_CHUNKED;
        break;
      default:
    }
  }

  /**
   * A value segment ended (CR or LF): add it to the value. Kept this small on purpose: what V8
   * inlines into `#run` shares one budget with the `sameBytes` of the field guesses (a bigger
   * version of this left those out of line: +1.8 % instructions per response on the small corpus).
   */
  #segmentEnd(seg: string): void {
    if (this.#fold) {
      this.#foldEnd(seg);
    } else {
      this.#value = seg;
      if (this.#name!.special !== Special.NONE) this.#framingValue(seg);
    }
  }

  /** An obs-fold continuation ended: each whitespace byte of the fold becomes SP (RFC 9112 §5.2). */
  #foldEnd(seg: string): void {
    let i = 0;
    while (i < seg.length && isSpaceOrTab(seg.charCodeAt(i))) i++;
    this.#value += ' '.repeat(i) + seg.slice(i);
    if (this.#name!.special === Special.TRANSFER_ENCODING) {
      // llhttp reads a folded Transfer-Encoding continuation as a plain value: never chunked.
      checkFieldValue(seg, 0, this.#valueTable, this.#segmentAbs);
    } else {
      this.#framingValue(seg);
    }
  }

  /**
   * A framing field's value (or continuation) ended: its grammar (internal/body-framing.ts), or
   * what the grammar made of it last time when it is the name's last value.
   */
  #framingValue(seg: string): void {
    const name = this.#name!;
    const again = seg === name.last;
    switch (name.special) {
      case Special.CONTENT_LENGTH:
        this.#framing = again ? name.lastFraming : contentLength(seg, this.#segmentAbs);
        this.#contentLength = this.#framing;
        this.#flags |= F_CONTENT_LENGTH;
        break;
      case Special.TRANSFER_ENCODING:
        this.#framing = again
          ? name.lastFraming
          : endsChunked(seg, this.#valueTable, this.#segmentAbs)
            ? 1
            : 0;
        if (this.#framing === 1) this.#flags |= F_CHUNKED;
        break;
      case Special.CONNECTION:
        this.#framing = again
          ? name.lastFraming
          : connectionOptions(seg, this.#valueTable, this.#segmentAbs);
        this.#flags |= this.#framing;
        break;
      default:
        this.#framing = 0;
    }
  }

  #emitField(): void {
    this.#emit(this.#name!, trimEnd(this.#value));
    this.#value = '';
  }

  #emit(name: FieldName, value: string): void {
    if (this.#flags & F_TRAILING) this.#onTrailer.call(this.#handler, name.name, value, name.lower);
    else this.#onHeader.call(this.#handler, name.name, value, name.lower);
  }

  /** The blank line after the head or the trailer section was consumed; `p` is the next byte. */
  #sectionDone(p: number): number {
    if (this.#flags & F_TRAILING) return this.#messageComplete();
    return this.#headersComplete(p);
  }

  /** Whether the connection persists after this message, its body framing aside. */
  #persistent(): boolean {
    return persistent(this.#major, this.#minor, this.#flags);
  }

  #headersComplete(p: number): number {
    const status = this.#status;
    const informational = status >= 100 && status < 200 && status !== 101;
    const method =
      this.#methodHead < this.#methods.length
        ? this.#methods[this.#methodHead]!
        : this.#defaultMethod;

    if (informational) {
      // RFC 9110 §15.2: interim responses have no content; the final response follows.
      if (++this.#informational > this.#maxInformational) {
        this.#fail('TOO_MANY_INFORMATIONAL', 'Too many 1xx responses', p);
      }
      this.#keepAlive = this.#persistent();
      this.#onInformational.call(
        this.#handler,
        this.#head(method, BodyKind.NONE, false, this.#offset + p),
      );
      return this.#afterMessage();
    }
    this.#informational = 0;
    const headEnd = this.#offset + p;
    if (this.#methodHead < this.#methods.length) this.#methodHead++;

    // RFC 9110 §15.2.2 (101) and §9.3.6 (2xx to CONNECT): the connection changes protocol.
    let upgrade = switchesProtocol(method, status);
    let kind = bodyKind(method, status, this.#flags, this.#contentLength);
    this.#keepAlive = kind !== BodyKind.UNTIL_EOF && this.#persistent();
    const directive = this.#onHeadersComplete.call(
      this.#handler,
      this.#head(method, kind, upgrade, headEnd),
    );
    if (directive === HeadersDirective.STOP) {
      upgrade = true;
      kind = BodyKind.NONE;
    } else if (directive === HeadersDirective.SKIP_BODY && kind !== BodyKind.NONE) {
      kind = BodyKind.NONE;
      this.#keepAlive = this.#persistent();
    }
    if (upgrade) {
      this.#state = S_UPGRADED;
      this.#upgradeOffset = this.#offset + p;
      this.#onMessageComplete.call(this.#handler, this.#keepAlive);
      return S_UPGRADED;
    }
    switch (kind) {
      case BodyKind.CONTENT_LENGTH:
        this.#remaining = this.#contentLength;
        return S_BODY_CL;
      case BodyKind.CHUNKED:
        return S_CHUNK_SIZE_START;
      case BodyKind.UNTIL_EOF:
        return S_BODY_EOF;
      default:
        return this.#messageComplete();
    }
  }

  #head(method: string, bodyKind: BodyKind, upgrade: boolean, headEnd: number): ResponseHead {
    return {
      versionMajor: this.#major,
      versionMinor: this.#minor,
      status: this.#status,
      reason: this.#reason,
      method,
      keepAlive: this.#keepAlive,
      upgrade,
      bodyKind,
      contentLength: this.#flags & F_CONTENT_LENGTH ? this.#contentLength : -1,
      chunked: (this.#flags & F_CHUNKED) !== 0,
      headStart: this.#headStart,
      headEnd,
    };
  }

  #messageComplete(): number {
    // A trailer section must not frame the message (RFC 9110 §6.5.1); one that tries is not
    // trusted with the next response. As in llhttp, its Connection options count, and so does a
    // Transfer-Encoding field: each restarts the chunked decision (#segmentStart), and a final
    // coding other than chunked reads as a message that ends with the connection.
    if (this.#flags & F_TRAILING) {
      this.#keepAlive = (this.#flags & F_CHUNKED) !== 0 && this.#persistent();
    }
    this.#onMessageComplete.call(this.#handler, this.#keepAlive);
    const next = this.#afterMessage();
    if (!this.#pausing) return next;
    this.#resumeState = next;
    return S_PAUSED;
  }

  #afterMessage(): number {
    if (this.#keepAlive || this.#lenient & L_KEEP_ALIVE) return S_START;
    // RFC 9112 §9.6: nothing may follow a response that closes the connection.
    return S_CLOSED;
  }
}
