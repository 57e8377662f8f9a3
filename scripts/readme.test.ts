import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const ciRun = readFileSync(join(root, '.ci/run'), 'utf8');

/** The shell commands of the README's "Try it" section, one per fenced block. */
function setupCommands(): string[] {
  const section = readme.split('## Try it')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([^\n]+)\n```/g)].map((m) => m[1]!);
}

describe('README', () => {
  it('has exactly two set-up commands: run the demo, run the tests', () => {
    const commands = setupCommands();
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/pnpm demo$/);
    expect(commands[1]).toMatch(/pnpm verify$/);
  });

  it('has its test command run verbatim by .ci/run', () => {
    const testCommand = setupCommands()[1]!;
    const lines = ciRun.split('\n').map((line) => line.trim());
    expect(lines).toContain(testCommand);
  });

  it('names only scripts the root package.json defines', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const command of setupCommands()) {
      for (const [, script] of command.matchAll(/(?:npm run|pnpm) ([\w:-]+)/g)) {
        expect(Object.keys(scripts)).toContain(script);
      }
    }
  });
});
