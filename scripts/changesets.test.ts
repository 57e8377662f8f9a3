import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYERS } from './check-layers.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '.changeset');
const files = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { fixed: string[][] };

describe('changesets', () => {
  it('group the five published packages in one fixed group', () => {
    expect(config.fixed).toEqual([[...LAYERS]]);
  });

  it.each(files)('%s has front matter naming published packages and a summary', (name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const match = /^---\n((?:"@gdhttp\/[a-z]+": (?:major|minor|patch)\n)+)---\n\n\S/.exec(text);
    expect(match, `${name} must start with a --- front matter block`).not.toBeNull();
    for (const line of match![1]!.trim().split('\n')) {
      expect(LAYERS as readonly string[]).toContain(JSON.parse(line.split(':')[0]!));
    }
  });
});
