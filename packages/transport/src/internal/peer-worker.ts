/**
 * The worker half of a {@link StreamPeerWorker}: it runs the ordinary event-loop peers —
 * StreamPeerTCP (lookup, connect, CONNECT tunnel) and StreamPeerTLS over it — on this thread's
 * event loop, and relays between them and the caller's thread through two shared rings.
 *
 * `step()` is the whole relay. It runs whenever a peer has news or the caller bumps WAKE: it
 * advances the connection stage, copies received bytes into the inbound ring while it has room,
 * hands bytes from the outbound ring to the peer while its write window has room, and publishes
 * what changed (NEWS, then a notify; a message on the port when the caller awaits asynchronously).
 * A failure or a clean close is published only once every byte received before it is in the ring,
 * so the caller reads them first, as on the event-loop peers.
 *
 * The worker lives until the caller terminates it (its port listener keeps the loop alive after
 * the socket closed, so bytes still waiting for ring room are not lost).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, StreamPeerTCPStatus, StreamPeerTLSStatus } from '@gdhttp/constants';
import { CloseReason } from '../close-reason.js';
import { ProxyError } from '../proxy-error.js';
import { ResolverStatus } from '../resolver-status.js';
import type { StreamPeer } from '../stream-peer.js';
import { StreamPeerTCP } from '../stream-peer-tcp.js';
import { StreamPeerTLS } from '../stream-peer-tls.js';
import { TLSError } from '../tls-error.js';
import { TLSOptions } from '../tls-options.js';
import { TransportError } from '../transport-error.js';
import {
  Async,
  type ErrorFact,
  type Fact,
  type PeerWorkerData,
  Reason,
  Stage,
  Started,
  Word,
} from './peer-worker-protocol.js';
import { SharedRing } from './shared-ring.js';

const data = workerData as PeerWorkerData;
const control = new Int32Array(data.control);
// First: tell the caller this thread runs, unless it gave up waiting for that (then do nothing).
const abandoned =
  Atomics.compareExchange(control, Word.STARTED, Started.NOT_YET, Started.RUNNING) !==
  Started.NOT_YET;
const inbound = new SharedRing({ data: data.inData, counters: data.inCounters });
const outbound = new SharedRing({ data: data.outData, counters: data.outCounters });
const port = parentPort!;

const tcp = new StreamPeerTCP({
  connectTimeout: data.connectTimeout,
  // The ring is the caller's buffer; the peer holds at most about as much again before pausing.
  highWaterMark: inbound.capacity,
});
let tls: StreamPeerTLS | null = null;
let stage = Atomics.load(control, Word.STAGE) as Stage;
/** Bytes taken from the outbound ring that the peer has not accepted yet. */
let unsent: Uint8Array | null = null;
let addressSent = '';

function post(fact: Fact): void {
  data.facts.postMessage(fact);
}

function publishStage(next: Stage): void {
  stage = next;
  Atomics.store(control, Word.STAGE, next);
}

function errorFact(error: TransportError | null): ErrorFact {
  const base = {
    message: error?.message ?? 'the connection failed',
    code: error?.code ?? ErrorCode.FAILED,
    nodeCode: error?.nodeCode ?? '',
  };
  if (error instanceof TLSError) return { ...base, kind: 'tls', reason: error.reason, status: 0 };
  if (error instanceof ProxyError) {
    return { ...base, kind: 'proxy', reason: null, status: error.status };
  }
  return { ...base, kind: 'transport', reason: null, status: 0 };
}

function fail(error: TransportError | null, reason: CloseReason): void {
  post({ type: 'failed', error: errorFact(error) });
  Atomics.store(control, Word.REASON, reason === CloseReason.RESET ? Reason.RESET : Reason.ERROR);
  publishStage(Stage.FAILED);
}

function open(peer: StreamPeer): void {
  post({
    type: 'open',
    address: tcp.getConnectedAddress(),
    localPort: tcp.getLocalPort(),
    protocol: tls?.getProtocol() ?? null,
    alpn: tls?.getAlpnProtocol() ?? null,
    certificate: tls?.getPeerCertificate()?.toString() ?? null,
  });
  active = peer;
  publishStage(Stage.OPEN);
}

let active: StreamPeer | null = null;

/** Advances the stage; true when it changed. */
function advance(): boolean {
  if (stage === Stage.RESOLVING || stage === Stage.CONNECTING) {
    tcp.poll();
    Atomics.store(control, Word.RESOLVER, tcp.getResolverStatus());
    const address = tcp.getConnectedAddress();
    if (address !== addressSent) {
      addressSent = address;
      post({ type: 'address', address });
    }
    const status = tcp.getStatus();
    if (status === StreamPeerTCPStatus.ERROR || status === StreamPeerTCPStatus.NONE) {
      fail(tcp.lastError, tcp.getCloseReason());
      return true;
    }
    if (status === StreamPeerTCPStatus.CONNECTING) {
      if (stage === Stage.RESOLVING && tcp.getResolverStatus() !== ResolverStatus.WAITING) {
        publishStage(Stage.CONNECTING);
        return true;
      }
      return false;
    }
    const spec = data.tls;
    if (spec === null) {
      open(tcp);
      return true;
    }
    const options = spec.unsafe
      ? TLSOptions.clientUnsafe(spec.trustedChain === null ? null : [...spec.trustedChain])
      : TLSOptions.client(
          spec.trustedChain === null ? null : [...spec.trustedChain],
          spec.commonNameOverride,
        );
    const peer = new StreamPeerTLS({ highWaterMark: inbound.capacity });
    const err = peer.connectToStream(tcp, spec.commonName, options);
    if (err !== ErrorCode.OK) {
      fail(peer.lastError ?? new TransportError('TLS could not start', err), CloseReason.ERROR);
      return true;
    }
    tls = peer;
    peer.onNews(step);
    publishStage(Stage.HANDSHAKING);
    return true;
  }
  if (stage === Stage.HANDSHAKING) {
    const peer = tls!;
    peer.poll();
    const status = peer.getStatus();
    if (status === StreamPeerTLSStatus.HANDSHAKING) return false;
    if (status === StreamPeerTLSStatus.CONNECTED) open(peer);
    else fail(peer.lastError, CloseReason.ERROR);
    return true;
  }
  return false;
}

/** Moves bytes both ways; true when the caller can see a difference. */
function relay(peer: StreamPeer): boolean {
  let news = false;
  peer.poll();
  // In: what arrived, as far as the ring has room. When bytes are left over, WANT_ROOM asks the
  // caller to wake this thread once it has freed half the ring. The caller may have drained the
  // ring before it saw the flag (then it will not wake anyone), so the room is looked at again
  // after raising it: with half the ring free, the flag is taken back and the copying goes on.
  // (Sequentially consistent atomics: either the caller's read-then-check sees the flag, or this
  // check sees the caller's read.)
  for (;;) {
    let room = inbound.room;
    while (room > 0) {
      const bytes = peer.getPartialData(room);
      if (bytes.length === 0) break;
      inbound.write(bytes);
      room -= bytes.length;
      news = true;
    }
    if (peer.getAvailableBytes() === 0) break;
    Atomics.store(control, Word.WANT_ROOM, 1);
    if (inbound.room < inbound.capacity / 2) break;
    // The caller took the flag meanwhile: its WAKE brings this thread back anyway.
    if (Atomics.compareExchange(control, Word.WANT_ROOM, 1, 0) !== 1) break;
  }
  // Out: the bytes the caller queued, one ring's worth at a time.
  for (;;) {
    if (unsent === null) {
      if (outbound.length === 0) break;
      unsent = outbound.read(outbound.length);
      news = true; // room in the outbound ring
    }
    const { error, sent } = peer.putPartialData(unsent);
    if (error !== ErrorCode.OK) {
      unsent = null;
      outbound.clear();
      break;
    }
    if (sent < unsent.length) {
      unsent = unsent.subarray(sent);
      break;
    }
    unsent = null;
  }
  // The end, once every byte before it is in the ring (the close reason is the one the poll()
  // above took in: nothing runs on this thread's events in between).
  if (peer.getAvailableBytes() === 0) {
    const reason = peer.getCloseReason();
    if (reason === CloseReason.EOF && Atomics.load(control, Word.EOF) === 0) {
      Atomics.store(control, Word.EOF, 1);
      news = true;
    } else if (reason === CloseReason.RESET || reason === CloseReason.ERROR) {
      fail(peer.lastError, reason);
      news = true;
    }
  }
  return news;
}

let publishing = false;

function step(): void {
  let news = advance();
  if (stage === Stage.OPEN && active !== null) news = relay(active) || news;
  if (!news || publishing) return;
  // Published once per turn of this thread's loop: a busy socket delivers several reads in one
  // turn, and each wake-up of the caller's thread costs far more than the reads.
  publishing = true;
  setImmediate(publish);
}

function publish(): void {
  publishing = false;
  Atomics.add(control, Word.NEWS, 1);
  if (Atomics.load(control, Word.WAITING) !== 0) Atomics.notify(control, Word.NEWS);
  if (Atomics.compareExchange(control, Word.ASYNC, Async.WANTED, Async.SENT) === Async.WANTED) {
    port.postMessage(0);
  }
}

/** `Atomics.waitAsync` (Node 16+), which TypeScript's ES2022 library does not declare yet. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Runs `step()` each time the caller bumps WAKE. */
async function watchCaller(): Promise<void> {
  for (;;) {
    const seen = Atomics.load(control, Word.WAKE);
    step();
    const wait = waitAsync(control, Word.WAKE, seen);
    if (wait.async) await wait.value;
  }
}

if (abandoned) {
  process.exit(0); // ends this thread only
} else {
  // Keeps this thread alive until the caller terminates it, whatever the socket does.
  port.on('message', () => {});
  tcp.onNews(step);
  const tunnel = data.tunnel;
  const err = tcp.connectToHost(data.host, data.port, tunnel === null ? {} : { tunnel });
  if (err !== ErrorCode.OK) fail(tcp.lastError, CloseReason.ERROR);
  void watchCaller();
}
