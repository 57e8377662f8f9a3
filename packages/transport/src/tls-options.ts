import type { KeyObject, X509Certificate } from 'node:crypto';

/**
 * Certificates as PEM text (one or several `BEGIN CERTIFICATE` blocks), Node `X509Certificate`
 * objects, or a list mixing both.
 */
export type CertificateInput = string | X509Certificate | readonly (string | X509Certificate)[];

/** A private key as PEM text or a Node `KeyObject`. */
export type PrivateKeyInput = string | KeyObject;

// Godot's internal TLSOptions mode (core/crypto/crypto.h): not visible to users.
const Mode = { CLIENT: 0, CLIENT_UNSAFE: 1, SERVER: 2 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * TLS configuration, built only through its static constructors, as Godot's `TLSOptions`.
 *
 * - {@link TLSOptions.client}: verify the chain and the host name.
 * - {@link TLSOptions.clientUnsafe}: never check the host name; check the chain only if one is given.
 * - {@link TLSOptions.server}: a key and certificate; clients refuse it (`INVALID_PARAMETER`).
 *
 * A given trusted chain replaces the system CAs (Godot's behaviour, and Node's `ca` option).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const options = TLSOptions.client(readFileSync('ca.pem', 'utf8'));
 * options.isUnsafeClient(); // false
 * ```
 */
export class TLSOptions {
  readonly #mode: Mode;
  readonly #trustedChain: readonly X509Certificate[] | null;
  readonly #commonNameOverride: string;
  readonly #privateKey: KeyObject | null;
  readonly #ownCertificate: readonly X509Certificate[] | null;

  private constructor(
    mode: Mode,
    trustedChain: readonly X509Certificate[] | null,
    commonNameOverride: string,
    privateKey: KeyObject | null,
    ownCertificate: readonly X509Certificate[] | null,
  ) {
    this.#mode = mode;
    this.#trustedChain = trustedChain;
    this.#commonNameOverride = commonNameOverride;
    this.#privateKey = privateKey;
    this.#ownCertificate = ownCertificate;
  }

  /**
   * Options for a client that verifies the server's chain and host name.
   *
   * @param trustedChain - CA certificates to trust instead of the system's; omitted or `null`
   *   uses Node's default CA set.
   * @param commonNameOverride - the name to verify (and send as SNI) instead of the host
   *   connected to; `''` for none.
   * @returns client options.
   * @throws TypeError if `trustedChain` contains no certificate or an unparsable one.
   * @example
   * ```ts
   * TLSOptions.client(caPem, 'api.internal'); // trust caPem only, expect the name api.internal
   * ```
   */
  static client(trustedChain: CertificateInput | null = null, commonNameOverride = ''): TLSOptions {
    return new TLSOptions(
      Mode.CLIENT,
      certificatesOf(trustedChain),
      commonNameOverride,
      null,
      null,
    );
  }

  /**
   * Options for a client that never checks the host name and checks the chain only when one is
   * given (without one, any certificate is accepted: use for testing only).
   *
   * @param trustedChain - CA certificates the server's chain must lead to, or omitted.
   * @returns unsafe client options.
   * @throws TypeError if `trustedChain` contains no certificate or an unparsable one.
   */
  static clientUnsafe(trustedChain: CertificateInput | null = null): TLSOptions {
    return new TLSOptions(Mode.CLIENT_UNSAFE, certificatesOf(trustedChain), '', null, null);
  }

  /**
   * Options for a TLS server. gdhttp's clients refuse them with `INVALID_PARAMETER`.
   *
   * @param key - the private key.
   * @param certificate - the certificate, optionally followed by its intermediates.
   * @returns server options.
   * @throws TypeError if the key or certificate cannot be parsed.
   */
  static server(key: PrivateKeyInput, certificate: CertificateInput): TLSOptions {
    let privateKey: KeyObject;
    try {
      privateKey =
        typeof key === 'string'
          ? process.getBuiltinModule('node:crypto').createPrivateKey(key)
          : key;
    } catch (cause) {
      throw new TypeError('the private key cannot be parsed', { cause });
    }
    return new TLSOptions(Mode.SERVER, null, '', privateKey, certificatesOf(certificate));
  }

  /** Whether these are server options. */
  isServer(): boolean {
    return this.#mode === Mode.SERVER;
  }

  /** Whether these are `clientUnsafe()` options. */
  isUnsafeClient(): boolean {
    return this.#mode === Mode.CLIENT_UNSAFE;
  }

  /** The name verified instead of the host, or `''`. */
  getCommonNameOverride(): string {
    return this.#commonNameOverride;
  }

  /** The CA certificates that replace the system's, or `null` for the system's. */
  getTrustedCaChain(): readonly X509Certificate[] | null {
    return this.#trustedChain;
  }

  /** The server's private key, or `null` for client options. */
  getPrivateKey(): KeyObject | null {
    return this.#privateKey;
  }

  /** The server's certificate chain, or `null` for client options. */
  getOwnCertificate(): readonly X509Certificate[] | null {
    return this.#ownCertificate;
  }
}

function certificatesOf(input: CertificateInput | null): readonly X509Certificate[] | null {
  if (input === null) return null;
  // node:crypto is loaded when certificates are given, not by importing the transport.
  const X509 = process.getBuiltinModule('node:crypto').X509Certificate;
  const items: readonly (string | X509Certificate)[] =
    typeof input === 'string' || input instanceof X509 ? [input] : input;
  const out: X509Certificate[] = [];
  for (const item of items) {
    if (item instanceof X509) {
      out.push(item);
      continue;
    }
    // X509Certificate parses only the first PEM block; a bundle holds several.
    const blocks = item.match(PEM_CERTIFICATE) ?? [];
    for (const block of blocks) {
      try {
        out.push(new X509(block));
      } catch (cause) {
        throw new TypeError('a certificate cannot be parsed', { cause });
      }
    }
  }
  if (out.length === 0) throw new TypeError('no certificate found in the given PEM text');
  return out;
}
