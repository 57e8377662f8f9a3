import { Method } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { isFollowedRedirect, nextRequest } from './redirect.js';

const body = new TextEncoder().encode('{"a":1}');
const headers = [
  'Content-Type: application/json',
  'Content-Length: 7',
  'Authorization: Bearer secret',
  'Cookie: s=1',
  'Proxy-Authorization: Basic eA==',
  'Host: pinned.test',
  'X-Trace: t',
];

describe('isFollowedRedirect', () => {
  it('follows 301, 302, 303, 307 and 308 only', () => {
    const followed = [];
    for (let code = 300; code < 400; code++) if (isFollowedRedirect(code)) followed.push(code);
    expect(followed).toEqual([301, 302, 303, 307, 308]);
  });
});

describe('nextRequest', () => {
  it.each([
    [303, Method.POST, Method.GET],
    [303, Method.PUT, Method.GET],
    [303, Method.DELETE, Method.GET],
    [303, Method.GET, Method.GET],
    [303, Method.HEAD, Method.HEAD],
    [301, Method.POST, Method.GET],
    [302, Method.POST, Method.GET],
    [301, Method.PUT, Method.PUT],
    [302, Method.PATCH, Method.PATCH],
    [307, Method.POST, Method.POST],
    [308, Method.PUT, Method.PUT],
    [308, Method.GET, Method.GET],
  ])('%i after method %i continues with method %i', (code, method, expected) => {
    const next = nextRequest(code, { method, headers, body }, true);
    expect(next.method).toBe(expected);
    const keepsBody = expected === method && code !== 303;
    expect(next.body.length).toBe(keepsBody || method === Method.HEAD ? body.length : 0);
  });

  it('drops the content headers with the body when the method becomes GET', () => {
    const next = nextRequest(303, { method: Method.POST, headers, body }, true);
    expect(next.headers).toEqual([
      'Authorization: Bearer secret',
      'Cookie: s=1',
      'Proxy-Authorization: Basic eA==',
      'Host: pinned.test',
      'X-Trace: t',
    ]);
  });

  it('keeps every header for a same-origin 307', () => {
    expect(nextRequest(307, { method: Method.POST, headers, body }, true).headers).toEqual(headers);
  });

  it('drops credentials and Host when the origin changes, whatever the case', () => {
    const mixed = [
      'authorization: a',
      'COOKIE: c',
      'proxy-Authorization: p',
      ' Host: h',
      'X-Keep: k',
    ];
    expect(nextRequest(307, { method: Method.GET, headers: mixed, body }, false).headers).toEqual([
      'X-Keep: k',
    ]);
  });
});
