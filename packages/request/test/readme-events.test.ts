// The README's Server-Sent Events / NDJSON / multipart script runs as written: extracted from
// README.md, its import of '@gdhttp/request' pointed at this package's source, run, and its
// output checked.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Server-Sent Events, NDJSON'));
const script = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const file = join(here, `.readme-events-${process.pid}.ts`);

afterEach(() => {
  rmSync(file, { force: true });
  vi.restoreAllMocks();
});

describe('README events script', () => {
  it('runs as written and prints what its comments say', async () => {
    expect(script).toContain("from '@gdhttp/request'");
    writeFileSync(file, script.replace("from '@gdhttp/request'", "from '../src/index.js'"));
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import(file);
    expect(lines).toEqual([
      'token Hello 1',
      'token world 2',
      'done resumed after 2 2',
      'info up',
      'warn slow',
      '308 bytes, 308 received',
    ]);
  });
});
