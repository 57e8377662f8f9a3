// Issue #16, the cookie jar: RFC 6265bis through tough-cookie, checked on the wire. Cookies go
// across a same-site redirect chain, never to another site (127.0.0.1 → localhost), never over
// http when Secure, only under their Path, not after Max-Age/Expires; the jar persists as JSON.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Method, Result, Status } from '@gdhttp/constants';
import type { Action, RecordedRequest } from '@gdhttp/testkit';
import { MemoryCookieStore } from 'tough-cookie';
import { describe, expect, it } from 'vitest';
import { Cookie, CookieJar } from '../src/cookies.js';
import { HTTPRequest } from '../src/index.js';
import { storeCookies } from '../src/internal/cookies.js';
import { serve } from './support/serve.js';

const cookieOf = (q: RecordedRequest | undefined) =>
  q?.headers.filter(([n]) => n.toLowerCase() === 'cookie').map(([, v]) => v);
const reply = (code: number, lines: string[]): Action[] => [
  `HTTP/1.1 ${code} X\r\n${[...lines, 'Content-Length: 0'].join('\r\n')}\r\n\r\n`,
];

const SET = [
  'Set-Cookie: sid=s1; Path=/; HttpOnly; SameSite=Strict',
  'Set-Cookie: pref=dark; Max-Age=3600',
  'Set-Cookie: gone=1; Max-Age=0',
  'Set-Cookie: old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
  'Set-Cookie: sec=1; Secure',
  'Set-Cookie: admin=1; Path=/admin',
  'Set-Cookie: wide=1; Domain=example.com',
];

describe('HTTPRequest cookieJar', () => {
  it('sends cookies across a same-site redirect chain and none to another site', async () => {
    const other = await serve(() => reply(200, []));
    const site = await serve((q) => {
      const path = q.requestLine.split(' ')[1];
      if (path === '/login') return reply(302, ['Location: /home', ...SET]);
      if (path === '/home') {
        return reply(307, [`Location: http://localhost:${other.port}/landing`]);
      }
      return reply(200, []);
    });
    const http = new HTTPRequest();
    const jar = new CookieJar();
    http.cookieJar = jar;
    const r = await http.request(`http://127.0.0.1:${site.port}/login`, ['Cookie: mine=1']);
    expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
    expect(http.getRedirectCount()).toBe(2);
    // The first request: only the caller's own Cookie.
    expect(cookieOf(site.requests[0])).toEqual(['mine=1']);
    // The same site after the redirect: the jar's cookies join the caller's (one Cookie field);
    // not the expired ones, not the one for /admin, not the one for a domain that is not this
    // host. The Secure one goes: http://127.0.0.1 is a potentially trustworthy origin (loopback),
    // as in browsers; over http to any other host it does not (see storeCookies below).
    expect(cookieOf(site.requests[1])).toEqual(['mine=1; sid=s1; pref=dark; sec=1']);
    // Another site: neither the jar's cookies nor the caller's Cookie header.
    expect(cookieOf(other.requests[0])).toEqual([]);

    const admin = await http.request(`http://127.0.0.1:${site.port}/admin/x`);
    http.close();
    expect(admin.result).toBe(Result.SUCCESS);
    expect(cookieOf(site.requests[2])).toEqual(['admin=1; sid=s1; pref=dark; sec=1']);

    const stored = jar.getCookiesSync(`http://127.0.0.1:${site.port}/`);
    const sid = stored.find((c) => c.key === 'sid');
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'strict', hostOnly: true });
  });

  it('persists the jar as JSON and loads it into another HTTPRequest', async () => {
    const site = await serve((q) =>
      q.index === 0 ? reply(200, ['Set-Cookie: sid=abc; Max-Age=600']) : reply(200, []),
    );
    const url = `http://127.0.0.1:${site.port}/`;
    const first = new HTTPRequest();
    first.cookieJar = new CookieJar();
    await first.request(url);
    first.close();
    const text = JSON.stringify(first.cookieJar.toJSON());

    const second = new HTTPRequest();
    second.cookieJar = CookieJar.fromJSON(text);
    await second.request(url);
    second.close();
    expect(cookieOf(site.requests[1])).toEqual(['sid=abc']);
  });

  it('works with an asynchronous store that keeps the jar in a file', async () => {
    // What a persistent store looks like (tough-cookie-file-store and the like): every change
    // is written to disk before it settles, so the store is not synchronous. tough-cookie calls
    // a store with a callback, or without one for a promise: both are answered.
    const dir = await mkdtemp(join(tmpdir(), 'gdhttp-cookies-'));
    const file = join(dir, 'jar.json');
    class FileStore extends MemoryCookieStore {
      override synchronous = false;
      override putCookie(cookie: Cookie): Promise<void>;
      override putCookie(cookie: Cookie, callback: (error: Error | null) => void): void;
      override putCookie(
        cookie: Cookie,
        callback?: (error: Error | null) => void,
      ): Promise<void> | undefined {
        const saved = (async () => {
          await super.putCookie(cookie);
          const all = await this.getAllCookies();
          await writeFile(file, JSON.stringify(all.map((c) => c.toJSON())));
        })();
        if (callback === undefined) return saved;
        saved.then(
          () => callback(null),
          (error: Error) => callback(error),
        );
        return undefined;
      }
      static async load(): Promise<FileStore> {
        const store = new FileStore();
        const saved = JSON.parse(await readFile(file, 'utf8')) as unknown[];
        for (const json of saved) {
          const cookie = Cookie.fromJSON(json);
          if (cookie !== undefined) await store.putCookie(cookie);
        }
        return store;
      }
    }
    try {
      const site = await serve((q) => {
        const path = q.requestLine.split(' ')[1];
        if (path === '/login') return reply(302, ['Location: /home', 'Set-Cookie: sid=f1; Path=/']);
        return reply(200, []);
      });
      const url = `http://127.0.0.1:${site.port}`;
      const first = new HTTPRequest();
      first.cookieJar = new CookieJar(new FileStore());
      const r = await first.request(`${url}/login`);
      first.close();
      expect(r).toMatchObject({ result: Result.SUCCESS, responseCode: 200 });
      // Stored from the redirect's head, then sent on the next hop.
      expect(cookieOf(site.requests[1])).toEqual(['sid=f1']);

      // Another program run: the jar is loaded from the file.
      const second = new HTTPRequest();
      second.cookieJar = new CookieJar(await FileStore.load());
      await second.request(`${url}/again`);
      second.close();
      expect(cookieOf(site.requests[2])).toEqual(['sid=f1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('brings cookies a worker thread stored back to the caller’s jar (useThreads)', async () => {
    const site = await serve((q) =>
      q.index === 0 ? reply(200, ['Set-Cookie: t=1']) : reply(200, []),
    );
    const url = `http://127.0.0.1:${site.port}/`;
    const http = new HTTPRequest();
    http.useThreads = true;
    const jar = new CookieJar();
    jar.setCookieSync('before=1', url);
    http.cookieJar = jar;
    await http.request(url);
    await http.request(url, [], Method.GET);
    http.close();
    expect(cookieOf(site.requests[0])).toEqual(['before=1']);
    expect(cookieOf(site.requests[1])).toEqual(['before=1; t=1']);
    expect(jar.getCookieStringSync(url)).toBe('before=1; t=1');
  });

  it('connects before request() returns, as without a jar', async () => {
    const site = await serve(() => reply(200, []));
    const http = new HTTPRequest();
    http.cookieJar = new CookieJar();
    const pending = http.request(`http://127.0.0.1:${site.port}/`);
    expect(http.getHttpClientStatus()).not.toBe(Status.DISCONNECTED);
    await pending;
    http.close();
  });

  it('refuses a value that is not a jar', () => {
    const http = new HTTPRequest();
    http.cookieJar = {} as CookieJar;
    expect(http.cookieJar).toBeNull();
    expect(http.lastError?.message).toMatch(/cookieJar must be null or a CookieJar/);
  });
});

describe('storeCookies', () => {
  it('refuses cookies for a public suffix or another domain, keeps a parent domain’s', async () => {
    const jar = new CookieJar();
    await storeCookies(jar, 'https://www.example.co.uk/', [
      'Set-Cookie: a=1; Domain=co.uk',
      'Set-Cookie: b=1; Domain=other.co.uk',
      'Set-Cookie: c=1; Domain=example.co.uk',
      'Set-Cookie: d=1; Secure',
    ]);
    expect(jar.getCookieStringSync('https://shop.example.co.uk/')).toBe('c=1');
    expect(jar.getCookieStringSync('https://www.example.co.uk/')).toBe('c=1; d=1');
    expect(jar.getCookieStringSync('http://www.example.co.uk/')).toBe('c=1');
    expect(jar.getCookieStringSync('https://other.co.uk/')).toBe('');
  });
});
