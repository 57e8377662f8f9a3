/**
 * The client fuzz's engine: builds each case (bytes, llhttp's verdict, the delivery plan, what
 * the client must do), runs it over a real loopback socket at two split patterns, judges the
 * client against the policy, classifies documented differences, and shrinks each distinct
 * failure to a small reproduction.
 */
import { ErrorCode, Method, nameOf, Status } from '@gdhttp/constants';
import { ParseError } from '@gdhttp/parser';
import { Prng } from '../../parser/test/support/prng.ts';
import { HTTPClient } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';
import { caseSeed, type FuzzCase, type FuzzMethod, generateCase } from './fuzz-generate.ts';
import {
  type Boundaries,
  boundaries,
  bytes,
  type Expectation,
  expectations,
  gdhttpParser,
  latin1,
  llhttp,
  type OracleResult,
  type Plan,
  parserDivergence,
  planDelivery,
  settleKeepAlive,
} from './fuzz-oracle.ts';
import type { FuzzServer } from './fuzz-server.ts';

/** One case, ready to run: its bytes, both verdicts, the plan, the two split patterns. */
export interface Prepared {
  index: number;
  method: FuzzMethod;
  requests: number;
  notes: string[];
  input: Uint8Array;
  ref: OracleResult;
  refBounds: Boundaries;
  sub: OracleResult;
  plan: Plan;
  want: Expectation[];
  /** Parser-level difference (llhttp vs gdhttp's parser) and its documented class. */
  divergence: { diff: string; cls: string | null } | null;
  /** Two sets of cut offsets (absolute, sorted): where the writes split the stream. */
  cuts: [number[], number[]];
  /** The client's `readChunkSize` at each pattern (it also bounds each read of the head). */
  readSizes: [number, number];
}

/** What the client reported for one request. */
export interface Observed {
  /** Status once REQUESTING was left (BODY, CONNECTED, DISCONNECTED, CONNECTION_ERROR…). */
  afterHead: string;
  code: number;
  headers: string[];
  body: Uint8Array;
  trailers: string[];
  /** Status once the body was read (`afterHead` when there was no BODY phase). */
  end: string;
  /** `lastError` when the client ended in CONNECTION_ERROR (or timed out). */
  error: string | null;
}

export interface Mismatch {
  exchange: number;
  field: string;
  want: string;
  got: string;
  /** The failure kind: expectation kind, field and what the client did, without the values. */
  signature: string;
}

/** A generous bound: only a client that waits for bytes that never come reaches it. */
const TIMEOUT_MS = 5000;
const DEFAULT_READ = 65536;
const PAUSE_MS = 1;
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');
const METHODS: Record<FuzzMethod, Method> = {
  GET: Method.GET,
  HEAD: Method.HEAD,
  CONNECT: Method.CONNECT,
};

/** Builds the verdicts, plan and expectations for `text` answering `requests` × `method`. */
export function prepare(
  c: Pick<FuzzCase, 'index' | 'method' | 'text' | 'requests' | 'notes'>,
  cuts: [number[], number[]] | ((p: Omit<Prepared, 'cuts' | 'readSizes'>) => [number[], number[]]),
  readSizes: [number, number] = [DEFAULT_READ, DEFAULT_READ],
): Prepared {
  const input = bytes(c.text);
  const opts = { method: c.method };
  const refHead = llhttp([input], opts);
  const refBounds = boundaries(llhttp, input, c.method, refHead);
  const ref = settleKeepAlive(llhttp, input, c.method, refHead, refBounds);
  const subHead = gdhttpParser([input], opts);
  const sub = subHead.messages.some((m) => m.trailers.length > 0)
    ? settleKeepAlive(
        gdhttpParser,
        input,
        c.method,
        subHead,
        boundaries(gdhttpParser, input, c.method, subHead),
      )
    : subHead;
  const plan = planDelivery(ref, refBounds, c.requests, input.length);
  const base = {
    index: c.index,
    method: c.method,
    requests: c.requests,
    notes: c.notes,
    input,
    ref,
    refBounds,
    sub,
    plan,
    want: expectations(ref, refBounds, plan, input),
    divergence: parserDivergence(input, c.method, ref, sub),
  };
  return { ...base, cuts: typeof cuts === 'function' ? cuts(base) : cuts, readSizes };
}

/** Case `index` of run `seed`, with its two split patterns. */
export function prepareCase(seed: number, index: number): Prepared {
  const rng = new Prng(caseSeed(seed, index));
  const c = generateCase(rng, index);
  const p = prepare(c, (base) => chooseCuts(rng, base));
  // Now and then the second run reads at most 256 bytes at a time (Godot's minimum), the head too.
  if (rng.chance(0.25)) p.readSizes = [DEFAULT_READ, 256];
  return p;
}

/**
 * Two split patterns: the first often leaves each segment whole (one write: everything in one
 * read, where a client most easily mixes a head with what follows it), the second cuts 1–4
 * times; both favour offsets next to a head end, a message end or an error.
 */
function chooseCuts(rng: Prng, p: Omit<Prepared, 'cuts' | 'readSizes'>): [number[], number[]] {
  const n = p.input.length;
  const interesting = new Set<number>();
  const add = (x: number) => {
    for (const d of [-1, 0, 1]) if (x + d > 0 && x + d < n) interesting.add(x + d);
  };
  // Head ends (and trailer ends): where a parser is most likely to mix one part with the next.
  const s = latin1(p.input);
  for (let at = s.indexOf('\r\n\r\n'); at >= 0; at = s.indexOf('\r\n\r\n', at + 1)) add(at + 4);
  p.refBounds.ends.forEach(add);
  if (p.ref.error) add(p.ref.error.at);
  if (p.sub.error) add(p.sub.error.at);
  if (p.ref.upgradeAt >= 0) add(p.ref.upgradeAt);
  const segmentEnds = new Set(p.plan.segmentEnds);
  const choices = [...interesting].filter((x) => !segmentEnds.has(x));
  const cut = (): number =>
    choices.length > 0 && rng.chance(0.65) ? rng.pick(choices) : rng.range(1, Math.max(1, n - 1));
  const valid = (xs: number[]) =>
    [...new Set(xs)].filter((x) => x > 0 && x < n && !segmentEnds.has(x)).sort((a, b) => a - b);
  const first = valid(rng.chance(0.6) || n < 2 ? [] : [cut()]);
  let second = valid(Array.from({ length: rng.range(1, 4) }, cut));
  if (n >= 2 && JSON.stringify(first) === JSON.stringify(second)) {
    second = valid([...second, rng.range(1, n - 1)]);
  }
  return [first, second];
}

/** The pieces of each segment, cut at `cuts`. */
export function pieces(input: Uint8Array, plan: Plan, cuts: readonly number[]): Uint8Array[][] {
  let start = 0;
  return plan.segmentEnds.map((end) => {
    const out: Uint8Array[] = [];
    let from = start;
    for (const c of cuts) {
      if (c > from && c < end) {
        out.push(input.subarray(from, c));
        from = c;
      }
    }
    if (end > from) out.push(input.subarray(from, end));
    start = end;
    return out;
  });
}

const statusName = (s: Status): string => nameOf(Status, s) ?? String(s);

function errorSummary(client: HTTPClient): string | null {
  const e = client.lastError;
  if (e === null) return null;
  if (e instanceof ParseError) return `ParseError ${e.reason}@${e.offset}`;
  return `${e.name}: ${e.message}`;
}

/** Drives one connection through the plan's requests and reports what the client did. */
export async function runDelivery(
  server: FuzzServer,
  p: Prepared,
  pattern: 0 | 1,
): Promise<Observed[]> {
  const segments = pieces(p.input, p.plan, p.cuts[pattern]);
  const id = server.register({ segments, pauseMs: PAUSE_MS });
  const client = new HTTPClient();
  client.readChunkSize = p.readSizes[pattern];
  const observed: Observed[] = [];
  try {
    await connect(client, server.host, server.port);
    if (client.getStatus() !== Status.CONNECTED) {
      throw new Error(`could not connect: ${statusName(client.getStatus())}`);
    }
    for (let k = 0; k < p.plan.segmentEnds.length; k++) {
      if (k > 0 && client.getStatus() !== Status.CONNECTED) break;
      const url = p.method === 'CONNECT' ? 'example.test:443' : '/';
      const err = client.request(METHODS[p.method], url, [`X-Fuzz: ${id}`]);
      if (err !== ErrorCode.OK) throw new Error(`request() returned ${err}`);
      let afterHead: string;
      try {
        await drive(client, (s) => s !== Status.REQUESTING, TIMEOUT_MS);
        afterHead = statusName(client.getStatus());
      } catch {
        afterHead = 'TIMEOUT';
      }
      const code = client.getResponseCode();
      const headers = client.getResponseHeaders();
      let body: Uint8Array = EMPTY;
      let end = afterHead;
      if (client.getStatus() === Status.BODY && afterHead !== 'TIMEOUT') {
        try {
          body = await readBody(client, TIMEOUT_MS);
          end = statusName(client.getStatus());
        } catch {
          end = 'TIMEOUT';
        }
      }
      const failed = end === 'CONNECTION_ERROR' || end === 'TIMEOUT';
      observed.push({
        afterHead,
        code,
        headers,
        body,
        trailers: client.getResponseTrailers(),
        end,
        error: failed ? errorSummary(client) : null,
      });
      if (failed) break;
    }
  } finally {
    client.close();
    server.release(id);
  }
  return observed;
}

// --- judging ---------------------------------------------------------------------------------

/** A field as the oracle gives it (latin1 strings), decoded as the client decodes fields (UTF-8). */
const asClient = ([name, value]: [string, string]): string =>
  `${utf8.decode(bytes(name))}: ${utf8.decode(bytes(value))}`;

/** A client line (`"Name:value"` as sent, or `"Name: value"`) as name and OWS-trimmed value. */
const asField = (line: string): string => {
  const colon = line.indexOf(':');
  if (colon < 0) return `(no colon) ${line}`;
  return `${line.slice(0, colon)}: ${line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')}`;
};

const short = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
};
const text = (b: Uint8Array) => latin1(b);

/** What the client did: the status, and the error behind it. */
function did(status: string, error: string | null): string {
  return error === null ? status : `${status} (${error})`;
}

/** The same without the error's detail (reason, offset, message): a failure kind's last part. */
function gist(status: string, error: string | null): string {
  return error === null ? status : `${status} (${/^\w+/.exec(error)?.[0] ?? 'error'})`;
}

/** The first way `o` breaks the policy for expectation `e` of request `k`, or null. */
function judgeOne(e: Expectation, o: Observed | undefined, k: number): Mismatch | null {
  const mm = (field: string, want: string, got: string, kind = ''): Mismatch => ({
    exchange: k,
    field,
    want,
    got,
    signature: `${e.kind}: ${field}${kind === '' ? '' : ` → ${kind}`}`,
  });
  if (o === undefined) {
    return mm('request', `request ${k + 1} made`, 'the client was not CONNECTED to make it');
  }
  if (e.kind === 'head-error') {
    if (o.afterHead !== 'CONNECTION_ERROR' || o.code !== 0) {
      const got = `${did(o.afterHead, o.error)}, code ${o.code}`;
      return mm('verdict', 'CONNECTION_ERROR with response code 0', got, gist(o.afterHead, null));
    }
    return null;
  }
  const headOk = e.kind === 'complete' ? ['BODY', 'CONNECTED', 'DISCONNECTED'] : ['BODY'];
  if (!headOk.includes(o.afterHead)) {
    const got = `${did(o.afterHead, o.error)}, code ${o.code}`;
    return mm('head', `${headOk.join('|')} with code ${e.status}`, got, gist(o.afterHead, o.error));
  }
  if (o.code !== e.status) return mm('code', String(e.status), String(o.code));
  const wantFields = e.fields.map(asClient);
  const gotFields = o.headers.map(asField);
  if (JSON.stringify(wantFields) !== JSON.stringify(gotFields)) {
    return mm('fields', short(wantFields), short(gotFields));
  }
  if (e.kind === 'body-error') {
    if (o.end !== 'CONNECTION_ERROR') {
      return mm('end', 'CONNECTION_ERROR', did(o.end, o.error), gist(o.end, o.error));
    }
    if (text(o.body) !== text(e.body)) {
      return mm('body', short(text(e.body)), short(text(o.body)));
    }
    return null;
  }
  if (text(o.body) !== text(e.body)) {
    return mm('body', short(text(e.body)), short(text(o.body)));
  }
  if (e.kind === 'upgrade') {
    if (o.end !== 'DISCONNECTED') {
      return mm('end', 'DISCONNECTED', did(o.end, o.error), gist(o.end, o.error));
    }
    return null;
  }
  const wantTrailers = e.trailers.map(asClient);
  const gotTrailers = o.trailers.map(asField);
  if (JSON.stringify(wantTrailers) !== JSON.stringify(gotTrailers)) {
    return mm('trailers', short(wantTrailers), short(gotTrailers));
  }
  const ends = e.end === 'either' ? ['CONNECTED', 'DISCONNECTED'] : [e.end];
  if (!ends.includes(o.end)) {
    return mm('end', ends.join('|'), did(o.end, o.error), gist(o.end, o.error));
  }
  return null;
}

/** The first policy break over a connection's requests, or null. */
export function judge(want: Expectation[], observed: Observed[]): Mismatch | null {
  for (let k = 0; k < want.length; k++) {
    const m = judgeOne(want[k]!, observed[k], k);
    if (m !== null) return m;
    // After a failed or closed request there is nothing more to make.
    const o = observed[k]!;
    if (o.end !== 'CONNECTED') return null;
  }
  return null;
}

/** An outcome reduced to what must not depend on the split. */
function normalized(want: Expectation[], observed: Observed[]): string {
  return JSON.stringify(
    observed.map((o, k) => {
      const e = want[k];
      // Bytes after a complete response retire the connection: at once when they came in the
      // same read, or at a later poll when they came later; either is the same outcome.
      const either = (status: string) =>
        e?.kind === 'complete' &&
        e.end === 'either' &&
        (status === 'CONNECTED' || status === 'DISCONNECTED');
      return {
        afterHead: either(o.afterHead) ? 'CONNECTED|DISCONNECTED' : o.afterHead,
        code: o.code,
        headers: o.headers,
        body: text(o.body),
        trailers: o.trailers,
        end: either(o.end) ? 'CONNECTED|DISCONNECTED' : o.end,
        error: o.error,
      };
    }),
  );
}

function firstDifference(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, unknown>[];
  const y = JSON.parse(b) as Record<string, unknown>[];
  for (let k = 0; k < Math.max(x.length, y.length); k++) {
    if (x[k] === undefined || y[k] === undefined) return `request ${k + 1} made once only`;
    for (const key of Object.keys(x[k]!)) {
      if (JSON.stringify(x[k]![key]) !== JSON.stringify(y[k]![key])) {
        return `request ${k + 1} ${key}: ${short(x[k]![key])} vs ${short(y[k]![key])}`;
      }
    }
  }
  return 'equal';
}

/**
 * How gdhttp's parser parts from llhttp, undocumented, as a failure kind's suffix: the parser is
 * then where to look first.
 */
function parserTag(p: Prepared, diff: string): string {
  const r = p.ref.error;
  const s = p.sub.error;
  if (s && (!r || r.at > s.at)) return `gdhttp's parser rejects first: ${s.code}`;
  if (r && (!s || s.at > r.at)) return `gdhttp's parser accepts what llhttp rejects: ${r.code}`;
  return `gdhttp's parser differs: ${diff.replace(/^message \d+/, 'message').replace(/:.*$/, '')}`;
}

/** The judgement of one case run at both patterns. */
export interface Verdict {
  /** null: passed (perhaps explained by `cls`). */
  failure: { pattern: number; mismatch: Mismatch; note: string } | null;
  /** The documented class that explained a difference from llhttp. */
  cls: string | null;
  observed: [Observed[], Observed[]];
}

export async function runCase(server: FuzzServer, p: Prepared): Promise<Verdict> {
  const observed = (await Promise.all([runDelivery(server, p, 0), runDelivery(server, p, 1)])) as [
    Observed[],
    Observed[],
  ];
  return judgeCase(p, observed);
}

/** Judges both runs against llhttp, then (for a documented divergence) against gdhttp's parser. */
export function judgeCase(p: Prepared, observed: [Observed[], Observed[]]): Verdict {
  const byRef = observed.map((o) => judge(p.want, o));
  let cls: string | null = null;
  let want = p.want;
  if (byRef.some((m) => m !== null)) {
    const d = p.divergence;
    let failed = byRef;
    let note = '';
    let tag = '';
    if (d?.cls) {
      // A documented parser-level difference: the client must then follow its own parser.
      const subBounds = boundaries(gdhttpParser, p.input, p.method, p.sub);
      const subWant = expectations(p.sub, subBounds, p.plan, p.input);
      const bySub = observed.map((o) => judge(subWant, o));
      if (bySub.every((m) => m === null)) {
        cls = d.cls;
        want = subWant;
      } else {
        failed = bySub;
        note = `judged against gdhttp's parser: documented class ${d.cls} explains its difference from llhttp (${d.diff})`;
      }
    } else if (d) {
      note = `gdhttp's parser also differs from llhttp: ${d.diff}`;
      tag = ` [${parserTag(p, d.diff)}]`;
    }
    if (cls === null) {
      const pattern = failed[0] !== null ? 0 : 1;
      const m = failed[pattern]!;
      const mismatch = { ...m, signature: m.signature + tag };
      return { failure: { pattern, mismatch, note }, cls, observed };
    }
  }
  const a = normalized(want, observed[0]);
  const b = normalized(want, observed[1]);
  if (a !== b) {
    const diff = firstDifference(a, b);
    const field = /^request \d+ (\w+)/.exec(diff)?.[1] ?? 'requests';
    return {
      failure: {
        pattern: 1,
        mismatch: {
          exchange: 0,
          field,
          want: 'the same outcome at both split patterns',
          got: diff,
          signature: `split-dependent: ${field}`,
        },
        note: '',
      },
      cls,
      observed,
    };
  }
  return { failure: null, cls, observed };
}

// --- reporting -----------------------------------------------------------------------------

/** A reproduction: the bytes per request, and the writes they are cut into. */
export function describeCase(p: Prepared, pattern: number | null): string {
  const lines: string[] = [];
  lines.push(
    `method ${p.method}, ${p.plan.segmentEnds.length} request(s) planned (${p.requests} generated)` +
      (p.notes.length > 0 ? `; mutations: ${p.notes.join('; ')}` : ''),
  );
  const patterns = pattern === null ? [0, 1] : [pattern];
  for (const i of patterns) {
    const segs = pieces(p.input, p.plan, p.cuts[i]!);
    const size = p.readSizes[i] === DEFAULT_READ ? '' : `, readChunkSize ${p.readSizes[i]}`;
    lines.push(`writes (split pattern ${i + 1}, cuts at ${JSON.stringify(p.cuts[i])}${size}):`);
    segs.forEach((seg, k) => {
      lines.push(
        `  after request ${k + 1}: ${seg.map((b) => JSON.stringify(text(b))).join(' + ')}`,
      );
    });
  }
  const r = p.ref;
  const msgs = r.messages.map(
    (m, i) =>
      `${m.status}${m.complete ? '' : ' (incomplete)'}${m.keepAlive ? '' : ' close'} ` +
      `body ${m.body.length}B end ${p.refBounds.ends[i]}`,
  );
  lines.push(
    `llhttp ${process.versions.llhttp}: [${msgs.join(', ')}] ` +
      (r.error ? `error ${r.error.code}@${r.error.at}` : 'no error') +
      (r.upgradeAt >= 0 ? ` upgradeAt ${r.upgradeAt}` : ''),
  );
  if (p.divergence) {
    lines.push(
      `gdhttp parser vs llhttp: ${p.divergence.diff} (${p.divergence.cls ?? 'undocumented'})`,
    );
  }
  return lines.join('\n');
}

// --- shrinking -----------------------------------------------------------------------------

/** Removes [a, b) from the case and moves the cuts with the bytes. */
function without(p: Prepared, a: number, b: number): Prepared {
  const s = latin1(p.input);
  const n = p.input.length - (b - a);
  const shift = (cuts: number[]) => [
    ...new Set(
      cuts.map((c) => (c < a ? c : c >= b ? c - (b - a) : a)).filter((c) => c > 0 && c < n),
    ),
  ];
  return prepare(
    {
      index: p.index,
      method: p.method,
      text: s.slice(0, a) + s.slice(b),
      requests: p.requests,
      notes: [],
    },
    [shift(p.cuts[0]), shift(p.cuts[1])],
    p.readSizes,
  );
}

function withCuts(p: Prepared, cuts: [number[], number[]]): Prepared {
  return prepare(
    { index: p.index, method: p.method, text: latin1(p.input), requests: p.requests, notes: [] },
    cuts,
    p.readSizes,
  );
}

/**
 * Delta debugging (ddmin over byte ranges, then over cuts): the smallest input found that fails
 * with the same signature. Candidates of one round run concurrently; `budget` bounds the runs.
 */
export async function shrink(
  server: FuzzServer,
  p: Prepared,
  signature: string,
  budget = 400,
): Promise<Prepared> {
  let runs = 0;
  const fails = async (c: Prepared): Promise<boolean> => {
    runs++;
    const v = await runCase(server, c);
    return v.failure?.mismatch.signature === signature;
  };
  let best = p;
  let n = 2;
  while (best.input.length >= 2 && runs < budget) {
    const len = best.input.length;
    const size = Math.ceil(len / n);
    const candidates: Prepared[] = [];
    for (let a = 0; a < len; a += size) candidates.push(without(best, a, Math.min(len, a + size)));
    let found: Prepared | null = null;
    for (let i = 0; i < candidates.length && found === null && runs < budget; i += 16) {
      const batch = candidates.slice(i, i + 16);
      const results = await Promise.all(batch.map(fails));
      const hit = results.indexOf(true);
      if (hit >= 0) found = batch[hit]!;
    }
    if (found !== null) {
      best = found;
      n = Math.max(2, n - 1);
    } else if (size === 1) {
      break;
    } else {
      n = Math.min(len, n * 2);
    }
  }
  // Fewer writes: drop cuts one at a time while it still fails.
  for (const pattern of [0, 1] as const) {
    for (let i = best.cuts[pattern].length - 1; i >= 0 && runs < budget; i--) {
      const cuts: [number[], number[]] = [[...best.cuts[0]], [...best.cuts[1]]];
      cuts[pattern].splice(i, 1);
      const c = withCuts(best, cuts);
      if (await fails(c)) best = c;
    }
  }
  return best;
}
