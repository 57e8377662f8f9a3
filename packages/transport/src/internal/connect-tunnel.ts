import { HeadersDirective, ParseError, ResponseParser } from '@gdhttp/parser';
import { authorityOf } from '../authority-of.js';
import { ProxyError } from '../proxy-error.js';
import type { TunnelTarget } from '../stream-peer-tcp.js';
import { nodeCodeOf } from '../transport-error.js';
import type { ByteQueue } from './byte-queue.js';

/** Most answer bytes handed to the parser at once: it needs only the head, at most 16 KiB. */
const READ_WINDOW = 16 * 1024;

/** Where a CONNECT negotiation stands after reading what has arrived. */
export type TunnelProgress = 'waiting' | 'open' | ProxyError;

/**
 * One CONNECT negotiation with an HTTP proxy (RFC 9110 §9.3.6): the request that asks for the
 * tunnel, and the reading of the proxy's answer.
 *
 * The answer is read with the parser's `ResponseParser`, so it obeys the same grammar and limits
 * as every response gdhttp reads (CRLF line ends only, no bare CR, NUL or obs-fold, a 16 KiB
 * head, conflicting or malformed framing fields refused), and adds the CONNECT rules: interim 1xx
 * answers are skipped, any 2xx opens the tunnel, 101 cannot apply to CONNECT and is refused, as is
 * any other status, with the status kept on the {@link ProxyError}. Only heads are consumed: a
 * refusal's body is never read (the connection is closed anyway), and the bytes after a 2xx head
 * stay queued, since they are the target's first bytes (a TLS ServerHello can arrive in the same
 * segment). The deadline is the peer's; {@link timedOut} words it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.6
 */
export class ConnectTunnel {
  readonly #proxy: string;
  readonly #target: string;
  readonly #authorization: string | undefined;
  readonly #parser: ResponseParser;
  /** The status of the final answer once its head was read, else -1. */
  #status = -1;

  /**
   * @param proxyHost - the proxy's host, as given to `connectToHost()`.
   * @param proxyPort - the proxy's port.
   * @param target - the tunnel's target and optional `Proxy-Authorization` value.
   */
  constructor(proxyHost: string, proxyPort: number, target: TunnelTarget) {
    this.#proxy = authorityOf(proxyHost, proxyPort);
    this.#target = authorityOf(target.host, target.port);
    this.#authorization = target.proxyAuthorization;
    this.#parser = new ResponseParser(
      {
        // Interim 1xx answers precede the real one (RFC 9110 §15.2): the parser skips them.
        onHeadersComplete: (head) => {
          this.#status = head.status;
          // A 2xx to CONNECT stops the parser by itself; any other answer stops it too, so a
          // refusal's body is never waited for.
          return HeadersDirective.STOP;
        },
      },
      { method: 'CONNECT' },
    );
  }

  /** The request head: `CONNECT target HTTP/1.1`, `Host` and the optional credentials. */
  request(): Uint8Array {
    // RFC 9110 §9.3.6 / RFC 9112 §3.2.3: authority-form target, and Host names the same
    // authority (Godot sends `Host: :-1` here; we do not reproduce that).
    let head = `CONNECT ${this.#target} HTTP/1.1\r\nHost: ${this.#target}\r\n`;
    if (this.#authorization !== undefined) {
      head += `Proxy-Authorization: ${this.#authorization}\r\n`;
    }
    return Buffer.from(`${head}\r\n`, 'latin1');
  }

  /**
   * Reads what has arrived of the proxy's answer from the front of `queue`, consuming the answer's
   * heads and nothing after them.
   *
   * @param queue - the connection's received bytes.
   * @returns `waiting` for more bytes, `open` once a 2xx opened the tunnel (what follows it is
   *   still queued), or the ProxyError that ends the attempt.
   */
  read(queue: ByteQueue): TunnelProgress {
    while (this.#status === -1 && queue.length > 0) {
      const bytes = queue.peek(READ_WINDOW);
      let used: number;
      try {
        used = this.#parser.execute(bytes);
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        return this.#invalid(error.message, error);
      }
      queue.skip(used);
      if (used < bytes.byteLength) break;
    }
    const status = this.#status;
    if (status === -1) return 'waiting';
    // The grammar reads any three digits; a status below 100 is no HTTP status (RFC 9110 §15).
    if (status < 100) return this.#invalid(`status code ${status} is out of range`);
    // Any 2xx opens the tunnel (RFC 9110 §9.3.6).
    if (status >= 200 && status < 300) return 'open';
    return new ProxyError(
      `proxy ${this.#proxy} refused CONNECT ${this.#target} with status ${status}`,
      status,
    );
  }

  /**
   * The failure of a proxy that closed the connection, or whose socket failed, before its answer
   * was read.
   *
   * @param cause - the socket's error, if any.
   * @returns the error.
   */
  closed(cause: Error | null): ProxyError {
    const code = nodeCodeOf(cause);
    return new ProxyError(
      `proxy ${this.#proxy} closed the connection before answering CONNECT${code === '' ? '' : ` (${code})`}`,
      0,
      { cause: cause ?? undefined },
    );
  }

  /**
   * The failure of a proxy that did not answer in time.
   *
   * @param seconds - the deadline that passed.
   * @returns the error.
   */
  timedOut(seconds: number): ProxyError {
    return new ProxyError(
      `proxy ${this.#proxy} did not answer CONNECT ${this.#target} within ${seconds} s`,
      0,
    );
  }

  #invalid(detail: string, cause?: ParseError): ProxyError {
    return new ProxyError(
      `proxy ${this.#proxy} sent an invalid answer to CONNECT: ${detail}`,
      0,
      cause === undefined ? undefined : { cause },
    );
  }
}
