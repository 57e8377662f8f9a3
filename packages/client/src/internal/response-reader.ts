// The client's view of one connection's responses: it feeds bytes to the sans-IO parser and keeps
// what Godot's accessors expose (code, header lines, body length, chunked flag) plus the body
// bytes already parsed but not yet handed out by readResponseBodyChunk().
import { Buffer } from 'node:buffer';
import {
  BodyKind,
  HeadersDirective,
  type ParseError,
  type ResponseHead,
  ResponseParser,
  type ResponseParserOptions,
} from '@gdhttp/parser';
import { stripEdges } from './godot-rules.js';

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');

/** Index just past the `count`-th CRLF CRLF in `bytes`, or -1. */
function endOfHead(bytes: Uint8Array, count: number): number {
  let seen = 0;
  for (let i = 3; i < bytes.length; i++) {
    if (
      bytes[i] === 0x0a &&
      bytes[i - 1] === 0x0d &&
      bytes[i - 2] === 0x0a &&
      bytes[i - 3] === 0x0d &&
      ++seen === count
    ) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * Godot's header lines from a raw head (`http_client_tcp.cpp`): the head decoded as UTF-8, split
 * on LF, each line stripped of characters up to space at both ends, empty lines skipped, the
 * status line left out. So `X:value` stays `X:value` and `X:   a  b  ` becomes `X:   a  b`.
 */
export function godotHeaderLines(head: Uint8Array): string[] {
  const lines = utf8.decode(head).split('\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = stripEdges(lines[i]!);
    if (line.length > 0) out.push(line);
  }
  return out;
}

/** Response state of one connection, fed by a {@link ResponseParser}. */
export class ResponseReader {
  readonly #parser: ResponseParser;
  /** Status code of the response being read (0 before its status line). */
  code = 0;
  /** Header lines `"Name: value"` of the final response, in order. */
  headers: string[] = [];
  /** Trailer lines of a chunked response. */
  trailers: string[] = [];
  /** The head of the final response is complete. */
  headComplete = false;
  /** The whole response has been parsed. */
  messageComplete = false;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** The parsed head, once complete. */
  head: ResponseHead | null = null;
  /** A response began while no request was outstanding (RFC 9112 §9.? unsolicited response). */
  unsolicited = false;
  /** The final response's raw head (status line to blank line), once complete. */
  rawHead: Uint8Array | null = null;
  /** The last Transfer-Encoding field of the final response ends with `chunked`. */
  teChunked = false;
  #outstanding = false;
  #queue: Uint8Array[] = [];
  /** `#joins[i]`: piece i continues the chunk of piece i - 1 (chunked bodies only). */
  #joins: boolean[] = [];
  #queueStart = 0;
  #queued = 0;
  /** Bytes fed since `begin()` while the head was incomplete. */
  #capture: Uint8Array[] = [];
  #informational = 0;
  /** The input being parsed, to tell where a body piece lies in it. */
  #input: Uint8Array = EMPTY;
  /** The last chunk piece reached the end of its input: the chunk may go on in the next one. */
  #openChunk = false;
  /** The current input held a chunk piece. */
  #sawPiece = false;

  constructor(options: ResponseParserOptions) {
    this.#parser = new ResponseParser(
      {
        onMessageBegin: () => {
          if (!this.#outstanding) this.unsolicited = true;
          this.code = 0;
          this.headers = [];
          this.trailers = [];
          this.teChunked = false;
        },
        onStatus: (status) => {
          this.code = status;
        },
        onHeader: (name, value, lower) => {
          this.headers.push(`${name}: ${value}`);
          if (lower === 'transfer-encoding') {
            this.teChunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(value);
          }
        },
        onInformational: () => {
          // An interim 1xx response is skipped (RFC 9110 §15.2); its fields are not the final ones.
          this.headers = [];
          this.code = 0;
          this.teChunked = false;
          this.#informational++;
        },
        onHeadersComplete: (head) => {
          this.head = head;
          this.headComplete = true;
          this.keepAlive = head.keepAlive;
          return HeadersDirective.CONTINUE;
        },
        onBody: (data) => {
          // Views alias the transport's received chunk, which is never reused: no copy needed.
          let join = false;
          if (this.head?.bodyKind === BodyKind.CHUNKED) {
            // Chunk boundaries are kept, so a read never joins two chunks (Godot returns one chunk
            // per read): a piece continues the previous chunk only when that one reached the end
            // of its input and this one starts the next input (any framing byte would lie between).
            const input = this.#input;
            const at = data.byteOffset - input.byteOffset;
            join = this.#openChunk && at === 0 && data.buffer === input.buffer;
            this.#sawPiece = true;
            this.#openChunk = data.buffer === input.buffer && at + data.length === input.length;
          }
          this.#queue.push(data);
          this.#joins.push(join);
          this.#queued += data.length;
        },
        onTrailer: (name, value) => {
          this.trailers.push(`${name}: ${value}`);
        },
        onMessageComplete: (keepAlive) => {
          this.keepAlive = keepAlive;
          this.messageComplete = true;
          this.#outstanding = false;
        },
      },
      options,
    );
  }

  /** Prepares for the response to a request sent with `method` (a token such as `'HEAD'`). */
  begin(method: string): void {
    this.code = 0;
    this.headers = [];
    this.trailers = [];
    this.head = null;
    this.rawHead = null;
    this.teChunked = false;
    this.headComplete = false;
    this.messageComplete = false;
    this.#capture = [];
    this.#informational = 0;
    this.#openChunk = false;
    this.#outstanding = true;
    this.#parser.expect(method);
  }

  /** Feeds received bytes. @throws ParseError */
  feed(bytes: Uint8Array): void {
    const capturing = !this.headComplete && this.#outstanding;
    if (capturing) this.#capture.push(bytes);
    this.#sawPiece = false;
    this.#input = bytes;
    const used = this.#parser.execute(bytes);
    this.#input = EMPTY;
    // Framing bytes and no data: the open chunk ended with the previous input.
    if (!this.#sawPiece && bytes.length > 0) this.#openChunk = false;
    if (capturing && this.headComplete) this.#keepRawHead();
    if (used < bytes.length && this.#parser.upgraded) {
      // After 101 or a 2xx to CONNECT the rest is another protocol's: hand it out as body bytes.
      const rest = bytes.subarray(used);
      this.#queue.push(rest);
      this.#joins.push(false);
      this.#queued += rest.length;
    }
  }

  /** Keeps the final head's bytes: everything captured up to its blank line. */
  #keepRawHead(): void {
    const parts = this.#capture;
    this.#capture = [];
    let all: Uint8Array;
    if (parts.length === 1) {
      all = parts[0]!;
    } else {
      all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
    }
    // Skipped 1xx heads come first: the final head starts after their blank lines.
    const start = this.#informational === 0 ? 0 : endOfHead(all, this.#informational);
    const end = endOfHead(all, this.#informational + 1);
    this.rawHead = start < 0 || end < 0 ? null : all.subarray(start, end);
  }

  /** Bytes of another protocol after an upgrade: delivered raw until the connection closes. */
  get upgraded(): boolean {
    return this.#parser.upgraded;
  }

  /**
   * Whether the response may still receive bytes: its message is not complete, or it switched
   * protocols (101, a 2xx to CONNECT), whose bytes run until the peer closes.
   */
  get moreToRead(): boolean {
    return !this.messageComplete || this.#parser.upgraded;
  }

  /** The connection closed. @throws ParseError when that truncates a response. */
  finish(): void {
    this.#parser.finish();
  }

  /** The parser's sticky error, if it refused the stream. */
  error: ParseError | null = null;

  /** True when the body runs until the peer closes. */
  get untilEof(): boolean {
    return this.head?.bodyKind === BodyKind.UNTIL_EOF || this.#parser.upgraded;
  }

  /** Body bytes parsed and not yet taken. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * How many bytes `take(max)` would return now. A chunked body is handed out one chunk at a time,
   * as Godot does: a chunk is returned whole once it has arrived, or in `max`-byte pieces when it is
   * larger (Godot ignores its read_chunk_size there); 0 while a smaller chunk is still arriving.
   */
  readable(max: number): number {
    if (this.#queued === 0) return 0;
    if (this.head?.bodyKind !== BodyKind.CHUNKED) return Math.min(max, this.#queued);
    let size = this.#queue[this.#queueStart]!.length;
    let i = this.#queueStart + 1;
    while (i < this.#queue.length && this.#joins[i]) size += this.#queue[i++]!.length;
    if (size >= max) return max;
    const complete = i < this.#queue.length || !this.#openChunk || this.messageComplete;
    return complete ? size : 0;
  }

  /** Takes `readable(max)` parsed body bytes: a view when they lie in one piece, else one copy. */
  take(max: number): Uint8Array {
    const n = this.readable(max);
    if (n === 0) return EMPTY;
    if (this.#queue[this.#queueStart]!.length >= n) return this.#takeFront(n);
    // Several pieces: gather them so one call returns as much as it may. Every byte is written
    // below, so the memory need not be zeroed first (a 64 KiB body read joins two socket reads
    // on every call once the head has shifted the body off the read boundaries).
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const front = this.#queue[this.#queueStart]!;
      const piece = this.#takeFront(Math.min(n - at, front.length));
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Takes up to `max` bytes of the front piece as they are: a view, whatever the chunk framing. */
  takePiece(max: number): Uint8Array {
    if (this.#queued === 0) return EMPTY;
    return this.#takeFront(Math.min(max, this.#queue[this.#queueStart]!.length));
  }

  /** Takes `n` bytes (at most the front piece's length) from the front piece. */
  #takeFront(n: number): Uint8Array {
    const first = this.#queue[this.#queueStart]!;
    this.#queued -= n;
    if (n < first.length) {
      this.#queue[this.#queueStart] = first.subarray(n);
      return first.subarray(0, n);
    }
    this.#queueStart++;
    if (this.#queueStart === this.#queue.length) {
      this.#queue = [];
      this.#joins = [];
      this.#queueStart = 0;
    }
    return first;
  }

  /** Forgets queued body bytes (a new request starts, or the connection closed). */
  clearBody(): void {
    this.#queue = [];
    this.#joins = [];
    this.#queueStart = 0;
    this.#queued = 0;
    this.#openChunk = false;
  }
}
