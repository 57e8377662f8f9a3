/**
 * Generator of HTTP/1.x response streams for the differential and fuzz tests: valid responses
 * from a small grammar (status classes incl. 1xx/101/204/304, Content-Length / chunked /
 * read-until-close framing, chunk extensions, trailers, pipelined sequences, HEAD and CONNECT
 * request context) and byte-level mutations of them.
 */
import type { Prng } from './prng.ts';

/** One generated input with the request context it answers. */
export interface GeneratedCase {
  /** latin1 text (one char per byte). */
  text: string;
  method: 'GET' | 'HEAD' | 'CONNECT';
  /** Number of mutations applied (0 = grammar output). */
  mutations: number;
}

const STATUSES = [
  200, 200, 200, 200, 201, 202, 204, 206, 301, 302, 304, 400, 404, 407, 500, 503, 599, 100, 102,
  103, 101,
];
const REASONS = ['OK', 'Not Found', 'Moved Permanently', 'Custom  Reason', 'caf\xe9', 'x\ty', ''];
const HEADERS = [
  'Content-Type: text/plain; charset=utf-8',
  'Server: gws',
  'Date: Tue, 04 Aug 2009 07:59:32 GMT',
  'Set-Cookie: a=b; Path=/; HttpOnly',
  'Cache-Control: no-cache, no-store',
  'Vary: Accept-Encoding',
  'X-Empty:',
  'X-Spaces:   padded value   ',
  'X-Tab:\tv\t',
  'X-Latin: caf\xe9',
  'ETag: "33a64df5"',
  'Keep-Alive: timeout=5',
  'Link: </a.css>; rel=preload',
  'x_underscore: 1',
  'X-$Dollar: 1',
  'Proxy-Connection: close',
  'Content-Length-X: 9',
];
const CONNECTION = ['close', 'keep-alive', 'Keep-Alive', 'upgrade', 'close, upgrade', 'te, close'];
const BODY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789 \r\n\t:;,"\x00\x80\xff';
const VALUE_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789 ,;=/"';

function body(rng: Prng, max: number): string {
  let s = '';
  for (let n = rng.int(max + 1); n > 0; n--) s += BODY_CHARS[rng.int(BODY_CHARS.length)];
  return s;
}

function word(rng: Prng, chars: string, max: number): string {
  let s = '';
  for (let n = rng.int(max + 1); n > 0; n--) s += chars[rng.int(chars.length)];
  return s;
}

function token(rng: Prng): string {
  let s = 'X-';
  for (let n = rng.range(1, 8); n > 0; n--) s += 'abcdefghijklmnopqrstuvwxyz-'[rng.int(27)];
  return s;
}

function hex(n: number, rng: Prng): string {
  let h = n.toString(16);
  if (rng.chance(0.3)) h = h.toUpperCase();
  if (rng.chance(0.1)) h = `00${h}`;
  return h;
}

function chunkExt(rng: Prng): string {
  if (!rng.chance(0.2)) return '';
  return rng.pick([';a=b', ';name', ';q="x y"', ';a=1;b', ';ilovew3="I love; extensions"']);
}

/** One response; returns its text and whether the connection may carry another one. */
function response(
  rng: Prng,
  method: GeneratedCase['method'],
  last: boolean,
): { text: string; more: boolean } {
  let status = rng.pick(STATUSES);
  if (last && status < 200 && status !== 101) status = 200;
  if (status === 101 && !last) status = 200;
  const v11 = rng.chance(0.8);
  const reason = rng.pick(REASONS);
  let line = `HTTP/1.${v11 ? 1 : 0} ${status}`;
  if (reason !== '' || rng.chance(0.5)) line += ` ${reason}`;
  const lines = [line];
  for (let n = rng.int(7); n > 0; n--) {
    lines.push(rng.chance(0.8) ? rng.pick(HEADERS) : `${token(rng)}: ${word(rng, VALUE_CHARS, 6)}`);
  }
  let close = !v11;
  if (rng.chance(0.3)) {
    const c = rng.pick(CONNECTION);
    lines.push(`${rng.pick(['Connection', 'connection', 'CONNECTION'])}: ${c}`);
    if (/close/.test(c)) close = true;
    if (/keep-alive/i.test(c) && !v11) close = false;
  }
  if (status === 101) lines.push('Upgrade: websocket');

  const bodyless =
    status < 200 ||
    status === 204 ||
    status === 304 ||
    method === 'HEAD' ||
    (method === 'CONNECT' && status < 300);
  const framing = rng.pick(['cl', 'cl', 'chunked', 'chunked', 'eof', 'none'] as const);
  let payload = '';
  let eofFramed = false;
  if (framing === 'cl') {
    const b = body(rng, rng.chance(0.1) ? 300 : 30);
    lines.push(
      `Content-Length: ${rng.chance(0.1) ? '00' : ''}${b.length}${rng.chance(0.1) ? ' ' : ''}`,
    );
    if (!bodyless) payload = b;
  } else if (framing === 'chunked') {
    lines.push(
      rng.pick([
        'Transfer-Encoding: chunked',
        'transfer-encoding: Chunked',
        'Transfer-Encoding: gzip, chunked',
      ]),
    );
    if (!bodyless) {
      for (let n = rng.int(4); n > 0; n--) {
        const b = body(rng, 20) || 'x';
        payload += `${hex(b.length, rng)}${chunkExt(rng)}\r\n${b}\r\n`;
      }
      payload += `0${chunkExt(rng)}\r\n`;
      for (let n = rng.chance(0.3) ? rng.range(1, 2) : 0; n > 0; n--) {
        payload += `${rng.pick(['X-Trailer', 'Expires', 'Server-Timing'])}: ${rng.pick(['t', 'a, b', ''])}\r\n`;
      }
      payload += '\r\n';
    }
  } else if (framing === 'eof') {
    if (!bodyless) {
      payload = body(rng, 40);
      eofFramed = true;
    }
  }
  const text = `${lines.join('\r\n')}\r\n\r\n${payload}`;
  const tunnel = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
  return { text: tunnel ? `${text}${body(rng, 8)}` : text, more: !close && !eofFramed && !tunnel };
}

/** A sequence of 1–3 pipelined responses answering `method` (grammar output, unmutated). */
export function generateResponses(rng: Prng): GeneratedCase {
  const method = rng.chance(0.85) ? 'GET' : rng.chance(0.6) ? 'HEAD' : 'CONNECT';
  const count = rng.chance(0.6) ? 1 : rng.chance(0.6) ? 2 : 3;
  let text = '';
  for (let i = 0; i < count; i++) {
    const r = response(rng, method, i === count - 1);
    text += r.text;
    // occasionally keep going after a close-delimited message: a parser must reject or stop
    if (!r.more && !rng.chance(0.1)) break;
  }
  return { text, method, mutations: 0 };
}

/** Mutation alphabet (docs/references.md#differential-testing). */
export const MUTATION_TOKENS = [
  '\r',
  '\n',
  '\r\n',
  ':',
  ';',
  ' ',
  '\t',
  '0',
  '1',
  '9',
  'a',
  'F',
  'x',
  'chunked',
  '\x00',
  ',',
  '\x80',
  '\xff',
  '"',
  '=',
  '-',
  'HTTP/1.1 200 OK\r\n',
  'Content-Length: 1\r\n',
  'Transfer-Encoding: chunked\r\n',
  '\r\n\r\n',
];

/** Applies 1–3 random insert / delete / replace mutations. */
export function mutate(rng: Prng, c: GeneratedCase): GeneratedCase {
  let s = c.text;
  const n = rng.range(1, 3);
  for (let k = 0; k < n; k++) {
    const at = rng.int(s.length + 1);
    const op = rng.int(3);
    if (op === 0) s = s.slice(0, at) + rng.pick(MUTATION_TOKENS) + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + rng.range(1, 3));
    else s = s.slice(0, at) + rng.pick(MUTATION_TOKENS) + s.slice(at + 1);
  }
  return { text: s, method: c.method, mutations: n };
}

/** Grammar output (30 %) or a mutation of it (70 %). */
export function generateCase(rng: Prng): GeneratedCase {
  const c = generateResponses(rng);
  return rng.chance(0.3) ? c : mutate(rng, c);
}
