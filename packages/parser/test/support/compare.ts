/**
 * Normalisation and comparison of oracle results (docs/references.md#comparing-with-llhttp):
 * values trimmed of trailing OWS (already done by every oracle), bodies compared as concatenated
 * bytes, split spans merged.
 */
import type { OracleResult } from '../oracle/types.ts';

/** A message reduced to what every parser must agree on. */
export interface CoarseMessage {
  status: number;
  version: string;
  reason: string;
  headers: [string, string][];
  trailers: [string, string][];
  /** Body bytes as latin1. */
  body: string;
  complete: boolean;
}

export interface Coarse {
  messages: CoarseMessage[];
  error: { code: string; at: number } | null;
  upgradeAt: number;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** Drops fields the comparison does not cover (keepAlive, upgrade flag, bytesParsed). */
export function coarse(r: OracleResult): Coarse {
  return {
    messages: r.messages.map((m) => ({
      status: m.status,
      version: m.version,
      reason: m.reason,
      headers: m.headers,
      trailers: m.trailers,
      body: latin1(m.body),
      complete: m.complete,
    })),
    error: r.error ? { code: r.error.code, at: r.error.at } : null,
    upgradeAt: r.upgradeAt,
  };
}

export interface CompareOptions {
  /** Compare error codes, not just accept/reject (only meaningful between llhttp builds). */
  errorCodes?: boolean;
  /** Compare error offsets. */
  errorAt?: boolean;
  /** Compare reason phrases. */
  reason?: boolean;
  /** When both reject, compare only the verdict (and code if `errorCodes`). */
  verdictOnlyWhenRejected?: boolean;
  /** Compare `keepAlive` (needs full results). */
  keepAlive?: boolean;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

/**
 * First difference between two coarse results, or `null` when they agree.
 *
 * @param a - expected / reference.
 * @param b - actual.
 */
export function diffCoarse(a: Coarse, b: Coarse, opts: CompareOptions = {}): string | null {
  if ((a.error === null) !== (b.error === null)) {
    return `verdict: ${a.error ? `reject ${a.error.code}@${a.error.at}` : 'accept'} vs ${
      b.error ? `reject ${b.error.code}@${b.error.at}` : 'accept'
    }`;
  }
  if (a.error && b.error) {
    // both reject: which messages were reported before the fault depends on where each parser
    // detects it, so the verdict is the comparison (optionally with code and offset)
    if (opts.verdictOnlyWhenRejected) {
      if (opts.errorCodes && a.error.code !== b.error.code) {
        return `error code: ${a.error.code} vs ${b.error.code}`;
      }
      return null;
    }
    if (opts.errorCodes && a.error.code !== b.error.code) {
      return `error code: ${a.error.code} vs ${b.error.code}`;
    }
    if (opts.errorAt && a.error.at !== b.error.at) {
      return `error offset: ${a.error.at} vs ${b.error.at}`;
    }
  }
  if (a.upgradeAt !== b.upgradeAt) return `upgradeAt: ${a.upgradeAt} vs ${b.upgradeAt}`;
  if (a.messages.length !== b.messages.length) {
    return `message count: ${a.messages.length} vs ${b.messages.length}`;
  }
  for (let i = 0; i < a.messages.length; i++) {
    const x = a.messages[i]!;
    const y = b.messages[i]!;
    for (const k of ['status', 'version', 'complete', 'body'] as const) {
      if (x[k] !== y[k]) return `message ${i} ${k}: ${show(x[k])} vs ${show(y[k])}`;
    }
    if (opts.reason !== false && x.reason !== y.reason) {
      return `message ${i} reason: ${show(x.reason)} vs ${show(y.reason)}`;
    }
    if (JSON.stringify(x.headers) !== JSON.stringify(y.headers)) {
      return `message ${i} headers: ${show(x.headers)} vs ${show(y.headers)}`;
    }
    // Node's binding hands trailers over only when the message completes, so trailers of a
    // message cut short by an error or EOF are not comparable.
    if (x.complete && y.complete && JSON.stringify(x.trailers) !== JSON.stringify(y.trailers)) {
      return `message ${i} trailers: ${show(x.trailers)} vs ${show(y.trailers)}`;
    }
  }
  return null;
}

/** Like {@link diffCoarse} on full results, optionally also comparing `keepAlive`. */
export function diffResults(a: OracleResult, b: OracleResult, opts: CompareOptions = {}) {
  const d = diffCoarse(coarse(a), coarse(b), opts);
  if (d || !opts.keepAlive || (opts.verdictOnlyWhenRejected && a.error && b.error)) return d;
  for (let i = 0; i < a.messages.length; i++) {
    if (a.messages[i]!.keepAlive !== b.messages[i]!.keepAlive) {
      return `message ${i} keepAlive: ${a.messages[i]!.keepAlive} vs ${b.messages[i]!.keepAlive}`;
    }
  }
  return null;
}
