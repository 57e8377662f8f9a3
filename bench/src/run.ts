/**
 * gdhttp benchmarks: `pnpm bench [suite…]` runs the named suites (default: all) in this process.
 * A suite is a module exporting `run(args)`; register new ones (client, request, …) below. The
 * run ends with the issue 19 targets its suites measured, in one table.
 */
import { printKeptTargets } from './targets.ts';

interface Suite {
  description: string;
  load: () => Promise<{ run(args: string[]): Promise<void> }>;
}

const suites: Record<string, Suite> = {
  parser: {
    description: 'response parser: gdhttp vs llhttp (Node binding) vs llhttp wasm (undici)',
    load: () => import('./parser.ts'),
  },
  client: {
    description:
      'HTTPClient (news-driven) vs undici dispatch / Client request vs node:http, canned server',
    load: () => import('./client.ts'),
  },
  request: {
    description:
      'HTTPRequest vs undici request / node:http / fetch; 1 GiB download vs curl, raw socket; 64 MiB upload vs undici, curl',
    load: () => import('./request.ts'),
  },
  download: {
    description:
      'one long download (Content-Length and chunked): HTTPRequest onBody, HTTPClient vs curl, undici, raw sockets; --memory: 10 GiB peak RSS',
    load: () => import('./download.ts'),
  },
  'use-threads': {
    description:
      'HTTPRequest useThreads off/on: main-thread time and 60 Hz frame times during a 256 MiB gzip download',
    load: () => import('./use-threads.ts'),
  },
  threads: {
    description:
      'HTTPClient over the worker-thread transport (useThreads, blocking mode) vs the event-loop transport',
    load: () => import('./threads.ts'),
  },
  'cli-startup': {
    description: "gdhttp command: spawn to first request byte vs node -e '' and curl",
    load: () => import('./cli-startup.ts'),
  },
};

async function main(argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('-'));
  const flags = argv.filter((a) => a.startsWith('-'));
  if (flags.includes('--help') || flags.includes('-h')) {
    console.log('usage: pnpm bench [suite…] [--quick] [--upload-only (request)]\nsuites:');
    for (const [name, s] of Object.entries(suites))
      console.log(`  ${name.padEnd(10)} ${s.description}`);
    return;
  }
  const selected = names.length > 0 ? names : Object.keys(suites);
  for (const name of selected) {
    const suite = suites[name];
    if (!suite)
      throw new Error(`unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
    console.log(`\n## ${name}: ${suite.description}\n`);
    await (await suite.load()).run(flags);
  }
  printKeptTargets();
}

await main(process.argv.slice(2));
