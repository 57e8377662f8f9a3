import { describe, expect, it } from 'vitest';
import { authorityOf } from './authority-of.js';
import { basicProxyAuthorization } from './proxy-authorization.js';
import { TLSFailureReason, tlsFailureReasonOf } from './tls-error.js';

describe('basicProxyAuthorization', () => {
  it('encodes user:pass as UTF-8 base64 (RFC 7617)', () => {
    expect(basicProxyAuthorization('user', 'pass')).toBe('Basic dXNlcjpwYXNz');
    expect(basicProxyAuthorization('Aladdin', 'open sesame')).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
    expect(basicProxyAuthorization('test', '123£')).toBe('Basic dGVzdDoxMjPCow==');
  });

  it('refuses a colon in the user id and line breaks anywhere', () => {
    expect(() => basicProxyAuthorization('a:b', 'c')).toThrow(TypeError);
    expect(() => basicProxyAuthorization('a', 'b\r\nX-Injected: 1')).toThrow(TypeError);
  });
});

describe('authorityOf', () => {
  it('brackets IPv6 literals only', () => {
    expect(authorityOf('example.com', 443)).toBe('example.com:443');
    expect(authorityOf('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(authorityOf('::1', 8443)).toBe('[::1]:8443');
  });
});

describe('tlsFailureReasonOf', () => {
  it.each([
    ['CERT_HAS_EXPIRED', TLSFailureReason.CERT_HAS_EXPIRED],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', TLSFailureReason.SELF_SIGNED],
    ['SELF_SIGNED_CERT_IN_CHAIN', TLSFailureReason.UNKNOWN_CA],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', TLSFailureReason.UNKNOWN_CA],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', TLSFailureReason.UNKNOWN_CA],
    ['ERR_TLS_CERT_ALTNAME_INVALID', TLSFailureReason.HOSTNAME_MISMATCH],
    ['ECONNRESET', TLSFailureReason.CONNECTION_CLOSED],
    ['ERR_SSL_WRONG_VERSION_NUMBER', TLSFailureReason.HANDSHAKE_FAILED],
    ['', TLSFailureReason.HANDSHAKE_FAILED],
  ])('maps %s to %s', (code, reason) => {
    expect(tlsFailureReasonOf(code)).toBe(reason);
  });
});
