import { ErrorCode } from '@gdhttp/constants';
import { nodeCodeOf, TransportError } from './transport-error.js';

/**
 * Why a TLS handshake failed, in words a caller can act on. Node's own code stays available as
 * {@link TLSError.nodeCode}.
 */
export const TLSFailureReason = {
  /** The certificate's validity period has ended (`CERT_HAS_EXPIRED`). */
  CERT_HAS_EXPIRED: 'CERT_HAS_EXPIRED',
  /** The certificate is not valid yet (`CERT_NOT_YET_VALID`). */
  CERT_NOT_YET_VALID: 'CERT_NOT_YET_VALID',
  /** The server presented a lone self-signed certificate (`DEPTH_ZERO_SELF_SIGNED_CERT`). */
  SELF_SIGNED: 'SELF_SIGNED',
  /** The chain does not end at a trusted CA (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SELF_SIGNED_CERT_IN_CHAIN`, …). */
  UNKNOWN_CA: 'UNKNOWN_CA',
  /** The certificate does not name the host (`ERR_TLS_CERT_ALTNAME_INVALID`). */
  HOSTNAME_MISMATCH: 'HOSTNAME_MISMATCH',
  /** Another certificate problem (revoked, bad signature, wrong purpose, …). */
  BAD_CERTIFICATE: 'BAD_CERTIFICATE',
  /** The peer closed or reset the connection during the handshake. */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** Protocol failure: no common version or cipher, an alert, garbage instead of TLS. */
  HANDSHAKE_FAILED: 'HANDSHAKE_FAILED',
} as const;

/** One of the {@link TLSFailureReason} strings. */
export type TLSFailureReason = (typeof TLSFailureReason)[keyof typeof TLSFailureReason];

const REASON_BY_NODE_CODE: Readonly<Record<string, TLSFailureReason>> = {
  CERT_HAS_EXPIRED: TLSFailureReason.CERT_HAS_EXPIRED,
  CERT_NOT_YET_VALID: TLSFailureReason.CERT_NOT_YET_VALID,
  DEPTH_ZERO_SELF_SIGNED_CERT: TLSFailureReason.SELF_SIGNED,
  // A self-signed root the client does not trust, sent inside the chain: the CA is unknown.
  SELF_SIGNED_CERT_IN_CHAIN: TLSFailureReason.UNKNOWN_CA,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: TLSFailureReason.UNKNOWN_CA,
  UNABLE_TO_GET_ISSUER_CERT: TLSFailureReason.UNKNOWN_CA,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: TLSFailureReason.UNKNOWN_CA,
  ERR_TLS_CERT_ALTNAME_INVALID: TLSFailureReason.HOSTNAME_MISMATCH,
  CERT_REVOKED: TLSFailureReason.BAD_CERTIFICATE,
  CERT_SIGNATURE_FAILURE: TLSFailureReason.BAD_CERTIFICATE,
  CERT_UNTRUSTED: TLSFailureReason.BAD_CERTIFICATE,
  CERT_REJECTED: TLSFailureReason.BAD_CERTIFICATE,
  INVALID_PURPOSE: TLSFailureReason.BAD_CERTIFICATE,
  INVALID_CA: TLSFailureReason.BAD_CERTIFICATE,
  ECONNRESET: TLSFailureReason.CONNECTION_CLOSED,
  EPIPE: TLSFailureReason.CONNECTION_CLOSED,
};

/**
 * Maps a Node handshake error code to a {@link TLSFailureReason}.
 *
 * @param nodeCode - `err.code` from Node's TLS socket.
 * @returns the reason; `HANDSHAKE_FAILED` for codes not listed (OpenSSL alerts and the like).
 */
export function tlsFailureReasonOf(nodeCode: string): TLSFailureReason {
  return REASON_BY_NODE_CODE[nodeCode] ?? TLSFailureReason.HANDSHAKE_FAILED;
}

/**
 * A failed TLS handshake, with the verification reason (Godot only prints an mbedTLS number).
 *
 * `code` is `CANT_CONNECT` for handshake failures, like Godot's HTTPClient returns after a
 * failed handshake; a TLS connection that breaks after the handshake is a plain
 * {@link TransportError} with `CONNECTION_ERROR`.
 *
 * @example
 * ```ts
 * if (tls.getStatus() === StreamPeerTLSStatus.ERROR) {
 *   const err = tls.lastError;
 *   if (err instanceof TLSError) console.log(err.reason, err.nodeCode); // 'CERT_HAS_EXPIRED' 'CERT_HAS_EXPIRED'
 * }
 * ```
 */
export class TLSError extends TransportError {
  /** Why the handshake failed. */
  readonly reason: TLSFailureReason;

  /**
   * @param message - what failed, naming the host but no secrets.
   * @param reason - the classified reason.
   * @param options - `cause`: Node's error.
   */
  constructor(message: string, reason: TLSFailureReason, options?: { cause?: unknown }) {
    super(message, ErrorCode.CANT_CONNECT, options);
    this.reason = reason;
  }

  /**
   * Builds the error for a Node handshake error.
   *
   * @param host - the name that was verified (for the message).
   * @param cause - Node's error.
   * @returns a TLSError whose reason is derived from Node's code.
   */
  static fromNode(host: string, cause: unknown): TLSError {
    const nodeCode = nodeCodeOf(cause);
    const reason = tlsFailureReasonOf(nodeCode);
    const detail = nodeCode === '' ? '' : ` (${nodeCode})`;
    return new TLSError(`TLS handshake with ${host} failed: ${reason}${detail}`, reason, { cause });
  }
}
