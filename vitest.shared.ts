import { defineProject } from 'vitest/config';

/** Resolve sibling packages to their `src` through the workspace-only export condition. */
const conditions = ['@gdhttp/source', 'import', 'module', 'node', 'default'];

/**
 * The vitest project every package, app and script folder uses, so tests read sibling
 * sources directly and need no prior build.
 *
 * @param name - the project name shown in reports.
 */
export function gdhttpProject(name: string, testTimeout = 20_000) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@gdhttp/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts', '*.test.ts'],
      testTimeout,
      hookTimeout: testTimeout,
      // Memory-bound tests call gc() before measuring, so garbage does not count as growth.
      execArgv: ['--expose-gc'],
    },
  });
}
