import { ErrorCode } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { ParseError } from './parse-error.js';
import {
  BodyKind,
  HeadersDirective,
  type ResponseHead,
  ResponseParser,
} from './response-parser.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

function collect(opts: ConstructorParameters<typeof ResponseParser>[1] = {}) {
  const events: string[] = [];
  const heads: ResponseHead[] = [];
  const parser = new ResponseParser(
    {
      onStatus: (status, reason) => events.push(`status ${status} ${reason}`),
      onHeader: (name, value, lower) => events.push(`header ${name}=${value} (${lower})`),
      onInformational: (head) => events.push(`interim ${head.status}`),
      onHeadersComplete: (head) => {
        heads.push(head);
        events.push(`head kind=${head.bodyKind} ka=${head.keepAlive}`);
      },
      onBody: (data) => events.push(`body ${text(data)}`),
      onTrailer: (name, value) => events.push(`trailer ${name}=${value}`),
      onMessageComplete: (keepAlive) => events.push(`done ${keepAlive}`),
    },
    opts,
  );
  return { parser, events, heads };
}

describe('ResponseParser', () => {
  it('hands out the body as views of the input when Content-Length frames it', () => {
    const input = enc('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    let view: Uint8Array | undefined;
    const parser = new ResponseParser({ onBody: (d) => (view = d) });
    expect(parser.execute(input)).toBe(input.length);
    expect(view!.buffer).toBe(input.buffer);
    expect(text(view!)).toBe('hello');
  });

  it('reports lower-cased names and trims field values when headers arrive', () => {
    const { parser, events } = collect();
    parser.execute(enc('HTTP/1.1 204 No Content\r\nX-Thing:  a b \t\r\n\r\n'));
    expect(events).toEqual([
      'status 204 No Content',
      'header X-Thing=a b (x-thing)',
      'head kind=0 ka=true',
      'done true',
    ]);
  });

  it('frames each pipelined response by the method queued with expect()', () => {
    const { parser, events } = collect();
    parser.expect('HEAD');
    parser.expect('GET');
    parser.execute(
      enc(
        'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
      ),
    );
    expect(events.filter((e) => e.startsWith('body') || e.startsWith('done'))).toEqual([
      'done true',
      'body abc',
      'done true',
    ]);
  });

  it('skips 1xx interim responses and reports them through onInformational', () => {
    const { parser, events } = collect();
    parser.execute(
      enc('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    );
    expect(events).toContain('interim 100');
    expect(events.at(-1)).toBe('done true');
  });

  it('stops after the head of a 2xx answer to CONNECT and reports the tunnel offset', () => {
    const { parser } = collect({ method: 'CONNECT' });
    const head = 'HTTP/1.1 200 Connection established\r\n\r\n';
    const consumed = parser.execute(enc(`${head}\x16\x03\x01`));
    expect(consumed).toBe(head.length);
    expect(parser.upgraded).toBe(true);
    expect(parser.upgradeOffset).toBe(head.length);
    expect(parser.execute(enc('more'))).toBe(0);
  });

  it('skips the body when onHeadersComplete returns SKIP_BODY', () => {
    const parser = new ResponseParser({ onHeadersComplete: () => HeadersDirective.SKIP_BODY });
    parser.execute(enc('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'));
    expect(parser.idle).toBe(true);
  });

  it('completes a close-delimited body on finish()', () => {
    const { parser, events, heads } = collect();
    parser.execute(enc('HTTP/1.0 200 OK\r\n\r\nuntil close'));
    expect(heads[0]!.bodyKind).toBe(BodyKind.UNTIL_EOF);
    expect(parser.needsEof).toBe(true);
    parser.finish();
    expect(events.slice(-2)).toEqual(['body until close', 'done false']);
  });

  it('throws a sticky ParseError with reason and absolute offset when the input is invalid', () => {
    const parser = new ResponseParser();
    parser.execute(enc('HTTP/1.1 200 OK\r\n'));
    let caught: unknown;
    try {
      parser.execute(enc('Content-Length: 1\r\nContent-Length: 1\r\n\r\n'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParseError);
    const err = caught as ParseError;
    expect(err.reason).toBe('UNEXPECTED_CONTENT_LENGTH');
    expect(err.offset).toBe(17 + 19 + 16);
    expect(err.code).toBe(ErrorCode.CONNECTION_ERROR);
    expect(() => parser.execute(enc('x'))).toThrow(err);
  });

  it('raises INVALID_EOF_STATE when the connection closes inside a body', () => {
    const parser = new ResponseParser();
    parser.execute(enc('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc'));
    expect(() => parser.finish()).toThrow(/INVALID_EOF_STATE/);
  });

  it('refuses a head over maxHeaderSize at the first byte past the limit', () => {
    const parser = new ResponseParser({}, { maxHeaderSize: 32 });
    try {
      parser.execute(enc(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(40)}\r\n\r\n`));
      expect.unreachable();
    } catch (err) {
      expect((err as ParseError).reason).toBe('HEADER_OVERFLOW');
      expect((err as ParseError).offset).toBe(32);
    }
  });

  it('refuses more fields than maxHeaderCount', () => {
    const parser = new ResponseParser({}, { maxHeaderCount: 2 });
    expect(() => parser.execute(enc('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n'))).toThrow(
      /TOO_MANY_HEADERS/,
    );
  });

  it('refuses an interim response flood past maxInformational', () => {
    const parser = new ResponseParser({}, { maxInformational: 3 });
    expect(() => parser.execute(enc('HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(4)))).toThrow(
      /TOO_MANY_INFORMATIONAL/,
    );
  });

  it('ends the connection after a trailer section that names framing (Connection, Transfer-Encoding)', () => {
    // RFC 9110 §6.5.1: a trailer field must not frame the message. A response that sends one is
    // not trusted with the next: as llhttp, a trailer `Connection: close` or a Transfer-Encoding
    // whose final coding is not chunked ends the connection, and bytes after it are refused.
    const body = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n';
    const next = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    for (const [trailers, keepAlive] of [
      ['X-Checksum: 1\r\n', true],
      ['Transfer-Encoding: gzip, chunked\r\n', true],
      ['Transfer-Encoding: gzip\r\n', false],
      ['Transfer-Encoding: chunked, gzip\r\n', false],
      ['Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n', false],
      ['Connection: close\r\n', false],
    ] as const) {
      const { parser, events } = collect();
      parser.execute(enc(`${body}${trailers}\r\n`));
      expect(events.at(-1), trailers).toBe(`done ${keepAlive}`);
      if (keepAlive) {
        expect(parser.execute(enc(next)), trailers).toBe(next.length);
      } else {
        expect(() => parser.execute(enc(next)), trailers).toThrow(/CLOSED_CONNECTION/);
      }
    }
  });

  it("counts a trailer section's Connection options as the head's, as llhttp does", () => {
    // HTTP/1.0 persists only with keep-alive; a trailer `keep-alive` counts (llhttp 9.3.1 then
    // parses the next response too), and a trailer `close` does not undo the head's keep-alive.
    const next = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    for (const [head, trailers, keepAlive] of [
      ['', '', false],
      ['', 'Connection: keep-alive\r\n', true],
      ['Connection: keep-alive\r\n', 'Connection: close\r\n', true],
    ] as const) {
      const { parser, events } = collect();
      parser.execute(
        enc(`HTTP/1.0 200 OK\r\n${head}Transfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n`),
      );
      expect(events.at(-1), head + trailers).toBe(`done ${keepAlive}`);
      if (keepAlive) expect(parser.execute(enc(next))).toBe(next.length);
      else expect(() => parser.execute(enc(next))).toThrow(/CLOSED_CONNECTION/);
    }
  });

  it('refuses chunk extensions longer than maxChunkExtensionSize', () => {
    const parser = new ResponseParser({}, { maxChunkExtensionSize: 8 });
    const input = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'a'.repeat(20)}\r\n`;
    expect(() => parser.execute(enc(input))).toThrow(/CHUNK_EXTENSIONS_OVERFLOW/);
  });
});

describe('ResponseParser queue', () => {
  it('keeps the queued method for the final response when interim responses come first', () => {
    const heads: ResponseHead[] = [];
    const parser = new ResponseParser({ onHeadersComplete: (h) => void heads.push(h) });
    parser.expect('HEAD');
    parser.execute(
      enc('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'),
    );
    expect(heads[0]!.method).toBe('HEAD');
    expect(heads[0]!.bodyKind).toBe(BodyKind.NONE);
    expect(parser.idle).toBe(true);
  });

  it('gives the same value whether an obs-fold arrives whole or split, when lenient', () => {
    const values: string[] = [];
    const parser = new ResponseParser(
      { onHeader: (_n, v) => void values.push(v) },
      { lenient: { headers: true } },
    );
    const input = enc('HTTP/1.1 204 No Content\r\nX: a\r\n\tb\r\n\r\n');
    for (let i = 0; i < input.length; i++) parser.execute(input.subarray(i, i + 1));
    expect(values).toEqual(['a b']);
  });
});

describe('ResponseParser strings and caches', () => {
  it('reads a repeated value exactly, whatever follows the bytes it repeats', () => {
    const values = (head: string, lenient = false): string[] => {
      const got: string[] = [];
      const parser = new ResponseParser(
        { onHeader: (name, value) => void (name === 'X-Repeat' && got.push(value)) },
        lenient ? { lenient: { headers: true } } : {},
      );
      parser.execute(enc(`HTTP/1.1 204 No Content\r\n${head}\r\n`));
      return got;
    };
    // Warm the caches: the name then remembers `abc def` as its last value.
    for (let i = 0; i < 3; i++) expect(values('X-Repeat: abc def\r\n')).toEqual(['abc def']);
    expect(values('X-Repeat: abc def\r\n')).toEqual(['abc def']);
    expect(values('X-Repeat: abc def \t\r\n')).toEqual(['abc def']);
    expect(values('X-Repeat: abc defg\r\n')).toEqual(['abc defg']);
    expect(values('X-Repeat: abc de\r\n')).toEqual(['abc de']);
    expect(values('X-Repeat: abc def\r\n\tg\r\n', true)).toEqual(['abc def g']);
    expect(() => values('X-Repeat: abc def\r\n\tg\r\n')).toThrow(ParseError);
    expect(() => values('X-Repeat: abc def\rX\r\n')).toThrow(ParseError);
    expect(() => values('X-Repeat: abc def\r\n')).not.toThrow();
  });

  it('reads every field name exactly when the order of names changes between heads', () => {
    const { parser, events } = collect({ lenient: { headers: true } });
    const head = (lines: string) => `HTTP/1.1 204 No Content\r\n${lines}\r\n`;
    parser.execute(enc(head('X-One: 1\r\nX-Two: 2\r\nContent-Length: 0\r\n').repeat(3)));
    events.length = 0;
    parser.execute(
      enc(
        head('X-On: 1\r\nX-One2: 2\r\nx-one: 3\r\nX-Two: 4\r\nX-One: 5\r\n') +
          head('X-One: 6\r\nContent-Length : 0\r\nX-Two: 7\r\n'),
      ),
    );
    expect(events.filter((e) => e.startsWith('header'))).toEqual([
      'header X-On=1 (x-on)',
      'header X-One2=2 (x-one2)',
      'header x-one=3 (x-one)',
      'header X-Two=4 (x-two)',
      'header X-One=5 (x-one)',
      'header X-One=6 (x-one)',
      'header Content-Length=0 (content-length)',
      'header X-Two=7 (x-two)',
    ]);
  });

  it('builds the same latin-1 strings from a Node Buffer as from a Uint8Array, whole or split', () => {
    // Every byte value a reason phrase or a lenient field value may hold, in long and short spans.
    const high = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => 0x80 + i));
    const head =
      `HTTP/1.1 200 OK \x80\x9f\xff reason phrase\r\nX-High: ${high}\r\nX-Short: \x85\xa0!\r\n` +
      `X-Mixed: a\x9fb ${high.slice(0, 20)} \r\nX-Ctl: a\x01b${high.slice(30, 60)}\r\nContent-Length: 0\r\n\r\n`;
    const bytes = enc(head);
    const run = (feed: (parser: ResponseParser) => void): string[] => {
      const events: string[] = [];
      const parser = new ResponseParser(
        {
          onStatus: (_s, reason) => void events.push(reason),
          onHeader: (name, value) => void events.push(`${name}=${value}`),
        },
        { lenient: { headerValueRelaxed: true } },
      );
      feed(parser);
      return events;
    };
    const expected = run((parser) => parser.execute(bytes));
    expect(expected).toEqual([
      'OK \x80\x9f\xff reason phrase',
      `X-High=${high}`,
      'X-Short=\x85\xa0!',
      `X-Mixed=a\x9fb ${high.slice(0, 20)}`,
      `X-Ctl=a\x01b${high.slice(30, 60)}`,
      'Content-Length=0',
    ]);
    const buffer = Buffer.from(bytes);
    for (let round = 0; round < 3; round++) {
      expect(run((parser) => parser.execute(buffer))).toEqual(expected);
      expect(
        run((parser) => {
          for (let i = 0; i < buffer.length; i += 7) parser.execute(buffer.subarray(i, i + 7));
        }),
      ).toEqual(expected);
    }
  });
});

describe('ResponseParser strings and caches, values that change', () => {
  it('reads every value exactly while they change, repeat, and change again, in any split', () => {
    // Per-response values (dates, ids, lengths) first, then values that repeat, then change
    // again: the name caches go volatile and back; every value must still be read exactly.
    const lengths = [0, 13, 100, 7, 13];
    const responses: { head: string; fields: string[]; body: string }[] = [];
    for (let i = 0; i < 240; i++) {
      const steady = i >= 120 && i < 180;
      const date = `Mon, 07 Dec 2026 ${steady ? '07:00:00' : `0${i % 10}:${String(i % 60).padStart(2, '0')}:1${i % 10}`} GMT`;
      const id = steady
        ? 'f00dfeed-0000'
        : `${(i * 2654435761).toString(16).padStart(8, '0')}-${i}`;
      const length = lengths[i % lengths.length]!;
      const fields = [
        `Date: ${date}`,
        `Content-Length: ${length}`,
        `X-Id: ${id}`,
        `Connection: ${i % 3 === 0 ? 'keep-alive' : 'Keep-Alive'}`,
      ];
      responses.push({
        head: `HTTP/1.1 200 OK\r\n${fields.join('\r\n')}\r\n\r\n`,
        fields: fields.map((f) => f.replace(': ', '=')),
        body: 'x'.repeat(length),
      });
    }
    const all = responses.map((r) => r.head + r.body).join('');
    const expected = responses.flatMap((r) => [...r.fields, `body ${r.body.length}`]);
    const run = (chunks: Uint8Array[]) => {
      const got: string[] = [];
      let body = 0;
      const parser = new ResponseParser({
        onHeader: (name, value) => void got.push(`${name}=${value}`),
        onBody: (data) => {
          body += data.length;
        },
        onMessageComplete: () => {
          got.push(`body ${body}`);
          body = 0;
        },
      });
      for (const c of chunks) parser.execute(c);
      return got;
    };
    // A Buffer that starts off a word boundary of its memory, whole and in odd pieces.
    const bytes = Buffer.from(` ${all}`, 'latin1').subarray(1);
    expect(run([bytes])).toEqual(expected);
    for (const size of [7, 64, 1000]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(run(chunks)).toEqual(expected);
    }
    expect(run([enc(all)])).toEqual(expected);
  });
});

describe('ResponseParser: what a client needs from it', () => {
  it('stops after the response when paused, leaving the bytes that follow unconsumed', () => {
    const { parser, events } = collect();
    parser.pause();
    const input = enc(
      'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    );
    const used = parser.execute(input);
    expect(used).toBe('HTTP/1.1 204 No Content\r\n\r\n'.length);
    expect(parser.paused).toBe(true);
    expect(parser.idle).toBe(true);
    expect(parser.execute(input.subarray(used))).toBe(0);
    expect(events.filter((e) => e.startsWith('status'))).toEqual(['status 204 No Content']);
    parser.resume();
    expect(parser.execute(input.subarray(used))).toBe(input.length - used);
    expect(events.at(-1)).toBe('done true');
  });

  it('does not stop at a 1xx interim response when paused', () => {
    const { parser, events } = collect();
    parser.pause();
    const input = enc(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiJUNK',
    );
    expect(parser.execute(input)).toBe(input.length - 4);
    expect(events).toContain('body hi');
  });

  it('pauses at the end of a body that ends exactly at the end of the input', () => {
    const { parser } = collect();
    parser.pause();
    expect(parser.execute(enc('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'))).toBe(40);
    expect(parser.paused).toBe(true);
    expect(parser.execute(enc('x'))).toBe(0);
    expect(() => parser.finish()).not.toThrow();
  });

  it('reports where the head lies, after empty lines skipped before the status line', () => {
    const { parser, heads } = collect();
    const input = 'HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nX: y\r\n\r\n';
    parser.execute(enc(input));
    const head = heads[0]!;
    expect(head.headStart).toBe(input.indexOf('HTTP/1.1 200'));
    expect(head.headEnd).toBe(input.length);
  });

  it('reports head offsets across inputs split at every byte', () => {
    const input = enc('\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
    const { parser, heads } = collect();
    for (let i = 0; i < input.length; i++) parser.execute(input.subarray(i, i + 1));
    expect(heads[0]!.headStart).toBe(2);
    expect(heads[0]!.headEnd).toBe(input.length - 1);
  });

  it('says chunked for a HEAD response declaring it, whose body kind is NONE', () => {
    const { parser, heads } = collect({ method: 'HEAD' });
    parser.execute(enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'));
    expect(heads[0]).toMatchObject({ bodyKind: BodyKind.NONE, chunked: true });
  });

  it('announces each chunk and its end', () => {
    const events: string[] = [];
    const parser = new ResponseParser({
      onChunkHeader: (size) => events.push(`chunk ${size}`),
      onBody: (data) => events.push(`body ${text(data)}`),
      onChunkComplete: () => events.push('end'),
      onMessageComplete: () => events.push('done'),
    });
    const input = enc(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n',
    );
    for (let i = 0; i < input.length; i += 5) parser.execute(input.subarray(i, i + 5));
    expect(events.join('|').replace(/\|body /g, '+')).toBe('chunk 3+abc|end|chunk 2+de|end|done');
  });

  it('caps a chunk-size line of leading zeros like its extensions', () => {
    const parser = new ResponseParser({}, { maxChunkExtensionSize: 64 });
    parser.execute(enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    expect(() => parser.execute(enc('0'.repeat(100)))).toThrow(/Chunk size too long/);
    const ok = new ResponseParser({}, { maxChunkExtensionSize: 64 });
    ok.execute(
      enc(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'0'.repeat(63)}1\r\nx\r\n`),
    );
  });

  it('refuses an endless run of zeros in a chunk size by default', () => {
    const parser = new ResponseParser();
    parser.execute(enc('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const zeros = new Uint8Array(4096).fill(0x30);
    let error: unknown = null;
    for (let i = 0; i < 10 && error === null; i++) {
      try {
        parser.execute(zeros);
      } catch (e) {
        error = e;
      }
    }
    expect((error as ParseError).reason).toBe('INVALID_CHUNK_SIZE');
  });
});
