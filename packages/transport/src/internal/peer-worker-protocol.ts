/**
 * What the two halves of a {@link StreamPeerWorker} share: the layout of the control words, the
 * stages, and the messages that carry what does not fit in a word (errors, TLS details).
 *
 * Who writes what: the worker owns STAGE, RESOLVER, EOF, REASON and bumps NEWS (then notifies)
 * after each change the caller can see — bytes in, room out, a new stage. The caller bumps WAKE
 * (then notifies) when it wrote bytes out or, with WANT_ROOM set, freed room in. ASYNC is the
 * caller's request for a message on the worker's port when NEWS moves, so `news()` promises
 * settle without anyone blocking. WAITING is set by the caller while it blocks on NEWS: the worker
 * only makes the (costly) notify call then, bumping NEWS first, so no wake-up is lost.
 * STARTED tells a caller whose thread never yields that the worker runs at all: a worker that
 * fails to load reports it only as an 'error' event, which such a caller never receives.
 */

import type { MessagePort } from 'node:worker_threads';
import type { TLSFailureReason } from '../tls-error.js';

/** Indexes into the control `Int32Array`. */
export const Word = {
  NEWS: 0,
  WAKE: 1,
  STAGE: 2,
  RESOLVER: 3,
  EOF: 4,
  REASON: 5,
  WANT_ROOM: 6,
  ASYNC: 7,
  WAITING: 8,
  STARTED: 9,
} as const;
export const CONTROL_WORDS = 10;

/**
 * `STARTED` values. The worker moves NOT_YET to RUNNING as its module's first act; a caller whose
 * connect deadline passed first moves NOT_YET to ABANDONED, and a worker that finds ABANDONED does
 * nothing. A compare-exchange on both sides, so exactly one of them wins.
 */
export const Started = { NOT_YET: 0, RUNNING: 1, ABANDONED: 2 } as const;

/** The connection's stage, as the worker publishes it. */
export const Stage = {
  RESOLVING: 0,
  CONNECTING: 1,
  HANDSHAKING: 2,
  OPEN: 3,
  FAILED: 4,
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** `ASYNC` values: nobody waits; a ping is wanted; a ping was sent and not handled yet. */
export const Async = { OFF: 0, WANTED: 1, SENT: 2 } as const;

/** CloseReason values of a failure, as numbers in the REASON word. */
export const Reason = { NONE: 0, RESET: 1, ERROR: 2 } as const;

/** The TLS settings the worker rebuilds a TLSOptions from (certificates as PEM). */
export interface TlsSpec {
  readonly commonName: string;
  readonly unsafe: boolean;
  readonly trustedChain: readonly string[] | null;
  readonly commonNameOverride: string;
}

/** Everything the worker needs, sent as `workerData`. */
export interface PeerWorkerData {
  readonly control: SharedArrayBuffer;
  readonly inData: SharedArrayBuffer;
  readonly inCounters: SharedArrayBuffer;
  readonly outData: SharedArrayBuffer;
  readonly outCounters: SharedArrayBuffer;
  /** Where the worker posts {@link Fact}s; the caller reads them with `receiveMessageOnPort`. */
  readonly facts: MessagePort;
  readonly host: string;
  readonly port: number;
  readonly connectTimeout: number;
  readonly tunnel: { host: string; port: number; proxyAuthorization?: string } | null;
  readonly tls: TlsSpec | null;
}

/** A failure, flattened so it survives structured cloning; rebuilt as the same error class. */
export interface ErrorFact {
  readonly kind: 'transport' | 'tls' | 'proxy';
  readonly message: string;
  readonly code: number;
  readonly nodeCode: string;
  readonly reason: TLSFailureReason | null;
  readonly status: number;
}

/** Facts posted before the stage word that announces them. */
export type Fact =
  | { readonly type: 'address'; readonly address: string }
  | {
      readonly type: 'open';
      readonly address: string;
      readonly localPort: number;
      readonly protocol: string | null;
      readonly alpn: string | null;
      readonly certificate: string | null;
    }
  | { readonly type: 'failed'; readonly error: ErrorFact };
