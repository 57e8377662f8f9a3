/**
 * @packageDocumentation
 * `@gdhttp/transport`: the byte pipe under gdhttp's HTTPClient — Godot's StreamPeerTCP,
 * StreamPeerTLS and TLSOptions on Node, with DNS, CONNECT tunnels, backpressure and news.
 */

export { authorityOf } from './authority-of.js';
export { CloseReason } from './close-reason.js';
export { delayMsec, delayUsec } from './delay.js';
export { basicProxyAuthorization } from './proxy-authorization.js';
export { ProxyError } from './proxy-error.js';
export { ResolverStatus } from './resolver-status.js';
export { startModuleWorker } from './start-module-worker.js';
export type { NewsListener, PartialWrite, StreamPeer } from './stream-peer.js';
export type {
  ConnectOptions,
  HostLookup,
  StreamPeerTCPOptions,
  TunnelTarget,
} from './stream-peer-tcp.js';
export { DEFAULT_HIGH_WATER_MARK, StreamPeerTCP } from './stream-peer-tcp.js';
export type { StreamPeerTLSOptions } from './stream-peer-tls.js';
export { StreamPeerTLS } from './stream-peer-tls.js';
export type {
  StreamPeerWorkerOptions,
  WorkerConnectOptions,
} from './stream-peer-worker.js';
export { DEFAULT_WORKER_BUFFER_SIZE, StreamPeerWorker } from './stream-peer-worker.js';
export { TLSError, TLSFailureReason, tlsFailureReasonOf } from './tls-error.js';
export type { CertificateInput, PrivateKeyInput } from './tls-options.js';
export { TLSOptions } from './tls-options.js';
export { TransportError } from './transport-error.js';
