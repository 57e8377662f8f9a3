/**
 * The verdicts the client fuzz compares `HTTPClient` with: native llhttp (Node's binding) on the
 * whole byte stream of a connection, and gdhttp's own parser on the same bytes, both from
 * `packages/parser/test/` (imported in place, not copied: see "The oracle" in `fuzz.test.ts`).
 *
 * From a verdict this module derives what the client must do for each request of the connection,
 * gdhttp's policy (packages/client/README.md, packages/parser/README.md):
 * - `complete`: the parser delivered a whole final response: same code, fields, body (and
 *   trailers); bytes after it never cost it (they are dropped or retire the connection);
 * - `upgrade`: 101 or a 2xx to CONNECT: the head, then every later byte raw as the body;
 * - `body-error`: the head was complete, the body failed (data before error): status BODY with
 *   the code and fields first, the body bytes before the fault, then CONNECTION_ERROR;
 * - `head-error`: no complete final head: CONNECTION_ERROR with response code 0.
 */
import { divergenceClasses } from '../../parser/test/differential-classes.ts';
import { parseResponseNative } from '../../parser/test/oracle/llhttp-native.ts';
import type { OracleResult } from '../../parser/test/oracle/types.ts';
import { diffResults } from '../../parser/test/support/compare.ts';
import { parseResponseAll } from '../../parser/test/support/gdhttp-oracle.ts';

export { bytes, latin1 } from '../../parser/test/oracle/types.ts';
export type { OracleResult };

/** A response-parser oracle in the shape of `packages/parser/test/oracle/types.ts`. */
export type Oracle = (
  chunks: Uint8Array[],
  opts: { method: string; eof?: boolean },
) => OracleResult;

/** Native llhttp (Node 20 carries 9.3.1), driven as Node's `_http_client` drives it. */
export const llhttp: Oracle = (chunks, opts) => parseResponseNative(chunks, opts);
/** gdhttp's ResponseParser, strict, in the same shape. */
export const gdhttpParser: Oracle = (chunks, opts) => parseResponseAll(chunks, opts);

/** Interim responses the client skips: every 1xx but 101 (RFC 9110 §15.2). */
export const isInterim = (status: number): boolean =>
  status >= 100 && status < 200 && status !== 101;

/** Where each message of a verdict ends, as stream offsets. */
export interface Boundaries {
  /** Offset just past message i, or -1 when it never completed. */
  ends: number[];
}

/**
 * The boundaries of `full`'s messages, found by parsing prefixes of `input` (without EOF) with
 * the same oracle: the shortest prefix that completes message i marks its end (a binary search,
 * after checking the common case of a message that runs to the last byte).
 */
export function boundaries(
  oracle: Oracle,
  input: Uint8Array,
  method: string,
  full: OracleResult,
): Boundaries {
  const n = input.length;
  const memo = new Map<number, number>();
  const completed = (p: number): number => {
    let c = memo.get(p);
    if (c === undefined) {
      c = oracle([input.subarray(0, p)], { method, eof: false }).messages.filter(
        (m) => m.complete,
      ).length;
      memo.set(p, c);
    }
    return c;
  };
  const ends: number[] = [];
  let from = 0;
  for (let i = 0; i < full.messages.length; i++) {
    if (!full.messages[i]!.complete) {
      ends.push(-1);
      continue;
    }
    let end: number;
    // A read-until-close body completes only at EOF, which no prefix has.
    if (completed(n) <= i || completed(n - 1) <= i) end = n;
    else {
      let lo = from;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (completed(mid) > i) hi = mid;
        else lo = mid + 1;
      }
      end = lo;
    }
    ends.push(end);
    from = end;
  }
  return { ends };
}

/**
 * `r` with each complete message's keep-alive as it stands after the message's trailer section.
 * Both oracles report the flag at headers-complete, but the trailer section's Connection options
 * count too (a `close` ends the connection, and on HTTP/1.0 a `keep-alive` keeps it), and a
 * trailer `Transfer-Encoding` whose final coding is not chunked ends it: the parser then refuses
 * the next byte (`HPE_CLOSED_CONNECTION`), and the client retires the connection. So each message
 * with trailers is probed with the stream up to its end (`bounds`) and one more byte that would
 * start a next response; the oracle's own answer decides, nothing here knows the rule.
 */
export function settleKeepAlive(
  oracle: Oracle,
  input: Uint8Array,
  method: string,
  r: OracleResult,
  bounds: Boundaries,
): OracleResult {
  let changed = false;
  const messages = r.messages.map((m, i) => {
    const end = bounds.ends[i]!;
    if (!m.complete || m.upgrade || m.trailers.length === 0 || end < 0) return m;
    const probe = new Uint8Array(end + 1);
    probe.set(input.subarray(0, end));
    probe[end] = 0x48; // 'H', the first byte of a status line
    const after = oracle([probe], { method, eof: false });
    const keepAlive = !(after.error?.code === 'HPE_CLOSED_CONNECTION' && after.error.at >= end);
    if (keepAlive === m.keepAlive) return m;
    changed = true;
    return { ...m, keepAlive };
  });
  return changed ? { ...r, messages } : r;
}

/** What one request of the connection must end with. */
export type Expectation =
  | {
      kind: 'complete';
      status: number;
      fields: [string, string][];
      body: Uint8Array;
      trailers: [string, string][];
      /** `either`: bytes followed the response, so the client may retire the connection at once. */
      end: 'CONNECTED' | 'DISCONNECTED' | 'either';
    }
  | { kind: 'upgrade'; status: number; fields: [string, string][]; body: Uint8Array }
  | { kind: 'body-error'; status: number; fields: [string, string][]; body: Uint8Array }
  | { kind: 'head-error' };

/** The server's delivery: where the bytes answering request k end (`segmentEnds[k]`). */
export interface Plan {
  segmentEnds: number[];
}

/**
 * Splits the stream into one segment per request, at llhttp's final-response boundaries: request
 * k+1 is sent only after final response k completed and the connection persists, and the last
 * request gets every remaining byte. The connection persists when llhttp says keep-alive, or when
 * it went on to parse another final response on it (its keep-alive flag is computed too early
 * for a HEAD response: the documented `keep-alive-before-no-body`).
 */
export function planDelivery(
  ref: OracleResult,
  bounds: Boundaries,
  requests: number,
  length: number,
): Plan {
  const finals = finalIndexes(ref);
  const segmentEnds: number[] = [];
  for (let k = 0; k < requests; k++) {
    const i = finals[k];
    const m = i === undefined ? undefined : ref.messages[i];
    const end = i === undefined ? -1 : bounds.ends[i]!;
    const last =
      k === requests - 1 ||
      m === undefined ||
      !m.complete ||
      (!m.keepAlive && finals[k + 1] === undefined) ||
      (ref.upgradeAt >= 0 && i === ref.messages.length - 1) ||
      end < 0 ||
      end >= length;
    if (last) {
      segmentEnds.push(length);
      break;
    }
    segmentEnds.push(end);
  }
  return { segmentEnds };
}

function finalIndexes(r: OracleResult): number[] {
  const out: number[] = [];
  r.messages.forEach((m, i) => {
    if (!isInterim(m.status)) out.push(i);
  });
  return out;
}

/** What each planned request must end with, according to verdict `r` on `input`. */
export function expectations(
  r: OracleResult,
  bounds: Boundaries,
  plan: Plan,
  input: Uint8Array,
): Expectation[] {
  const finals = finalIndexes(r);
  return plan.segmentEnds.map((segmentEnd, k): Expectation => {
    const i = finals[k];
    if (i === undefined) return { kind: 'head-error' };
    const m = r.messages[i]!;
    const fields = m.headers;
    if (r.upgradeAt >= 0 && i === r.messages.length - 1) {
      return { kind: 'upgrade', status: m.status, fields, body: input.subarray(r.upgradeAt) };
    }
    if (!m.complete) return { kind: 'body-error', status: m.status, fields, body: m.body };
    const after = bounds.ends[i]! < segmentEnd;
    return {
      kind: 'complete',
      status: m.status,
      fields,
      body: m.body,
      trailers: m.trailers,
      end: !m.keepAlive ? 'DISCONNECTED' : after ? 'either' : 'CONNECTED',
    };
  });
}

/**
 * Where gdhttp's parser and llhttp part on `input`, compared as the parser's own differential
 * test compares them (`packages/parser/test/differential-harness.ts`): the first difference, and
 * the documented divergence class that explains it, if any
 * (`packages/parser/test/differential-classes.ts`).
 */
export function parserDivergence(
  input: Uint8Array,
  method: string,
  ref: OracleResult,
  sub: OracleResult,
): { diff: string; cls: string | null } | null {
  // Unlike the parser's differential, messages and keep-alive are compared even when both
  // reject: a client delivers the response before a fault, so they matter here.
  const diff = diffResults(ref, sub, { keepAlive: true });
  if (diff === null) return null;
  const text = Buffer.from(input).toString('latin1');
  const as = (reference: OracleResult, subject: OracleResult, d: string) => ({
    input: text,
    method: method as 'GET' | 'HEAD' | 'CONNECT',
    reference,
    subject,
    diff: d,
  });
  let cls = divergenceClasses.find((k) => k.matches(as(ref, sub, diff)));
  if (cls === undefined && ref.error && sub.error && ref.error.at !== sub.error.at) {
    // Both reject, at different bytes: they part where the first one rejects, and the later
    // fault does not matter there (llhttp completes a head that gdhttp refuses at a documented
    // byte, then fails in the body). The parser's classes are written for accept-vs-reject, so
    // they see the later rejecter as accepting.
    const r = ref.error.at > sub.error.at ? { ...ref, error: null } : ref;
    const s = sub.error.at > ref.error.at ? { ...sub, error: null } : sub;
    const d = diffResults(r, s, { keepAlive: true });
    if (d !== null) cls = divergenceClasses.find((k) => k.matches(as(r, s, d)));
  }
  return { diff, cls: cls?.name ?? null };
}
