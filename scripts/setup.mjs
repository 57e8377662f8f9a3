#!/usr/bin/env node
// First step of both README commands, on a machine that may have only Node and npm:
// installs the pinned pnpm when pnpm 10 is missing, then the workspace from the frozen lockfile.
// Plain JavaScript on purpose: it runs before any dependency (tsx, TypeScript) is installed.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { packageManager } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));
const wanted = packageManager.split('@')[1]; // "pnpm@10.34.9" → "10.34.9"

function pnpmVersion() {
  try {
    return execSync('pnpm --version', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

const have = pnpmVersion();
if (have?.split('.')[0] !== wanted.split('.')[0]) {
  console.log(`setup: pnpm ${have ?? 'missing'}; installing pnpm@${wanted} with npm`);
  execSync(`npm install --global pnpm@${wanted}`, { stdio: 'inherit' });
}
execSync('pnpm install --frozen-lockfile', { stdio: 'inherit' });
