/**
 * The layer rule, checked: each published package depends only on layers below it, and the
 * browser-safe layers (constants, parser) import no Node built-in.
 *
 * Run: `pnpm check-layers` (CI runs it in `pnpm verify`). Exits 1 and lists every violation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Published packages, lowest layer first (docs/design.md#layers). */
export const LAYERS = [
  '@gdhttp/constants',
  '@gdhttp/parser',
  '@gdhttp/transport',
  '@gdhttp/client',
  '@gdhttp/request',
] as const;

/** Layers whose sources must run in a browser: no `node:` module, no bare built-in. */
const BROWSER_SAFE = new Set<string>(['@gdhttp/constants', '@gdhttp/parser']);

/**
 * Highest layer a private workspace package may depend on. The test kit serves transport's tests,
 * so it must stay below transport; apps and benchmarks sit on top of everything.
 */
const PRIVATE_CEILING: Readonly<Record<string, number>> = {
  '@gdhttp/testkit': LAYERS.indexOf('@gdhttp/parser'),
};

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function rankOf(name: string): number {
  return (LAYERS as readonly string[]).indexOf(name);
}

function workspaceDirs(root: string): string[] {
  const dirs: string[] = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      if (existsSync(join(base, entry, 'package.json'))) dirs.push(join(base, entry));
    }
  }
  if (existsSync(join(root, 'bench', 'package.json'))) dirs.push(join(root, 'bench'));
  return dirs;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(?:[cm]?ts|tsx|[cm]?js)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

// Static and dynamic imports and re-exports; comments are not stripped, which errs on the safe side.
const IMPORT_RE =
  /(?:\bimport\s+(?:type\s+)?(?:[\w*${}\s,]+\s+from\s+)?|\bexport\s+(?:type\s+)?[\w*${}\s,]+\s+from\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Every module specifier a source file imports. */
export function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT_RE)].map((match) => match[1]!);
}

function isTestFile(path: string): boolean {
  return /\.test\.[cm]?ts$/.test(path) || /[\\/]test[\\/]/.test(path);
}

/**
 * Lists the layer violations of the workspace at `root`.
 *
 * @param root - the workspace root (the folder holding `packages/`).
 * @returns one human-readable line per violation; empty when the layering holds.
 */
export function checkLayers(root: string): string[] {
  const violations: string[] = [];
  for (const dir of workspaceDirs(root)) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const name = manifest.name ?? relative(root, dir);
    const rank = rankOf(name);
    const isApp = !(name in PRIVATE_CEILING) && rank < 0;
    if (isApp) continue; // apps and bench may use every layer
    const ceiling = rank >= 0 ? rank - 1 : (PRIVATE_CEILING[name] ?? -1);
    const where = relative(root, dir);

    const runtime = {
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
    };
    for (const dep of Object.keys(runtime)) {
      if (!dep.startsWith('@gdhttp/')) continue;
      const depRank = rankOf(dep);
      if (depRank < 0) {
        violations.push(`${where}: ${name} must not depend on private package ${dep}`);
      } else if (depRank > ceiling) {
        const kind = depRank === rank ? 'itself' : depRank > rank ? 'a higher layer' : 'its layer';
        violations.push(`${where}: ${name} depends on ${dep} (${kind}); allowed: layers below it`);
      }
    }
    for (const dep of Object.keys(manifest.devDependencies ?? {})) {
      const depRank = rankOf(dep);
      if (depRank >= 0 && depRank > ceiling) {
        violations.push(`${where}: ${name} has a devDependency on ${dep}, a layer not below it`);
      }
    }

    for (const file of sourceFiles(join(dir, 'src')).concat(sourceFiles(join(dir, 'test')))) {
      const test = isTestFile(file);
      const declared = test ? { ...runtime, ...manifest.devDependencies } : runtime;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const at = relative(root, file);
        if (spec.startsWith('@gdhttp/')) {
          const target = spec.split('/').slice(0, 2).join('/');
          if (target === name) continue;
          if (!(target in declared)) {
            violations.push(`${at}: imports ${target}, which ${name} does not declare`);
          }
          const targetRank = rankOf(target);
          if (targetRank >= 0 && targetRank > ceiling) {
            violations.push(`${at}: imports ${target}, a layer not below ${name}`);
          }
        } else if (!test && BROWSER_SAFE.has(name)) {
          const bare = spec.startsWith('node:') ? spec.slice(5) : spec.split('/')[0]!;
          if (spec.startsWith('node:') || BUILTINS.has(bare)) {
            violations.push(`${at}: imports Node built-in '${spec}'; ${name} must run in browsers`);
          }
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const violations = checkLayers(root);
  if (violations.length > 0) {
    console.error(`Layer check failed (${violations.length}):\n  ${violations.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`Layer check passed: ${LAYERS.join(' → ')}`);
}
