export {
  CONNECT_TIMEOUT_SECONDS,
  DefaultPort,
  HTTPRequestDefaults,
  MIN_HOST_LENGTH,
  ReadChunkSize,
} from './defaults.js';
export { ErrorCode, errorString } from './error-code.js';
export { GdhttpError } from './gdhttp-error.js';
export type { MethodToken } from './method.js';
export { Method, methodToken } from './method.js';
export { nameOf } from './name-of.js';
export { ResponseCode, reasonPhrase } from './response-code.js';
export { Result } from './result.js';
export { Status } from './status.js';
export { StreamPeerTCPStatus, StreamPeerTLSStatus } from './stream-peer-status.js';
