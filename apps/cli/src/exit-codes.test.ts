import { readFileSync } from 'node:fs';
import { Result } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { Exit, exitCodeOf, failureMessage } from './exit-codes.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.split('## Exit codes')[1]!.split('\n## ')[0]!;

/** `[first cell, exit]` for each row of the README's exit-code tables whose first cell is `code`. */
function rows(pattern: RegExp): [string, number][] {
  return [...section.matchAll(pattern)].map((m) => [m[1]!, Number(m[2])]);
}

describe('exitCodeOf', () => {
  it('gives each Result the exit code README.md lists for it', () => {
    const documented = rows(/^\| `([A-Z_]+)` \| (\d+) \|/gm);
    expect(documented.map(([name]) => name).sort()).toEqual(Object.keys(Result).sort());
    for (const [name, code] of documented) {
      expect(exitCodeOf(Result[name as keyof typeof Result]), name).toBe(code);
    }
  });

  it('documents every other exit code in README.md, and no more', () => {
    const others = rows(/^\| (\d+) \| ()/gm).map(([code]) => Number(code));
    const fromResults = Object.values(Result).map(exitCodeOf);
    expect(new Set([...fromResults, ...others])).toEqual(new Set(Object.values(Exit)));
  });
});

describe('failureMessage', () => {
  const ctx = {
    host: 'example.test',
    port: 8443,
    proxy: null,
    timeout: 2,
    maxRedirects: 8,
    maxFilesize: 1024,
    output: '/tmp/out.bin',
  };

  it('names host, port, limit or file, in one line per Result', () => {
    expect(failureMessage(Result.CANT_RESOLVE, ctx)).toBe("cannot resolve host 'example.test'");
    expect(failureMessage(Result.TIMEOUT, ctx)).toBe('timed out after 2 s (--max-time)');
    expect(failureMessage(Result.DOWNLOAD_FILE_CANT_OPEN, ctx)).toBe(
      "cannot create '/tmp/out.bin'",
    );
    for (const result of Object.values(Result)) {
      const message = failureMessage(result, ctx);
      expect(message).not.toMatch(/\n/);
      expect(message.length).toBeGreaterThan(0);
    }
  });

  it('blames the proxy when one is in use', () => {
    const proxied = { ...ctx, proxy: { host: 'proxy.test', port: 3128 } };
    expect(failureMessage(Result.CANT_RESOLVE, proxied)).toBe(
      "cannot resolve proxy host 'proxy.test'",
    );
    expect(failureMessage(Result.CANT_CONNECT, proxied)).toBe(
      'cannot connect to example.test:8443 through proxy proxy.test:3128 (proxy unreachable, or it refused the tunnel)',
    );
  });
});
