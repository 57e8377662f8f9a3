import { describe, expect, it } from 'vitest';
import { isNoProxy, parseProxyUrl, proxyFor } from './proxy-from-env.js';

describe('isNoProxy', () => {
  it.each([
    ['www.example.com', 'example.com', true],
    ['www.example.com', '.example.com', true],
    ['example.com.', 'example.com', true],
    ['notexample.com', 'example.com', false],
    ['EXAMPLE.com', 'a.test, example.COM', true],
    ['anything', '*', true],
    ['anything', '*,a.test', false],
    ['localhost', 'localhost:8080', false],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['[::1]', '::1', true],
    ['[2001:db8::5]', '2001:db8::/32', true],
    ['[::1]', '::1/128', true],
    ['[2001:db9::5]', '2001:db8::/32', false],
  ])('%s against %j is %s', (host, list, exempt) => {
    expect(isNoProxy(host, list)).toBe(exempt);
  });
});

describe('proxyFor', () => {
  const none = { proxy: null, noProxy: null };
  it('reads curl’s variables in curl’s order', () => {
    const http = new URL('http://h.test/');
    const https = new URL('https://h.test/');
    expect(proxyFor(http, { HTTP_PROXY: 'p:1' }, none)).toBeNull();
    expect(proxyFor(http, { http_proxy: 'p:1', ALL_PROXY: 'q:2' }, none)).toBe('p:1');
    expect(proxyFor(https, { HTTPS_PROXY: 'p:1' }, none)).toBe('p:1');
    expect(proxyFor(https, { https_proxy: '', all_proxy: 'q:2' }, none)).toBeNull();
    expect(proxyFor(http, { all_proxy: 'q:2', no_proxy: 'h.test' }, none)).toBeNull();
    expect(proxyFor(http, { no_proxy: 'h.test' }, { proxy: 'x:3', noProxy: null })).toBeNull();
    expect(proxyFor(http, { no_proxy: 'h.test' }, { proxy: 'x:3', noProxy: 'o.test' })).toBe('x:3');
    expect(proxyFor(http, { http_proxy: 'p:1' }, { proxy: '', noProxy: null })).toBeNull();
  });
});

describe('parseProxyUrl', () => {
  it.each([
    [
      'http://p.test:3128',
      { host: 'p.test', port: 3128, username: undefined, password: undefined },
    ],
    ['p.test', { host: 'p.test', port: 1080, username: undefined, password: undefined }],
    ['http://p.test:80', { host: 'p.test', port: 80, username: undefined, password: undefined }],
    ['http://u%40x:p%3Aw@[::1]:8', { host: '::1', port: 8, username: 'u@x', password: 'p:w' }],
    ['http://u@p.test:1', { host: 'p.test', port: 1, username: 'u', password: '' }],
  ])('reads %s', (raw, parts) => {
    expect(parseProxyUrl(raw)).toEqual(parts);
  });

  it('refuses other schemes and never names the credentials', () => {
    expect(parseProxyUrl('socks5://p.test:1')).toMatch(/unsupported proxy scheme 'socks5'/);
    expect(parseProxyUrl('http://user:secret@:0')).not.toMatch(/secret/);
  });
});
