import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, importsOf } from './check-layers.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const temps: string[] = [];

/** Writes a throwaway workspace: `files` maps relative paths to contents (objects become JSON). */
function workspace(files: Record<string, string | object>): string {
  const root = mkdtempSync(join(tmpdir(), 'gdhttp-layers-'));
  temps.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(
      join(root, path),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  }
  return root;
}

const healthy = {
  'packages/constants/package.json': { name: '@gdhttp/constants' },
  'packages/constants/src/index.ts': 'export const A = 1;\n',
  'packages/parser/package.json': {
    name: '@gdhttp/parser',
    dependencies: { '@gdhttp/constants': 'workspace:^' },
  },
  'packages/parser/src/index.ts': "import { A } from '@gdhttp/constants';\nexport const B = A;\n",
  'packages/transport/package.json': {
    name: '@gdhttp/transport',
    dependencies: { '@gdhttp/constants': 'workspace:^' },
    devDependencies: { '@gdhttp/testkit': 'workspace:*' },
  },
  'packages/transport/src/index.ts': "import { connect } from 'node:net';\nexport { connect };\n",
};

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('checkLayers', () => {
  it('passes on this repository', () => {
    expect(checkLayers(repoRoot)).toEqual([]);
  });

  it('passes on a healthy workspace', () => {
    expect(checkLayers(workspace(healthy))).toEqual([]);
  });

  it('fails when a package depends on a higher layer', () => {
    const root = workspace({
      ...healthy,
      'packages/constants/package.json': {
        name: '@gdhttp/constants',
        dependencies: { '@gdhttp/client': 'workspace:^' },
      },
    });
    expect(checkLayers(root)).toEqual([
      'packages/constants: @gdhttp/constants depends on @gdhttp/client (a higher layer); allowed: layers below it',
    ]);
  });

  it('fails when a package depends on itself or its own layer', () => {
    const root = workspace({
      ...healthy,
      'packages/parser/package.json': {
        name: '@gdhttp/parser',
        dependencies: { '@gdhttp/constants': 'workspace:^', '@gdhttp/parser': 'workspace:^' },
      },
    });
    expect(checkLayers(root)).toEqual([
      'packages/parser: @gdhttp/parser depends on @gdhttp/parser (itself); allowed: layers below it',
    ]);
  });

  it('fails when a published package depends on a private one', () => {
    const root = workspace({
      ...healthy,
      'packages/transport/package.json': {
        name: '@gdhttp/transport',
        dependencies: { '@gdhttp/testkit': 'workspace:*' },
      },
    });
    expect(checkLayers(root)).toEqual([
      'packages/transport: @gdhttp/transport must not depend on private package @gdhttp/testkit',
    ]);
  });

  it('fails when a source file imports an undeclared or higher package', () => {
    const root = workspace({
      ...healthy,
      'packages/parser/src/sneaky.ts': "export { X } from '@gdhttp/transport';\n",
    });
    expect(checkLayers(root)).toEqual([
      'packages/parser/src/sneaky.ts: imports @gdhttp/transport, which @gdhttp/parser does not declare',
      'packages/parser/src/sneaky.ts: imports @gdhttp/transport, a layer not below @gdhttp/parser',
    ]);
  });

  it('fails when parser or constants import a Node built-in, with or without node:', () => {
    const root = workspace({
      ...healthy,
      'packages/parser/src/io.ts': "import { Socket } from 'node:net';\nexport { Socket };\n",
      'packages/constants/src/x.ts': "const fs = await import('fs');\nexport { fs };\n",
    });
    expect(checkLayers(root).sort()).toEqual([
      "packages/constants/src/x.ts: imports Node built-in 'fs'; @gdhttp/constants must run in browsers",
      "packages/parser/src/io.ts: imports Node built-in 'node:net'; @gdhttp/parser must run in browsers",
    ]);
  });

  it('lets tests of browser-safe packages use Node', () => {
    const root = workspace({
      ...healthy,
      'packages/parser/test/corpus.test.ts': "import { readFileSync } from 'node:fs';\n",
      'packages/parser/src/x.test.ts': "import { Buffer } from 'node:buffer';\n",
    });
    expect(checkLayers(root)).toEqual([]);
  });

  it('exits 1 from the command line on a violation', () => {
    const root = workspace({
      ...healthy,
      'packages/parser/src/io.ts': "import 'node:net';\n",
    });
    // The CLI checks the repository it lives in, so exercise it through a copy of the script.
    mkdirSync(join(root, 'scripts'));
    writeFileSync(
      join(root, 'scripts/check-layers.ts'),
      execFileSync('cat', [join(repoRoot, 'scripts/check-layers.ts')]),
    );
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/check-layers.ts')], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toContain("imports Node built-in 'node:net'");
  });
});

describe('importsOf', () => {
  it('finds static, type-only, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "import { c,\n  d } from 'c';",
      "export { e } from 'e';",
      "export * from 'f';",
      "import 'g';",
      "const h = await import('h');",
      "const i = require('i');",
    ].join('\n');
    expect(importsOf(source)).toEqual(['a', 'b', 'c', 'e', 'f', 'g', 'h', 'i']);
  });
});
