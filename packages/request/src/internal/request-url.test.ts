import { describe, expect, it } from 'vitest';
import { parseRequestUrl } from './request-url.js';

describe('parseRequestUrl', () => {
  it.each([
    ['http://example.com', false, 'example.com', 80, '/'],
    ['https://example.com', true, 'example.com', 443, '/'],
    ['HTTPS://Example.COM:8443/a?b=1', true, 'example.com', 8443, '/a?b=1'],
    ['http://example.com/api?x=1#top', false, 'example.com', 80, '/api?x=1'],
    // Godot bug fixed: a query without a path stayed in the host name.
    ['http://example.com?x=1', false, 'example.com', 80, '/?x=1'],
    ['http://[::1]:8080/v6', false, '[::1]', 8080, '/v6'],
    ['http://127.0.0.1:3000/', false, '127.0.0.1', 3000, '/'],
    ['http://example.com/a b/ü', false, 'example.com', 80, '/a%20b/%C3%BC'],
    ['http://example.com:80/x', false, 'example.com', 80, '/x'],
  ])('%s → tls %s, host %s, port %i, path %s', (input, tls, host, port, path) => {
    expect(parseRequestUrl(input)).toMatchObject({ tls, host, port, path, credentials: null });
  });

  it.each([
    'example.com',
    'ftp://example.com/',
    'file:///etc/passwd',
    'http://',
    'http://example.com:0/',
    'http://example.com:65536/',
    'http://exa mple.com/',
    'http://example.com/\r\nX-Injected: 1',
    'http://example.com/\x00',
    '',
  ])('refuses %j', (input) => {
    expect(parseRequestUrl(input)).toBeNull();
  });

  it('keeps userinfo apart, decoded, and out of href and origin', () => {
    const url = parseRequestUrl('https://al%40ice:p%3Ass@example.com/x#f')!;
    expect(url.credentials).toEqual({ username: 'al@ice', password: 'p:ss' });
    expect(url.href).toBe('https://example.com/x');
    expect(url.origin).toBe('https://example.com:443');
  });

  it('resolves redirects against the current URL', () => {
    const base = 'http://example.com/a/b?q=1';
    expect(parseRequestUrl('/c', base)?.href).toBe('http://example.com/c');
    expect(parseRequestUrl('c', base)?.href).toBe('http://example.com/a/c');
    expect(parseRequestUrl('?z=2', base)?.path).toBe('/a/b?z=2');
    // Godot took `//host/x` as a path on the current host; RFC 3986 §4.2 makes it a new authority.
    expect(parseRequestUrl('//other.test/x', base)?.origin).toBe('http://other.test:80');
    expect(parseRequestUrl('https://secure.test/', base)?.tls).toBe(true);
    expect(parseRequestUrl('mailto:a@b.c', base)).toBeNull();
  });
});
