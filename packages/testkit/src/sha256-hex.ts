import { createHash } from 'node:crypto';

/**
 * SHA-256 of `bytes` as lower-case hex: what tests compare instead of large bodies, so a
 * failure prints two short strings, not a 64 MiB diff.
 *
 * @param bytes - the bytes.
 * @returns the digest.
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
