import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './start-module-worker.js';

describe('workerExecArgv', () => {
  it('drops how the parent program was given, with its script', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'await x()'])).toEqual([]);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x()'])).toEqual([]);
    expect(workerExecArgv(['-p', '1 + 1'])).toEqual([]);
    expect(workerExecArgv(['--print=1', '--eval=x()', '-i', '--check'])).toEqual([]);
  });

  it('keeps every other option, a script that looks like an option included', () => {
    expect(
      workerExecArgv([
        '--conditions=custom',
        '--enable-source-maps',
        '-e',
        '--input-type=module',
        '--import',
        'tsx',
        '--no-warnings',
      ]),
    ).toEqual(['--conditions=custom', '--enable-source-maps', '--import', 'tsx', '--no-warnings']);
  });
});
