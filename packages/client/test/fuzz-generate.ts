/**
 * Generator of what one server connection sends in the client fuzz (`fuzz.test.ts`): a sequence of
 * valid HTTP/1.x responses to 1–3 requests (status lines, header fields, Content-Length / chunked
 * / read-until-close bodies, chunk extensions, trailers — Connection and Transfer-Encoding ones
 * too, 1xx interim responses, keep-alive sequences, 101 and CONNECT tunnels), then 0–2 byte-level
 * mutations aimed mostly at framing bytes: flips, insertions, deletions, duplicated framing units,
 * truncations, junk after the last response, empty lines before a status line, body bytes after a
 * bodiless head.
 *
 * Every case is made from its own PRNG (`caseSeed(seed, index)`), so one case can be rebuilt alone.
 */
import type { Prng } from '../../parser/test/support/prng.ts';

/** The request method every request of a case uses. */
export type FuzzMethod = 'GET' | 'HEAD' | 'CONNECT';

/** One generated connection. */
export interface FuzzCase {
  index: number;
  method: FuzzMethod;
  /** Every byte the server sends over the connection, in order, as latin1 (one char per byte). */
  text: string;
  /** Requests the generator meant to be answered (llhttp's boundaries decide the delivery). */
  requests: number;
  /** What the generator did, for the report (`GDHTTP_FUZZ_CASE` rebuilds the case itself). */
  notes: string[];
}

/** A seed for case `index` of a run, mixed so neighbouring cases do not share PRNG streams. */
export function caseSeed(seed: number, index: number): number {
  let x = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const INTERIM = [100, 100, 102, 103, 103];
const FINAL = [200, 200, 200, 200, 200, 201, 204, 206, 301, 304, 404, 500, 503, 599];
const CONNECT_FINAL = [200, 200, 200, 204, 407, 502];
const REASONS = ['OK', 'Not Found', 'Custom  Reason', 'caf\xe9', 'x\ty', ''];
const FIELDS: readonly [string, string][] = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['Server', 'gws'],
  ['Date', 'Tue, 04 Aug 2009 07:59:32 GMT'],
  ['Set-Cookie', 'a=b; Path=/; HttpOnly'],
  ['Cache-Control', 'no-cache, no-store'],
  ['Vary', 'Accept-Encoding'],
  ['ETag', '"33a64df5"'],
  ['Link', '</a.css>; rel=preload'],
  ['X-Latin', 'caf\xe9'],
  ['X-Utf8', 'caf\xc3\xa9 \xe2\x9c\x93'],
  ['x_underscore', '1'],
  ['X-$Dollar', '1'],
  ['Keep-Alive', 'timeout=5'],
  ['Content-Length-X', '9'],
];
/** Field lines whose spelling matters to Godot's header lines (no space, padding, HTAB, empty). */
const ODD_FIELD_LINES = ['X-Empty:', 'X-Spaces:   padded   value   ', 'X-Tab:\tv\t', 'nospace:v'];
const TRAILERS = [
  'X-Trailer: t',
  'Expires: a, b',
  'Server-Timing: x',
  'X-Empty:',
  'X-Latin: caf\xe9',
  'X-Utf8: caf\xc3\xa9',
  'X-Pad:   p   ',
  'nospace:v',
];
/**
 * Trailer fields a sender must not generate (RFC 9110 §6.5.1: nothing that frames or routes the
 * message) but a hostile or broken server does: llhttp counts a trailer's Connection options and
 * Transfer-Encoding as it counts the head's, and gdhttp with it — `close` and a final coding other
 * than chunked end the connection after the message, `keep-alive` keeps an HTTP/1.0 one.
 */
const FRAMING_TRAILERS = [
  'Connection: close',
  'connection: Keep-Alive, close',
  'Transfer-Encoding: gzip',
  'Connection: keep-alive',
];
const BODY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789 \r\n\t:;,"\x00\x80\xff';
const CHUNK_EXTS = [';a=b', ';name', ';q="x y"', ';a=1;b'];

/** Tokens inserted or written over bytes: the bytes HTTP framing is made of. */
const TOKENS = [
  '\r',
  '\n',
  '\r\n',
  '\r\n\r\n',
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
  ',',
  '\x00',
  '\x7f',
  '\x80',
  '\xff',
  'chunked',
  'close',
  'HTTP/1.1 200 OK\r\n',
  'Content-Length: 1\r\n',
  'Transfer-Encoding: chunked\r\n',
];

/** Appended after the last response: junk, CRLFs, a stray body, a whole second response. */
const JUNK = [
  '\r\n',
  '\r\n\r\n',
  '\n',
  'x',
  'abc',
  '0\r\n\r\n',
  'HTTP/1.1 200 OK\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 201 Smuggled\r\nContent-Length: 4\r\n\r\nevil',
  '\x00\xff\x80',
  '<html>stray</html>',
];

/** The text being built, with the positions a mutation aims at. */
class Builder {
  text = '';
  /** Offsets of framing bytes (status line, field names and colons, CRLFs, sizes, lengths). */
  framing: number[] = [];
  /** [start, end) of units worth duplicating: field lines, chunk-size lines, chunks, CRLFs. */
  units: [number, number][] = [];
  /** Offsets of body framing bytes (chunk-size lines, chunk CRLFs, trailers) and body bytes. */
  body: number[] = [];
  /** Offsets where a status line starts. */
  statusStarts: number[] = [];
  /** Head ends of bodiless responses that carry a Content-Length, with its value. */
  bodyless: { at: number; length: number }[] = [];

  frame(s: string, unit = true): void {
    const at = this.text.length;
    for (let i = 0; i < s.length; i++) this.framing.push(at + i);
    if (unit) this.units.push([at, at + s.length]);
    this.text += s;
  }

  data(s: string): void {
    this.text += s;
  }

  /** Body framing (a chunk-size line, a chunk's CRLF, a trailer line): framing and body. */
  bodyFrame(s: string, unit = true): void {
    const at = this.text.length;
    for (let i = 0; i < s.length; i++) this.body.push(at + i);
    this.frame(s, unit);
  }

  /** Body bytes: a place to cut the stream short. */
  bodyData(s: string): void {
    const at = this.text.length;
    for (let i = 0; i < s.length; i += 7) this.body.push(at + i);
    this.data(s);
  }

  /** A field line: name, colon and CRLF are framing, the value is data (unless `framing`). */
  field(line: string, framing = false): void {
    const at = this.text.length;
    if (framing) {
      this.frame(`${line}\r\n`);
      return;
    }
    const colon = line.indexOf(':');
    this.frame(line.slice(0, colon + 1), false);
    this.data(line.slice(colon + 1));
    this.frame('\r\n', false);
    this.units.push([at, this.text.length]);
  }
}

function body(rng: Prng): string {
  const n = rng.chance(0.05)
    ? rng.range(1000, 5000)
    : rng.chance(0.25)
      ? rng.range(30, 300)
      : rng.int(31);
  let s = '';
  for (let i = 0; i < n; i++) s += BODY_CHARS[rng.int(BODY_CHARS.length)];
  return s;
}

function hex(n: number, rng: Prng): string {
  let h = n.toString(16);
  if (rng.chance(0.3)) h = h.toUpperCase();
  if (rng.chance(0.1)) h = `00${h}`;
  return h;
}

function statusLine(b: Builder, rng: Prng, status: number, v11: boolean): void {
  b.statusStarts.push(b.text.length);
  const code = String(status).padStart(3, '0');
  const reason = rng.pick(REASONS);
  const phrase = reason === '' && rng.chance(0.5) ? '' : ` ${reason}`;
  b.frame(`HTTP/1.${v11 ? 1 : 0} ${code}`, false);
  b.data(phrase);
  b.frame('\r\n', false);
  b.units.push([b.statusStarts.at(-1)!, b.text.length]);
}

function otherFields(b: Builder, rng: Prng): void {
  if (rng.chance(0.03)) {
    // Past the 100 fields some clients cap at; Node's (llhttp's embedder) limit is 2000.
    const n = rng.range(101, 140);
    for (let i = 0; i < n; i++) b.field(`X-F${i}: ${i}`);
    return;
  }
  for (let n = rng.int(6); n > 0; n--) {
    if (rng.chance(0.25)) b.field(rng.pick(ODD_FIELD_LINES));
    else {
      const [name, value] = rng.pick(FIELDS);
      b.field(`${name}: ${value}`);
    }
  }
}

/** An interim 1xx response (mostly 100/102/103; now and then another 1xx). */
function interim(b: Builder, rng: Prng): void {
  const status = rng.chance(0.05) ? rng.range(104, 199) : rng.pick(INTERIM);
  statusLine(b, rng, status === 101 ? 100 : status, true);
  if (rng.chance(0.5)) b.field('Link: </style.css>; rel=preload');
  b.frame('\r\n');
}

/**
 * A final response. Returns whether the connection may carry another request after it.
 *
 * @param last - the last response the case plans: it may close or run until close.
 */
function final(b: Builder, rng: Prng, method: FuzzMethod, last: boolean): boolean {
  let status = method === 'CONNECT' ? rng.pick(CONNECT_FINAL) : rng.pick(FINAL);
  if (last && method === 'GET' && rng.chance(0.04)) status = 101;
  if (last && rng.chance(0.01)) status = 99;
  const tunnel = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
  const v11 = last ? rng.chance(0.8) : rng.chance(0.85);
  statusLine(b, rng, status, v11);
  otherFields(b, rng);

  let keepAlive = v11;
  if (!last) {
    if (!v11) b.field('Connection: keep-alive', true);
    else if (rng.chance(0.15))
      b.field(`${rng.pick(['Connection', 'connection'])}: keep-alive`, true);
  } else if (rng.chance(0.35)) {
    const token = rng.pick(['close', 'keep-alive', 'Keep-Alive', 'close, te', 'upgrade']);
    b.field(`${rng.pick(['Connection', 'connection', 'CONNECTION'])}: ${token}`, true);
    if (/close/.test(token)) keepAlive = false;
    if (/keep-alive/i.test(token)) keepAlive = true;
  }
  if (status === 101) b.field('Upgrade: websocket', true);

  const bodyless =
    tunnel ||
    (status >= 100 && status < 200) ||
    status === 204 ||
    status === 304 ||
    method === 'HEAD';
  const framing = rng.pick(
    last
      ? (['cl', 'cl', 'chunked', 'chunked', 'eof', 'none'] as const)
      : (['cl', 'cl', 'chunked', 'chunked', 'none'] as const),
  );
  let payload = '';
  let untilClose = false;
  if (framing === 'cl' || (framing === 'none' && !bodyless && !last)) {
    const data = body(rng);
    b.field(`Content-Length: ${rng.chance(0.05) ? '00' : ''}${data.length}`, true);
    b.frame('\r\n');
    if (bodyless) b.bodyless.push({ at: b.text.length, length: data.length });
    else b.bodyData(data);
  } else if (framing === 'chunked') {
    b.field(
      rng.pick([
        'Transfer-Encoding: chunked',
        'transfer-encoding: Chunked',
        'Transfer-Encoding: gzip, chunked',
      ]),
      true,
    );
    b.frame('\r\n');
    if (!bodyless) {
      for (let n = rng.int(4); n > 0; n--) {
        const data = body(rng) || 'x';
        const start = b.text.length;
        b.bodyFrame(`${hex(data.length, rng)}${rng.chance(0.15) ? rng.pick(CHUNK_EXTS) : ''}\r\n`);
        b.bodyData(data);
        b.bodyFrame('\r\n');
        b.units.push([start, b.text.length]);
      }
      b.bodyFrame(`0${rng.chance(0.1) ? rng.pick(CHUNK_EXTS) : ''}\r\n`);
      if (rng.chance(0.35)) {
        for (let n = rng.range(1, 2); n > 0; n--) {
          const trailer = rng.chance(0.2) ? rng.pick(FRAMING_TRAILERS) : rng.pick(TRAILERS);
          b.bodyFrame(`${trailer}\r\n`);
        }
      }
      b.bodyFrame('\r\n');
    }
  } else {
    // 'eof' or 'none': no framing header; the body (if any) runs until the server closes.
    b.frame('\r\n');
    if (!bodyless) {
      b.bodyData(body(rng));
      untilClose = true;
    }
  }
  if (tunnel) {
    // The other protocol's first bytes follow the head at once.
    for (let n = rng.int(9); n > 0; n--) payload += BODY_CHARS[rng.int(BODY_CHARS.length)];
  }
  b.data(payload);
  return keepAlive && !untilClose && !tunnel;
}

type Op =
  | 'flip'
  | 'insert'
  | 'delete'
  | 'duplicate'
  | 'truncate'
  | 'junk'
  | 'crlf-before-status'
  | 'body-after-bodyless';

const OPS: readonly [Op, number][] = [
  ['flip', 20],
  ['insert', 14],
  ['delete', 14],
  ['duplicate', 12],
  ['truncate', 12],
  ['junk', 16],
  ['crlf-before-status', 6],
  ['body-after-bodyless', 6],
];

function pickOp(rng: Prng): Op {
  let r = rng.int(OPS.reduce((n, [, w]) => n + w, 0));
  for (const [op, w] of OPS) {
    if (r < w) return op;
    r -= w;
  }
  return 'flip';
}

const show = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Applies one mutation; returns the new text and a note, or null when it does not apply. */
function mutateOnce(b: Builder, text: string, rng: Prng): { text: string; note: string } | null {
  // Where a mutation lands: body framing or body bytes (where the head is already complete:
  // "data before error"), any framing byte, or anywhere.
  const framingAt = (): number => {
    const zone = rng.chance(0.4) ? b.body : rng.chance(0.7) ? b.framing : [];
    const inside = zone.filter((p) => p < text.length);
    return inside.length > 0 ? rng.pick(inside) : rng.int(text.length);
  };
  const op = pickOp(rng);
  switch (op) {
    case 'flip': {
      if (text.length === 0) return null;
      const at = framingAt();
      const by = rng.chance(0.5) ? rng.pick(TOKENS)[0]! : String.fromCharCode(rng.int(256));
      return {
        text: text.slice(0, at) + by + text.slice(at + 1),
        note: `flip @${at} ${show(text[at]!)}→${show(by)}`,
      };
    }
    case 'insert': {
      const at = text.length === 0 ? 0 : framingAt();
      const token = rng.pick(TOKENS);
      return {
        text: text.slice(0, at) + token + text.slice(at),
        note: `insert @${at} ${show(token)}`,
      };
    }
    case 'delete': {
      if (text.length === 0) return null;
      const at = framingAt();
      const n = rng.range(1, 3);
      return {
        text: text.slice(0, at) + text.slice(at + n),
        note: `delete @${at} ${show(text.slice(at, at + n))}`,
      };
    }
    case 'duplicate': {
      const units = b.units.filter(([, end]) => end <= text.length);
      if (units.length === 0) return null;
      const [start, end] = rng.pick(units);
      const unit = text.slice(start, end);
      return {
        text: text.slice(0, end) + unit + text.slice(end),
        note: `duplicate @${start} ${show(unit)}`,
      };
    }
    case 'truncate': {
      if (text.length < 2) return null;
      const at = rng.chance(0.5) ? Math.max(1, framingAt()) : rng.range(1, text.length - 1);
      return { text: text.slice(0, at), note: `truncate @${at} of ${text.length}` };
    }
    case 'junk': {
      const junk = rng.pick(JUNK);
      return { text: text + junk, note: `junk after the end ${show(junk)}` };
    }
    case 'crlf-before-status': {
      const starts = b.statusStarts.filter((p) => p < text.length);
      if (starts.length === 0) return null;
      const at = rng.pick(starts);
      const crlf = rng.chance(0.8) ? '\r\n' : '\r\n\r\n';
      return {
        text: text.slice(0, at) + crlf + text.slice(at),
        note: `empty line before the status line @${at}`,
      };
    }
    case 'body-after-bodyless': {
      const spots = b.bodyless.filter((s) => s.at <= text.length && s.length > 0);
      if (spots.length === 0) return null;
      const { at, length } = rng.pick(spots);
      const stray = 'b'.repeat(length);
      return {
        text: text.slice(0, at) + stray + text.slice(at),
        note: `${length} body bytes after the bodiless head ending @${at}`,
      };
    }
  }
}

/**
 * Case `index`: 1–3 exchanges (each optionally preceded by 1xx responses), then mutations
 * (none for about a third of the cases).
 */
export function generateCase(rng: Prng, index: number): FuzzCase {
  const method: FuzzMethod = rng.chance(0.8) ? 'GET' : rng.chance(0.6) ? 'HEAD' : 'CONNECT';
  const planned = rng.chance(0.55) ? 1 : rng.chance(0.65) ? 2 : 3;
  const b = new Builder();
  let requests = 0;
  for (let i = 0; i < planned; i++) {
    for (let n = rng.chance(0.15) ? rng.range(1, 2) : 0; n > 0; n--) interim(b, rng);
    requests++;
    if (!final(b, rng, method, i === planned - 1)) break;
  }
  const notes: string[] = [];
  let text = b.text;
  if (!rng.chance(0.35)) {
    // Mutations apply to the original positions in turn; later ones may miss by a few bytes
    // after an earlier one moved the text, which only adds variety.
    for (let n = rng.chance(0.7) ? 1 : 2; n > 0; n--) {
      const m = mutateOnce(b, text, rng);
      if (m === null) continue;
      text = m.text;
      notes.push(m.note);
    }
  }
  return { index, method, text, requests, notes };
}
