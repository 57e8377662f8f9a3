import type { Worker, WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running one of a gdhttp package's own modules, wherever the package runs
 * from.
 *
 * A published package runs from `dist/`, where each worker module is built as its own entry
 * beside `index.js` (`dist/peer-worker.js` for `src/internal/peer-worker.ts`). Inside the gdhttp
 * repository the tests and apps run the TypeScript sources; Node 20 cannot load `.ts` in a worker,
 * so the worker first registers tsx (a development dependency of the repository, never of a
 * published package) and then imports the source module, with the `@gdhttp/source` condition so
 * sibling packages resolve to their sources too.
 *
 * A worker inherits its parent's Node options, less those that say how the parent's own program
 * was given ({@link workerExecArgv}): a program run as `node --input-type=module -e …` would
 * otherwise start no worker at all.
 *
 * @param importMetaUrl - `import.meta.url` of the module asking (it locates the worker module).
 * @param sourcePath - the worker module's path relative to that module's folder, without
 *   extension, e.g. `'internal/peer-worker'`; in `dist/` only its last segment is used.
 * @param options - Node's worker options (`workerData`, `transferList`, …); `eval` and `execArgv`
 *   are set here.
 * @param onImportFailure - the source of a function `(error, workerData) => void` run in the
 *   worker when its module cannot be loaded (a bundle that left the worker file out): a worker
 *   boots through a small bootstrap then, which runs it and rethrows. The `'error'` event reaches
 *   only a thread that yields to its event loop; this is how a caller that blocks (on
 *   `Atomics.wait`) learns it, through memory the two share.
 * @returns the started worker.
 * @example
 * ```ts
 * const worker = startModuleWorker(import.meta.url, 'internal/peer-worker', { workerData });
 * ```
 */
export function startModuleWorker(
  importMetaUrl: string,
  sourcePath: string,
  options: WorkerOptions = {},
  onImportFailure?: string,
): Worker {
  // Loaded on use: a process that never starts a worker does not map node:worker_threads.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  // The bootstrap's tail: report a module that did not load, then fail as the worker would have.
  const failure =
    onImportFailure === undefined
      ? ''
      : `.catch((error) => { (${onImportFailure})(error, require('node:worker_threads').workerData); throw error; })`;
  if (!importMetaUrl.endsWith('.ts')) {
    const built = sourcePath.slice(sourcePath.lastIndexOf('/') + 1);
    const file = new URL(`./${built}.js`, importMetaUrl);
    const execArgv = workerExecArgv(process.execArgv);
    if (onImportFailure === undefined) return new Worker(file, { execArgv, ...options });
    return new Worker(`import(${JSON.stringify(file.href)})${failure};`, {
      execArgv,
      ...options,
      eval: true,
    });
  }
  const source = new URL(`./${sourcePath}.ts`, importMetaUrl).href;
  // Resolved from the repository's root node_modules, where tsx is a devDependency.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); })${failure};`;
  return new Worker(boot, {
    ...options,
    eval: true,
    execArgv: ['--conditions=@gdhttp/source'],
  });
}

/** Options that take the next argument as their value when not given with `=`. */
const PROGRAM_OPTIONS_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type']);
/** Options about the parent's program, with no value. */
const PROGRAM_FLAGS = new Set(['-i', '--interactive', '-c', '--check']);

/**
 * The parent's Node options for a worker started from a file: all of them but those that say how
 * the parent's program was given — `-e`/`--eval` and `-p`/`--print` with their script,
 * `--input-type`, `-i`, `-c`. Node refuses a worker file with `--input-type` ("can only be used
 * with string input via --eval, --print, or STDIN"), and a blocking-mode loop cannot see that
 * worker die: it waited out the connect timeout.
 *
 * @param execArgv - the parent's `process.execArgv`.
 * @returns the options the worker gets.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const option = execArgv[i]!;
    if (PROGRAM_OPTIONS_WITH_VALUE.has(option)) {
      i += 1;
      continue;
    }
    const eq = option.indexOf('=');
    const name = eq === -1 ? option : option.slice(0, eq);
    if (PROGRAM_FLAGS.has(name) || (eq !== -1 && PROGRAM_OPTIONS_WITH_VALUE.has(name))) continue;
    kept.push(option);
  }
  return kept;
}
