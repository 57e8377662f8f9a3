import { describe, expect, it } from 'vitest';
import { diffResults } from '../support/compare.ts';
import { Prng } from '../support/prng.ts';
import { splitAt } from '../support/split.ts';
import { HTTPParser, nativeLlhttpVersion, parseResponseNative } from './llhttp-native.ts';
import { parseResponseWasm, undiciVersion } from './llhttp-wasm.ts';
import { bytes, Lenient, latin1, type OracleOptions } from './types.ts';

const chunked =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';

/**
 * The oracle's self-test and hostile-server cases (docs/references.md#the-llhttp-oracles,
 * #hostile-servers), each with what llhttp 9.3.1 answers (measured on Node 20.20.2).
 */
const cases: {
  name: string;
  input: string;
  opts?: OracleOptions;
  check: (r: ReturnType<typeof parseResponseNative>) => void;
}[] = [
  {
    name: 'content-length then pipelined chunked with trailer',
    input: `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc${chunked}`,
    check: (r) => {
      expect(r.error).toBeNull();
      expect(r.messages.map((m) => latin1(m.body))).toEqual(['abc', 'hello world']);
      expect(r.messages[1]!.trailers).toEqual([['X-Trailer', 't']]);
      expect(r.messages.every((m) => m.complete && m.keepAlive)).toBe(true);
    },
  },
  {
    name: 'read-until-EOF body',
    input: 'HTTP/1.0 200 OK\r\n\r\nuntil close',
    check: (r) => {
      expect(r.error).toBeNull();
      expect(latin1(r.messages[0]!.body)).toBe('until close');
      expect(r.messages[0]!.keepAlive).toBe(false);
      expect(r.messages[0]!.complete).toBe(true);
    },
  },
  {
    name: 'truncated Content-Length body at EOF',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
    check: (r) => {
      expect(r.error?.code).toBe('HPE_INVALID_EOF_STATE');
      expect(r.messages[0]!.complete).toBe(false);
    },
  },
  {
    name: 'HEAD response ignores Content-Length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
    opts: { method: 'HEAD', eof: false },
    check: (r) => {
      expect(r.error).toBeNull();
      expect(r.messages[0]!.complete).toBe(true);
      expect(r.messages[0]!.body.length).toBe(0);
    },
  },
  {
    name: '1xx then final',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    check: (r) =>
      expect(r.messages.map((m) => [m.status, m.reason])).toEqual([
        [100, 'Continue'],
        [204, 'No Content'],
      ]),
  },
  {
    name: 'CL + TE conflict',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    check: (r) => expect(r.error?.code).toBe('HPE_INVALID_TRANSFER_ENCODING'),
  },
  {
    name: 'duplicate Content-Length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
    check: (r) => expect(r.error?.code).toBe('HPE_UNEXPECTED_CONTENT_LENGTH'),
  },
  {
    name: 'chunk-size overflow',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n',
    check: (r) => expect(r.error?.code).toBe('HPE_INVALID_CHUNK_SIZE'),
  },
  {
    name: 'obs-fold rejected when strict',
    input: 'HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nContent-Length: 0\r\n\r\n',
    check: (r) => expect(r.error?.code).toBe('HPE_INVALID_HEADER_TOKEN'),
  },
  {
    name: 'obs-fold accepted with kLenientHeaders',
    input: 'HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nContent-Length: 0\r\n\r\n',
    opts: { lenient: Lenient.HEADERS },
    check: (r) => {
      expect(r.error).toBeNull();
      expect(r.messages[0]!.headers[0]).toEqual(['X-A', 'a  b']);
    },
  },
  {
    name: 'bare LF rejected when strict',
    input: 'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
    check: (r) => expect(r.error?.code).toBe('HPE_CR_EXPECTED'),
  },
  {
    name: 'bare LF accepted with kLenientOptionalCRBeforeLF',
    input: 'HTTP/1.1 200 OK\nContent-Length: 0\n\n',
    opts: { lenient: Lenient.OPTIONAL_CR_BEFORE_LF },
    check: (r) => expect(r.error).toBeNull(),
  },
  {
    name: 'bare CR in a value',
    input: 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n',
    check: (r) => expect(r.error?.code).toBe('HPE_LF_EXPECTED'),
  },
  {
    name: 'NUL in a value',
    input: 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n',
    check: (r) => expect(r.error?.code).toBe('HPE_INVALID_HEADER_TOKEN'),
  },
  {
    name: 'data after Connection: close',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\naHTTP/1.1 200 OK\r\n\r\n',
    check: (r) => {
      expect(r.messages[0]!.complete).toBe(true);
      expect(r.error?.code).toBe('HPE_CLOSED_CONNECTION');
    },
  },
  {
    name: 'CONNECT 200 without length starts a tunnel after the head',
    input:
      'HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n\x16\x03\x01',
    opts: { method: 'CONNECT' },
    check: (r) => {
      expect(r.error).toBeNull();
      expect(r.upgradeAt).toBe(70);
      expect(r.messages[0]!.upgrade).toBe(true);
    },
  },
  {
    name: 'CONNECT 407 keeps its body',
    input:
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 4\r\n\r\ndeny',
    opts: { method: 'CONNECT' },
    check: (r) => {
      expect(latin1(r.messages[0]!.body)).toBe('deny');
      expect(r.upgradeAt).toBe(-1);
    },
  },
  {
    name: '101 upgrade',
    input:
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x05hello',
    check: (r) => expect(r.upgradeAt).toBe(77),
  },
  {
    name: 'more than 32 fields (the binding flushes early)',
    input: `HTTP/1.1 200 OK\r\n${Array.from({ length: 40 }, (_, i) => `X-${i}: v${i} \r\n`).join('')}Content-Length: 0\r\n\r\n`,
    check: (r) => {
      expect(r.messages[0]!.headers.length).toBe(41);
      expect(r.messages[0]!.headers[39]).toEqual(['X-39', 'v39']);
    },
  },
];

describe('llhttp oracles', () => {
  it('report their versions', () => {
    expect(nativeLlhttpVersion).toMatch(/^9\./);
    expect(undiciVersion).toBe('7.30.2');
    expect(HTTPParser.kLenientAll).toBe(Lenient.ALL);
  });

  for (const c of cases) {
    it(`native and wasm agree, whole and at every 2-way split: ${c.name}`, () => {
      const input = bytes(c.input);
      const whole = parseResponseNative([input], c.opts);
      c.check(whole);
      for (let i = 0; i <= input.length; i++) {
        const chunks = splitAt(input, [i]);
        const n = parseResponseNative(chunks, c.opts);
        const w = parseResponseWasm(chunks, c.opts);
        const opts = { errorCodes: true, errorAt: true, keepAlive: true } as const;
        expect(diffResults(whole, n, opts), `native split ${i}`).toBeNull();
        expect(diffResults(whole, w, opts), `wasm split ${i}`).toBeNull();
      }
    });
  }

  it('native enforces maxHeaderSize; wasm has no such cap', () => {
    const input = bytes(`HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(100)}\r\n\r\n`);
    expect(parseResponseNative([input], { maxHeaderSize: 64 }).error?.code).toBe(
      'HPE_HEADER_OVERFLOW',
    );
    expect(parseResponseWasm([input], { maxHeaderSize: 64 }).error).toBeNull();
  });

  it('agree on 3,000 mutated responses split in 3 random pieces, strict and lenient', () => {
    const rng = new Prng(0x5eed);
    const base = [chunked, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello'];
    const alphabet = ['\r', '\n', ':', ';', ' ', '\t', '0', 'f', ',', '\x00', '\x80'];
    let differences = 0;
    for (let i = 0; i < 3000; i++) {
      const s = [...rng.pick(base)];
      for (let k = rng.range(1, 3); k > 0; k--)
        s.splice(rng.int(s.length), rng.int(2), rng.pick(alphabet));
      const input = bytes(s.join(''));
      const chunks = splitAt(input, [rng.int(input.length + 1), rng.int(input.length + 1)]);
      const opts = {
        lenient: rng.chance(0.3) ? Lenient.ALL : Lenient.NONE,
        maxHeaderSize: 1 << 20,
      };
      const d = diffResults(parseResponseNative(chunks, opts), parseResponseWasm(chunks, opts), {
        errorCodes: true,
        errorAt: true,
        keepAlive: true,
      });
      if (d) differences++;
    }
    expect(differences).toBe(0);
  });
});
