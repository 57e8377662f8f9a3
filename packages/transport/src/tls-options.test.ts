import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { testCertificates } from '@gdhttp/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { TLSOptions } from './tls-options.js';

describe('TLSOptions', () => {
  let ca: string;
  let other: string;
  let leafKey: string;
  beforeAll(async () => {
    const certs = await testCertificates();
    ca = certs.ca.cert;
    other = certs.otherCa.cert;
    leafKey = certs.valid.key;
  }, 60_000);

  it('client() verifies, with the system CAs unless a chain is given', () => {
    const plain = TLSOptions.client();
    expect(plain.isServer()).toBe(false);
    expect(plain.isUnsafeClient()).toBe(false);
    expect(plain.getTrustedCaChain()).toBeNull();
    expect(plain.getCommonNameOverride()).toBe('');
    const custom = TLSOptions.client(ca, 'api.internal');
    expect(custom.getCommonNameOverride()).toBe('api.internal');
    expect(custom.getTrustedCaChain()?.map((c) => c.subject)).toEqual(['CN=gdhttp test CA']);
  });

  it('accepts PEM bundles, X509Certificate objects and lists of both', () => {
    const bundle = TLSOptions.client(`${ca}\n${other}`);
    expect(bundle.getTrustedCaChain()?.length).toBe(2);
    const mixed = TLSOptions.clientUnsafe([new X509Certificate(ca), other]);
    expect(mixed.isUnsafeClient()).toBe(true);
    expect(mixed.getTrustedCaChain()?.map((c) => c.subject)).toEqual([
      'CN=gdhttp test CA',
      'CN=gdhttp untrusted CA',
    ]);
    expect(TLSOptions.clientUnsafe().getTrustedCaChain()).toBeNull();
  });

  it('server() keeps the key and certificate', () => {
    const server = TLSOptions.server(leafKey, ca);
    expect(server.isServer()).toBe(true);
    expect(server.getPrivateKey()?.type).toBe('private');
    expect(server.getOwnCertificate()?.length).toBe(1);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(TLSOptions.server(privateKey, ca).getPrivateKey()).toBe(privateKey);
  });

  it('throws a TypeError for text holding no certificate or a broken one', () => {
    expect(() => TLSOptions.client('not a certificate')).toThrow(TypeError);
    expect(() =>
      TLSOptions.client('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(TypeError);
    expect(() => TLSOptions.server('not a key', ca)).toThrow(TypeError);
  });
});
