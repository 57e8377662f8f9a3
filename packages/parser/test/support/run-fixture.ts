/**
 * Runs a fixture through ResponseParser with chunks as given, in the same result shape as the
 * llhttp oracle (bodies as latin-1 strings so results compare with `toEqual`).
 */
import { HeadersDirective, ParseError, ResponseParser } from '../../src/index.js';
import type { Fixture } from './fixtures.js';

/** The observable outcome of one run. */
export interface RunResult {
  messages: {
    status: number;
    reason: string;
    version: string;
    headers: [string, string][];
    trailers: [string, string][];
    body: string;
    keepAlive: boolean;
    upgrade: boolean;
    complete: boolean;
  }[];
  error: { reason: string; at: number } | null;
  upgradeAt: number;
}

/**
 * Feed `chunks` to a parser configured by the fixture's options.
 *
 * @param fixture - the case (its options are used, not its input).
 * @param chunks - the input, split as it should be fed.
 * @returns messages, error and upgrade offset.
 */
export function runFixture(fixture: Fixture, chunks: Uint8Array[]): RunResult {
  const {
    method = 'GET',
    lenient = false,
    maxHeaderSize,
    maxHeaderCount,
    eof = true,
  } = fixture.options;
  const messages: RunResult['messages'] = [];
  let cur: RunResult['messages'][number] | null = null;
  const parser = new ResponseParser(
    {
      onMessageBegin() {
        cur = {
          status: 0,
          reason: '',
          version: '',
          headers: [],
          trailers: [],
          body: '',
          keepAlive: false,
          upgrade: false,
          complete: false,
        };
      },
      onStatus(status, reason, major, minor) {
        cur!.status = status;
        cur!.reason = reason;
        cur!.version = `${major}.${minor}`;
      },
      onHeader(name, value) {
        cur!.headers.push([name, value]);
      },
      onInformational(head) {
        cur!.keepAlive = head.keepAlive;
        cur!.complete = true;
        messages.push(cur!);
      },
      onHeadersComplete(head) {
        cur!.keepAlive = head.keepAlive;
        cur!.upgrade = head.upgrade;
        messages.push(cur!);
        return HeadersDirective.CONTINUE;
      },
      onBody(data) {
        cur!.body += String.fromCharCode(...data);
      },
      onTrailer(name, value) {
        cur!.trailers.push([name, value]);
      },
      onMessageComplete() {
        cur!.complete = true;
      },
    },
    {
      method,
      lenient,
      ...(maxHeaderSize ? { maxHeaderSize } : {}),
      ...(maxHeaderCount ? { maxHeaderCount } : {}),
    },
  );
  let error: RunResult['error'] = null;
  const record = (err: unknown): void => {
    if (!(err instanceof ParseError)) throw err;
    error = { reason: err.reason, at: err.offset };
  };
  let upgradeAt = -1;
  try {
    for (const chunk of chunks) {
      parser.execute(chunk);
      if (parser.upgraded) {
        upgradeAt = parser.upgradeOffset;
        break;
      }
    }
    if (upgradeAt < 0 && eof) parser.finish();
  } catch (err) {
    record(err);
  }
  return { messages, error, upgradeAt };
}
