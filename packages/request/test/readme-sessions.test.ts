// The README's sessions script runs as written: extracted from README.md, its import of
// '@gdhttp/request' pointed at this package's source, run, and its output checked.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Sessions:'));
const script = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const file = join(here, `.readme-sessions-${process.pid}.ts`);

afterEach(() => {
  rmSync(file, { force: true });
  vi.restoreAllMocks();
});

describe('README sessions script', () => {
  it('runs as written and prints what its comments say', async () => {
    expect(script).toContain("from '@gdhttp/request'");
    const local = script
      .replace("from '@gdhttp/request/cookies'", "from '../src/cookies.js'")
      .replace("from '@gdhttp/request'", "from '../src/index.js'");
    writeFileSync(file, local);
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import(file);
    expect(lines).toEqual([
      'retry 1/3 after 0 s',
      'retry 2/3 after 0 s',
      'third time lucky',
      '4',
      '40000',
      '206 100000',
      'Cookie: session=abc',
      'proxied http://example.test:80/ with Basic dXNlcjpzZWNyZXQ=',
      'Cookie: session=abc',
    ]);
  });
});
