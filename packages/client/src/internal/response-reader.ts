// The client's view of one connection's responses: it feeds bytes to the sans-IO parser and keeps
// what Godot's accessors expose (code, header lines, body length, chunked flag) plus the body
// bytes already parsed but not yet handed out by readResponseBodyChunk().
import {
  BodyKind,
  HeadersDirective,
  type ParseError,
  type ResponseHead,
  ResponseParser,
  type ResponseParserOptions,
} from '@gdhttp/parser';

const EMPTY = new Uint8Array(0);

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
  #outstanding = false;
  #queue: Uint8Array[] = [];
  #queueStart = 0;
  #queued = 0;

  constructor(options: ResponseParserOptions) {
    this.#parser = new ResponseParser(
      {
        onMessageBegin: () => {
          if (!this.#outstanding) this.unsolicited = true;
          this.code = 0;
          this.headers = [];
          this.trailers = [];
        },
        onStatus: (status) => {
          this.code = status;
        },
        onHeader: (name, value) => {
          this.headers.push(`${name}: ${value}`);
        },
        onInformational: () => {
          // An interim 1xx response is skipped (RFC 9110 §15.2); its fields are not the final ones.
          this.headers = [];
          this.code = 0;
        },
        onHeadersComplete: (head) => {
          this.head = head;
          this.headComplete = true;
          this.keepAlive = head.keepAlive;
          return HeadersDirective.CONTINUE;
        },
        onBody: (data) => {
          // Views alias the transport's received chunk, which is never reused: no copy needed.
          this.#queue.push(data);
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
    this.headComplete = false;
    this.messageComplete = false;
    this.#outstanding = true;
    this.#parser.expect(method);
  }

  /** Feeds received bytes. @throws ParseError */
  feed(bytes: Uint8Array): void {
    const used = this.#parser.execute(bytes);
    if (used < bytes.length && this.#parser.upgraded) {
      // After 101 or a 2xx to CONNECT the rest is another protocol's: hand it out as body bytes.
      const rest = bytes.subarray(used);
      this.#queue.push(rest);
      this.#queued += rest.length;
    }
  }

  /** Bytes of another protocol after an upgrade: delivered raw until the connection closes. */
  get upgraded(): boolean {
    return this.#parser.upgraded;
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

  /** Takes up to `max` parsed body bytes: a view when they lie in one piece, else one copy. */
  take(max: number): Uint8Array {
    if (this.#queued === 0) return EMPTY;
    const first = this.#queue[this.#queueStart]!;
    if (first.length <= max) {
      this.#queueStart++;
      this.#queued -= first.length;
      if (this.#queueStart === this.#queue.length) {
        this.#queue = [];
        this.#queueStart = 0;
      }
      if (first.length === max || this.#queued === 0) return first;
      // Several small pieces: gather up to `max` so one call returns as much as it may.
      const out = new Uint8Array(Math.min(max, first.length + this.#queued));
      out.set(first, 0);
      let at = first.length;
      while (at < out.length) {
        const next = this.take(out.length - at);
        out.set(next, at);
        at += next.length;
      }
      return out;
    }
    this.#queue[this.#queueStart] = first.subarray(max);
    this.#queued -= max;
    return first.subarray(0, max);
  }

  /** Forgets queued body bytes (a new request starts, or the connection closed). */
  clearBody(): void {
    this.#queue = [];
    this.#queueStart = 0;
    this.#queued = 0;
  }
}
