// The client's view of one connection's responses. It feeds received bytes to the sans-IO parser
// and keeps what Godot's accessors expose, taking every fact from the parser rather than working
// it out again: the final head (`ResponseHead`: status, version, keep-alive, body kind, length,
// the chunked flag) and where its bytes lie (`headStart/headEnd`, so empty lines before a status
// line or after a 1xx never shift it), kept together as one `ReceivedHead`; and chunk boundaries
// (`onChunkHeader`/`onChunkComplete`), marked on the pieces of the one body queue, so a read
// returns one chunk, as Godot's does.
//
// Two rules keep a complete response whatever TCP does with the bytes around it:
// - The parser is paused at the end of each response (`ResponseParser.pause`), so bytes after it
//   are never parsed as another response; the connection is retired instead (`extra`).
// - An error found after the final head (a malformed chunk, a truncation) is kept in `error`
//   rather than thrown: the head and the body bytes before the error are delivered first.
import { Buffer } from 'node:buffer';
import type { GdhttpError } from '@gdhttp/constants';
import {
  BodyKind,
  HeadersDirective,
  latin1ToBytes,
  ParseError,
  type ResponseHandler,
  type ResponseHead,
  ResponseParser,
} from '@gdhttp/parser';
import { stripEdges } from './godot-rules.js';

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');

/** Limits a {@link ResponseReader} passes to its parser. */
export interface ResponseLimits {
  /** Largest head (and trailer section), in bytes. */
  maxHeaderSize: number;
  /** Most field lines in a head (and trailer section). */
  maxHeaderCount: number;
}

/**
 * One field line as Godot makes its header lines: the bytes decoded as UTF-8 and stripped of
 * characters up to space at both ends. Header lines and trailer lines share this rule.
 */
function godotLine(bytes: Uint8Array): string {
  return stripEdges(utf8.decode(bytes));
}

/**
 * Godot's header lines from a raw head (`http_client_tcp.cpp`): the head split on LF, each line
 * made by {@link godotLine}, empty lines skipped, the status line left out. So `X:value` stays
 * `X:value` and `X:   a  b  ` becomes `X:   a  b`.
 */
export function godotHeaderLines(head: Uint8Array): string[] {
  const out: string[] = [];
  let start = head.indexOf(0x0a) + 1;
  if (start === 0) return out;
  while (start < head.length) {
    let end = head.indexOf(0x0a, start);
    if (end < 0) end = head.length;
    const line = godotLine(head.subarray(start, end));
    if (line.length > 0) out.push(line);
    start = end + 1;
  }
  return out;
}

/**
 * A final response's head as the client keeps it for Godot's accessors: what the parser found
 * (status, version, keep-alive, body kind, Content-Length, the chunked flag) and the head's bytes,
 * which become Godot's header lines on first use. One object, so a new head replaces all of it.
 */
export class ReceivedHead {
  /** The parser's facts about the head. */
  readonly parsed: ResponseHead;
  /** The head's bytes (status line to blank line) until the lines are asked for, then the lines. */
  #source: Uint8Array | string[];

  constructor(parsed: ResponseHead, bytes: Uint8Array) {
    this.parsed = parsed;
    this.#source = bytes;
  }

  /** Godot's header lines ({@link godotHeaderLines}); made once, then only the lines are kept. */
  get lines(): string[] {
    if (this.#source instanceof Uint8Array) this.#source = godotHeaderLines(this.#source);
    return this.#source;
  }
}

/**
 * Body bytes parsed and not read yet: a view of a received input. `continues` is true when the
 * piece holds more of the chunk the piece before it started (chunked bodies only).
 */
interface BodyPiece {
  bytes: Uint8Array;
  readonly continues: boolean;
}

/** Response state of one connection, fed by a {@link ResponseParser} (whose handler it is). */
export class ResponseReader implements ResponseHandler {
  readonly #parser: ResponseParser;
  /** Trailer lines of a chunked response, made as Godot makes header lines. */
  trailers: string[] = [];
  /** The final response's head, once complete. */
  head: ReceivedHead | null = null;
  /** The whole response has been parsed. */
  messageComplete = false;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Why the response broke off after its head (kept, not thrown: the head was delivered). */
  error: GdhttpError | null = null;
  /** Bytes followed the complete response: they answer nothing, so the connection is retired. */
  extra = false;
  /** 1xx interim responses (not 101) to the current request so far: a 100 Continue counts. */
  informational = 0;
  /** The body pieces not read yet, in order, from `#queueStart` on. */
  #queue: BodyPiece[] = [];
  #queueStart = 0;
  #queued = 0;
  /** Inputs fed since `begin()` while the head was incomplete, and the stream offset of the first. */
  #capture: Uint8Array[] = [];
  #captureStart = 0;
  /** A piece of the current chunk was queued: the next piece continues it. */
  #inChunk = false;
  /** A chunk's size line was read and its data has not ended yet. */
  #chunkOpen = false;

  constructor(limits: ResponseLimits) {
    // The reader is the parser's handler: its methods are shared by every connection, where an
    // object of seven closures per connection cost about half a kilobyte (issue 19).
    this.#parser = new ResponseParser(this, limits);
  }

  /** Parser event: the final head is complete. */
  onHeadersComplete(head: ResponseHead): HeadersDirective {
    // The input holding the head's end is already captured (feed() keeps it first).
    this.head = new ReceivedHead(head, this.#headBytes(head));
    this.keepAlive = head.keepAlive;
    return HeadersDirective.CONTINUE;
  }

  /** Parser event: an interim (1xx) response. */
  onInformational(): void {
    this.informational += 1;
  }

  /** Parser event: a chunk-size line was read. */
  onChunkHeader(): void {
    this.#inChunk = false;
    this.#chunkOpen = true;
  }

  /** Parser event: body bytes. */
  onBody(data: Uint8Array): void {
    // Views of the received input, no copy: the transport reads into it again only once the body
    // reader recycles, naming what it still queues (`holds`).
    this.#queue.push({ bytes: data, continues: this.#inChunk });
    this.#inChunk = true;
    this.#queued += data.length;
  }

  /** Parser event: a chunk's data ended. */
  onChunkComplete(): void {
    this.#inChunk = false;
    this.#chunkOpen = false;
  }

  /** Parser event: a trailer field. */
  onTrailer(name: string, value: string): void {
    this.trailers.push(godotLine(latin1ToBytes(`${name}: ${value}`)));
  }

  /** Parser event: the whole response was parsed. */
  onMessageComplete(keepAlive: boolean): void {
    this.keepAlive = keepAlive;
    this.messageComplete = true;
  }

  /** Prepares for the response to a request sent with `method` (a token such as `'HEAD'`). */
  begin(method: string): void {
    this.trailers = [];
    this.head = null;
    this.messageComplete = false;
    this.error = null;
    this.informational = 0;
    this.#capture = [];
    this.#inChunk = false;
    this.#chunkOpen = false;
    this.#parser.resume();
    // Stop at the end of this request's response (1xx do not count): what follows is no answer.
    this.#parser.pause();
    this.#parser.expect(method);
  }

  /** The final head has arrived. */
  get headComplete(): boolean {
    return this.head !== null;
  }

  /** The final response's body is chunked: reads hand it out one chunk at a time. */
  get chunkedBody(): boolean {
    return this.head?.parsed.bodyKind === BodyKind.CHUNKED;
  }

  /**
   * Feeds received bytes. After the final head, a protocol error is kept in {@link error} and
   * the bytes before it stay readable; before it, it is thrown.
   *
   * @throws ParseError when the bytes break the protocol before the final head is complete.
   */
  feed(bytes: Uint8Array): void {
    if (this.head === null) {
      if (this.#capture.length === 0) this.#captureStart = this.#parser.bytesParsed;
      this.#capture.push(bytes);
    }
    let used: number;
    try {
      used = this.#parser.execute(bytes);
    } catch (error) {
      if (this.head === null || !(error instanceof ParseError)) throw error;
      this.breakOff(error);
      return;
    }
    if (used < bytes.length) {
      const rest = bytes.subarray(used);
      if (this.#parser.upgraded) {
        // After 101 or a 2xx to CONNECT the rest is another protocol's: hand it out as body bytes.
        this.#queue.push({ bytes: rest, continues: false });
        this.#queued += rest.length;
      } else {
        // Paused after the complete response: whatever follows answers no request of ours.
        this.extra = true;
        this.keepAlive = false;
      }
    }
  }

  /** The response broke off after its head: nothing more is read on this connection. */
  breakOff(error: GdhttpError): void {
    this.error = error;
    this.keepAlive = false;
  }

  /** The final head's bytes, where the parser says they lie in the captured inputs. */
  #headBytes(head: ResponseHead): Uint8Array {
    const parts = this.#capture;
    this.#capture = [];
    const start = head.headStart - this.#captureStart;
    const end = head.headEnd - this.#captureStart;
    const first = parts[0];
    if (first !== undefined && end <= first.length) {
      // The head's lines are decoded later, on demand, and the transport may read into a
      // recycled buffer again once the body has been read in transient views
      // (HTTPClient.readResponseBodyView(true)). Recycled buffers are plain Uint8Arrays, whose
      // slice() copies; every other input is a Buffer that is never read into again, whose
      // slice() is a view — so only a head that needs the copy pays for it.
      return first.slice(start, end);
    }
    return Buffer.concat(parts).subarray(start, end);
  }

  /** Bytes of another protocol after an upgrade: delivered raw until the connection closes. */
  get upgraded(): boolean {
    return this.#parser.upgraded;
  }

  /**
   * Whether the response may still receive bytes: it is neither complete nor broken off, or it
   * switched protocols (101, a 2xx to CONNECT), whose bytes run until the peer closes.
   */
  get moreToRead(): boolean {
    return (!this.messageComplete && this.error === null) || this.#parser.upgraded;
  }

  /**
   * The connection closed. A response cut short after its head becomes {@link error}.
   *
   * @throws ParseError when that truncates a response whose head had not arrived.
   */
  finish(): void {
    if (this.error !== null) return;
    try {
      this.#parser.finish();
    } catch (error) {
      if (this.head === null || !(error instanceof ParseError)) throw error;
      this.breakOff(error);
    }
  }

  /** True when the body runs until the peer closes. */
  get untilEof(): boolean {
    return this.#parser.needsEof || this.#parser.upgraded;
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
    if (!this.chunkedBody) return Math.min(max, this.#queued);
    const queue = this.#queue;
    let size = 0;
    let i = this.#queueStart;
    do size += queue[i++]!.bytes.length;
    while (i < queue.length && queue[i]!.continues);
    if (size >= max) return max;
    // The front chunk is whole unless it is the one still arriving (and more can arrive).
    const complete = i < queue.length || !this.#chunkOpen || !this.moreToRead;
    return complete ? size : 0;
  }

  /**
   * Takes `readable(max)` parsed body bytes: a view when they lie back to back in one buffer, else
   * one copy. Back to back is the usual case of a chunk in several pieces: the client feeds a
   * read only up to what a body read may still take, so the parser sees one socket read in parts,
   * and a chunk cut there arrives as two pieces of the same memory.
   */
  take(max: number): Uint8Array {
    const n = this.readable(max);
    if (n === 0) return EMPTY;
    const first = this.#queue[this.#queueStart]!.bytes;
    if (first.length >= n) return this.#takeFront(n);
    const joined = this.#joinedView(first, n);
    if (joined !== null) {
      for (let left = n; left > 0; ) {
        left -= this.#takeFront(Math.min(left, this.#queue[this.#queueStart]!.bytes.length)).length;
      }
      return joined;
    }
    // Pieces of different reads: gather them so one call returns as much as it may. Every byte is
    // written below, so the memory need not be zeroed first.
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const front = this.#queue[this.#queueStart]!.bytes;
      const piece = this.#takeFront(Math.min(n - at, front.length));
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /**
   * One view of the `n` queued bytes from `first` (the front piece) on, when the pieces they lie
   * in follow each other in the same memory; else null. The view has the pieces' type: a Buffer
   * for a slab read, a plain Uint8Array for a recycled buffer (whose `slice()` must copy).
   */
  #joinedView(first: Uint8Array, n: number): Uint8Array | null {
    const queue = this.#queue;
    let end = first.byteOffset + first.length;
    for (let i = this.#queueStart + 1; end - first.byteOffset < n; i++) {
      const bytes = queue[i]!.bytes;
      if (bytes.buffer !== first.buffer || bytes.byteOffset !== end) return null;
      end += bytes.length;
    }
    return Buffer.isBuffer(first)
      ? Buffer.from(first.buffer, first.byteOffset, n)
      : new Uint8Array(first.buffer, first.byteOffset, n);
  }

  /** Whether a body piece not taken yet is a view into `buffer`. */
  readonly holds = (buffer: ArrayBufferLike): boolean => {
    for (let i = this.#queueStart; i < this.#queue.length; i++) {
      if (this.#queue[i]!.bytes.buffer === buffer) return true;
    }
    return false;
  };

  /** Takes up to `max` bytes of the front piece as they are: a view, whatever the chunk framing. */
  takePiece(max: number): Uint8Array {
    if (this.#queued === 0) return EMPTY;
    return this.#takeFront(Math.min(max, this.#queue[this.#queueStart]!.bytes.length));
  }

  /** Takes `n` bytes (at most the front piece's length) from the front piece. */
  #takeFront(n: number): Uint8Array {
    const front = this.#queue[this.#queueStart]!;
    const first = front.bytes;
    this.#queued -= n;
    if (n < first.length) {
      front.bytes = first.subarray(n);
      return first.subarray(0, n);
    }
    this.#queueStart++;
    if (this.#queueStart === this.#queue.length) {
      this.#queue = [];
      this.#queueStart = 0;
    }
    return first;
  }

  /** Forgets queued body bytes (a new request starts, or the connection closed). */
  clearBody(): void {
    this.#queue = [];
    this.#queueStart = 0;
    this.#queued = 0;
  }
}
