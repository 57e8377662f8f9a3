/**
 * gdhttp's ResponseParser behind the same interface as the llhttp oracle
 * (docs/references.md#the-llhttp-oracles), so the differential test and the benchmark can run
 * both side by side. Keep this contract stable.
 *
 * Error `code` is `HPE_` + the ParseError reason (llhttp's names where llhttp has one), `reason` is
 * the message without the offset suffix, `at` the absolute stream offset of the fault.
 * Interim (1xx) responses appear as messages, complete and without body, as llhttp reports them.
 */
import { HeadersDirective, ParseError, ResponseParser } from '../../src/index.js';

/** One parsed response, in the llhttp oracle's shape. */
export interface OracleMessage {
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  body: Uint8Array;
  keepAlive: boolean;
  upgrade: boolean;
  complete: boolean;
}

/** The whole outcome of feeding a stream, in the llhttp oracle's shape. */
export interface OracleResult {
  messages: OracleMessage[];
  error: { code: string; reason: string; at: number } | null;
  bytesParsed: number;
  upgradeAt: number;
}

/** Options, as the llhttp oracle takes them (`lenient: true` = every leniency on). */
export interface OracleOptions {
  method?: string;
  lenient?: boolean;
  maxHeaderSize?: number;
  eof?: boolean;
}

interface Building {
  msg: OracleMessage;
  body: Uint8Array[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!.slice();
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Parse `chunks` (fed one `execute()` each) with gdhttp's parser.
 *
 * @param chunks - the stream, split as it should be fed.
 * @param opts - request method, leniency, head limit, whether EOF follows the last chunk.
 * @returns messages, the first error, bytes consumed and the upgrade offset (-1 if none).
 */
export function parseResponseAll(chunks: Uint8Array[], opts: OracleOptions = {}): OracleResult {
  const { method = 'GET', lenient = false, maxHeaderSize = 0, eof = true } = opts;
  const messages: OracleMessage[] = [];
  const built = new Map<OracleMessage, Uint8Array[]>();
  let cur: Building | null = null;
  const parser = new ResponseParser(
    {
      onMessageBegin() {
        cur = {
          msg: {
            version: '',
            status: 0,
            reason: '',
            headers: [],
            trailers: [],
            body: new Uint8Array(0),
            keepAlive: false,
            upgrade: false,
            complete: false,
          },
          body: [],
        };
        built.set(cur.msg, cur.body);
      },
      onStatus(status, reason, major, minor) {
        cur!.msg.status = status;
        cur!.msg.reason = reason;
        cur!.msg.version = `${major}.${minor}`;
      },
      onHeader(name, value) {
        cur!.msg.headers.push([name, value]);
      },
      onInformational(head) {
        cur!.msg.keepAlive = head.keepAlive;
        cur!.msg.complete = true;
        messages.push(cur!.msg);
      },
      onHeadersComplete(head) {
        cur!.msg.keepAlive = head.keepAlive;
        cur!.msg.upgrade = head.upgrade;
        messages.push(cur!.msg);
        return HeadersDirective.CONTINUE;
      },
      onBody(data) {
        cur!.body.push(data.slice());
      },
      onTrailer(name, value) {
        cur!.msg.trailers.push([name, value]);
      },
      onMessageComplete() {
        cur!.msg.complete = true;
      },
    },
    {
      method,
      lenient,
      ...(maxHeaderSize > 0 ? { maxHeaderSize } : {}),
    },
  );

  let error: OracleResult['error'] = null;
  let bytesParsed = 0;
  let upgradeAt = -1;
  const fail = (err: unknown): void => {
    if (!(err instanceof ParseError)) throw err;
    error = {
      code: `HPE_${err.reason}`,
      reason: err.message.replace(/ \([A-Z_]+ at byte \d+\)$/, ''),
      at: err.offset,
    };
  };
  for (const chunk of chunks) {
    try {
      bytesParsed += parser.execute(chunk);
    } catch (err) {
      fail(err);
      break;
    }
    if (parser.upgraded) {
      upgradeAt = parser.upgradeOffset;
      break;
    }
  }
  if (error === null && upgradeAt < 0 && eof) {
    try {
      parser.finish();
    } catch (err) {
      fail(err);
    }
  }
  for (const m of messages) {
    const parts = built.get(m)!;
    if (parts.length > 0) m.body = concat(parts);
  }
  return { messages, error, bytesParsed, upgradeAt };
}
