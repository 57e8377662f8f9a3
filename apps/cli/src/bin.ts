/**
 * `gdhttp`'s `bin` (dist/gdhttp.js): starts the command's core, dist/gdhttp-core.js, with a V8
 * code cache. Most of a start above a bare `node` was V8 parsing and compiling the ~230 KB of
 * bundled layers; Node 20 caches no compiled code for ES modules (`module.enableCompileCache()`
 * is Node 22), but `vm.Script` takes and makes V8's code cache for a classic script. So the core
 * is built as one classic script (an IIFE that takes its built-ins from
 * `process.getBuiltinModule`: no `import`, no `require`), compiled here from the cache a previous
 * run left, and the cache is written after a run that had none (or whose cache V8 refused: another
 * Node, other V8 flags). Figures: README.md, "Startup"; the choice:
 * docs/decisions/0021-cli-core-with-code-cache.md.
 *
 * The cache lives in the user's cache directory (`GDHTTP_CACHE_DIR`, else `$XDG_CACHE_HOME/gdhttp`
 * or `~/.cache/gdhttp`, `~/Library/Caches/gdhttp` on macOS, `%LOCALAPPDATA%\gdhttp\Cache` on
 * Windows), one file per gdhttp build and Node version (writing one removes the other builds of
 * the same version under the same Node); `GDHTTP_COMPILE_CACHE=0` turns it off.
 * Code cache is code: a file not owned by this user, or writable by others, is never read. Any
 * trouble with the cache (none, unreadable, refused, unwritable) only costs the compile it would
 * have saved.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import pkg from '../package.json' with { type: 'json' };

const corePath = fileURLToPath(new URL('./gdhttp-core.js', import.meta.url));
const source = readFileSync(corePath, 'utf8');
const cacheFile = process.env.GDHTTP_COMPILE_CACHE === '0' ? null : cacheFileFor(corePath);
const cachedData = cacheFile === null ? undefined : readOwnFile(cacheFile);
const script = new Script(source, { filename: corePath, cachedData });
if (cacheFile !== null && (cachedData === undefined || script.cachedDataRejected === true)) {
  // After the run, so the cache holds the functions a request compiled, not only the top level.
  // A --help or --version run, or a command line that cannot run (exit 2), compiles too little
  // of the request path to be worth keeping.
  const args = process.argv.slice(2);
  const partial = args.some((arg) => /^(-h|--help|-V|--version)$/.test(arg));
  process.once('exit', (code) => {
    if (!partial && code !== 2) writeCache(cacheFile, script.createCachedData());
  });
}
script.runInThisContext();

/**
 * Where the code cache of this core under this Node goes: the package version, the core's size
 * and modification time name the build (a rebuild or another release is another file; V8 itself
 * only checks the source's length), the Node version and architecture the compiler.
 */
function cacheFileFor(core: string): string | null {
  const dir = cacheDirectory();
  if (dir === null) return null;
  try {
    const { size, mtimeMs } = statSync(core);
    const build = `${pkg.version}-${size}-${Math.trunc(mtimeMs)}`;
    return join(dir, `gdhttp-core-${build}-node${process.versions.node}-${process.arch}.cache`);
  } catch {
    return null;
  }
}

/** The per-user cache directory, as each platform names it; `null` when there is no home. */
function cacheDirectory(): string | null {
  const env = process.env;
  if (env.GDHTTP_CACHE_DIR) return env.GDHTTP_CACHE_DIR;
  if (process.platform === 'win32') {
    return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'gdhttp', 'Cache') : null;
  }
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'gdhttp');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'gdhttp');
}

/** The file's bytes, when it is a regular file of this user that nobody else can write. */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return undefined;
    if (process.getuid !== undefined) {
      if (info.uid !== process.getuid() || (info.mode & 0o022) !== 0) return undefined;
    }
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the cache whole or not at all (a file beside it, then renamed over it), and removes the
 * caches of other builds of this same version under this Node: each rebuild while working on
 * gdhttp is another build, and would leave its file behind. Other versions' caches stay (two
 * installs may be used in turn).
 */
function writeCache(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const dir = join(file, '..');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file);
    const name = file.slice(dir.length + 1);
    const parts = /^(gdhttp-core-[^-]+-)\d+-\d+(-node[\d.]+-\w+\.cache)$/.exec(name);
    if (parts === null) return;
    const [, version = name, compiler = name] = parts;
    for (const other of readdirSync(dir)) {
      if (other !== name && other.startsWith(version) && other.endsWith(compiler)) {
        unlinkSync(join(dir, other));
      }
    }
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never written.
    }
  }
}
