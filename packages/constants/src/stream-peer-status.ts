/**
 * The states of a TCP stream, with the numbers of Godot 4's `StreamPeerTCP.Status`
 * (`STATUS_` prefix dropped).
 */
export const StreamPeerTCPStatus = {
  NONE: 0,
  CONNECTING: 1,
  CONNECTED: 2,
  ERROR: 3,
} as const;

/** One of the {@link StreamPeerTCPStatus} numbers. */
export type StreamPeerTCPStatus = (typeof StreamPeerTCPStatus)[keyof typeof StreamPeerTCPStatus];

/**
 * The states of a TLS stream, with the numbers of Godot 4's `StreamPeerTLS.Status`
 * (`STATUS_` prefix dropped).
 */
export const StreamPeerTLSStatus = {
  DISCONNECTED: 0,
  HANDSHAKING: 1,
  CONNECTED: 2,
  ERROR: 3,
  ERROR_HOSTNAME_MISMATCH: 4,
} as const;

/** One of the {@link StreamPeerTLSStatus} numbers. */
export type StreamPeerTLSStatus = (typeof StreamPeerTLSStatus)[keyof typeof StreamPeerTLSStatus];
