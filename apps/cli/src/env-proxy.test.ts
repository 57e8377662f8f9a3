import { describe, expect, it } from 'vitest';
import { isNoProxy, proxyFor } from './env-proxy.js';

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
