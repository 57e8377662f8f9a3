import { Method } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { decideRedirect, type Hop, isFollowedRedirect, nextRequest } from './redirect.js';
import { parseRequestUrl } from './request-url.js';

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

describe('decideRedirect', () => {
  const start = (href: string, redirects = 0): Hop => ({
    url: parseRequestUrl(href)!,
    request: { method: Method.POST, headers: [...headers], body },
    redirects,
  });
  const location = (value: string) => [`Location: ${value}`];

  it.each([
    [200, location('/x')],
    [300, location('/x')],
    [304, location('/x')],
    [305, location('/x')],
    [301, []],
    [302, ['Location: http://[bad']],
    [307, ['Location: ftp://example.com/']],
  ])('%i with %j is final', (code, lines) => {
    expect(decideRedirect(start('http://a.test/'), code, lines, 8)).toEqual({ kind: 'final' });
  });

  it('checks the limit before the Location: at the limit, even a 3xx without one is "limit"', () => {
    expect(decideRedirect(start('http://a.test/', 2), 302, location('/x'), 2)).toEqual({
      kind: 'limit',
    });
    expect(decideRedirect(start('http://a.test/', 2), 302, [], 2)).toEqual({ kind: 'limit' });
    expect(decideRedirect(start('http://a.test/'), 301, location('/x'), 0)).toEqual({
      kind: 'limit',
    });
  });

  it.each([301, 302, 303, 307, 308])(
    'followRedirects false: a %i is final, with a Location, past the limit or not',
    (code) => {
      expect(decideRedirect(start('http://a.test/'), code, location('/x'), 8, false)).toEqual({
        kind: 'final',
      });
      // Not REDIRECT_LIMIT_REACHED either: the limit counts redirects followed, and none is.
      expect(decideRedirect(start('http://a.test/', 3), code, location('/x'), 0, false)).toEqual({
        kind: 'final',
      });
    },
  );

  it('followRedirects true is the default: the same 302 is followed', () => {
    expect(decideRedirect(start('http://a.test/'), 302, location('/x'), 8, true)).toMatchObject({
      kind: 'follow',
    });
  });

  it('has no limit when maxRedirects is negative', () => {
    const decision = decideRedirect(start('http://a.test/', 1000), 307, location('/x'), -1);
    expect(decision).toMatchObject({ kind: 'follow', next: { redirects: 1001 } });
  });

  it('follows the last Location, resolved against the current URL, with the rewritten request', () => {
    const decision = decideRedirect(
      start('http://a.test/dir/page?q=1'),
      302,
      ['Location: /first', 'location:  next?b=2 '],
      8,
    );
    if (decision.kind !== 'follow') throw new Error(decision.kind);
    expect(decision.next.url.href).toBe('http://a.test/dir/next?b=2');
    expect(decision.next.redirects).toBe(1);
    expect(decision.next.request).toEqual(nextRequest(302, start('http://a.test/').request, true));
  });

  it.each([
    ['same origin, Location without userinfo: kept', 'http://u:p@a.test/', '/x', 'u'],
    [
      'same origin, Location with its own userinfo: replaced',
      'http://u:p@a.test/',
      'http://v:q@a.test/x',
      'v',
    ],
    ['other origin: dropped', 'http://u:p@a.test/', 'http://b.test/x', null],
    [
      'other origin with its own userinfo: the Location’s',
      'http://u:p@a.test/',
      'http://v:q@b.test/',
      'v',
    ],
    ['other port: dropped', 'http://u:p@a.test/', 'http://a.test:8080/', null],
  ])('userinfo: %s', (_, from, to, username) => {
    const decision = decideRedirect(start(from), 301, location(to), 8);
    if (decision.kind !== 'follow') throw new Error(decision.kind);
    expect(decision.next.url.credentials?.username ?? null).toBe(username);
    expect(decision.next.url.href).not.toContain('@');
  });

  it('drops origin-bound headers on a cross-origin hop and keeps them on a same-origin one', () => {
    const names = (decision: ReturnType<typeof decideRedirect>) =>
      decision.kind === 'follow' ? decision.next.request.headers.map((h) => h.split(':')[0]) : [];
    expect(
      names(decideRedirect(start('http://a.test/'), 307, location('http://b.test/'), 8)),
    ).toEqual(['Content-Type', 'Content-Length', 'X-Trace']);
    expect(names(decideRedirect(start('http://a.test/'), 307, location('/same'), 8))).toHaveLength(
      headers.length,
    );
  });
});
