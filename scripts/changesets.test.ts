import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYERS } from './check-layers.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '.changeset');
const files = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { fixed: string[][] };

/** Every workspace package that is published: not marked private (the five layers and the CLI). */
function publishedPackages(): string[] {
  const root = join(dir, '..');
  const names: string[] = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      let manifest: { name?: string; private?: boolean };
      try {
        manifest = JSON.parse(readFileSync(join(root, group, entry, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (manifest.name !== undefined && manifest.private !== true) names.push(manifest.name);
    }
  }
  return names;
}
const published = publishedPackages();

describe('changesets', () => {
  it('group the five published packages in one fixed group', () => {
    expect(config.fixed).toEqual([[...LAYERS]]);
  });

  it('publishes the five layers and the CLI, nothing else', () => {
    expect(published.sort()).toEqual([...LAYERS, '@gdhttp/cli'].sort());
  });

  it.each(files)('%s has front matter naming published packages and a summary', (name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const match = /^---\n((?:"@gdhttp\/[a-z]+": (?:major|minor|patch)\n)+)---\n\n\S/.exec(text);
    expect(match, `${name} must start with a --- front matter block`).not.toBeNull();
    for (const line of match![1]!.trim().split('\n')) {
      expect(published).toContain(JSON.parse(line.split(':')[0]!));
    }
  });
});
