import { execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The install hint printed when a Debian package the tests start is missing. */
export const INSTALL_HINT = 'run: bash packages/testkit/scripts/install-system-deps.sh (as root)';

/**
 * A program (or, for `httpbin`, a Python module) from Debian that the tests start on 127.0.0.1
 * or run as a reference: the proxies, nginx, httpbin under gunicorn, curl, openssl, and chromium
 * (driven headless by the browser tests).
 */
export type SystemToolName =
  | 'tinyproxy'
  | 'squid'
  | 'nginx'
  | 'gunicorn'
  | 'httpbin'
  | 'curl'
  | 'openssl'
  | 'chromium';

/** Where the tests stand with a Debian binary (or the set of them a suite needs). */
export interface SystemTool {
  /** The binary's name; for a set, the names joined with `+`. */
  readonly name: string;
  /** Its path, or `null` when not installed; for a set, the first missing one's `null`. */
  readonly path: string | null;
  /**
   * Whether its tests should run: installed, or on CI (`CI=true`), where a missing binary must
   * fail the run rather than skip silently.
   */
  readonly shouldRun: boolean;
  /** `''`, or a note for the suite title saying why it is skipped and what to install. */
  readonly skipNote: string;
  /** The path; throws an error naming the Debian package when the binary is missing. */
  require(): string;
}

/** The Debian (bookworm) package that provides each tool, named in every "missing" message. */
export const DEBIAN_PACKAGE: Readonly<Record<SystemToolName, string>> = {
  tinyproxy: 'tinyproxy-bin',
  squid: 'squid',
  nginx: 'nginx',
  gunicorn: 'gunicorn',
  httpbin: 'python3-httpbin',
  curl: 'curl',
  openssl: 'openssl',
  chromium: 'chromium',
};

// Debian's gunicorn ships both names; older releases only `gunicorn3`.
const BINARIES: Readonly<Record<Exclude<SystemToolName, 'httpbin'>, readonly string[]>> = {
  tinyproxy: ['tinyproxy'],
  squid: ['squid'],
  nginx: ['nginx'],
  gunicorn: ['gunicorn', 'gunicorn3'],
  curl: ['curl'],
  openssl: ['openssl'],
  chromium: ['chromium'],
};

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

const found = new Map<SystemToolName, string | null>();

/**
 * Finds a Debian binary (searching PATH and the sbin directories, since squid and nginx live in
 * `/usr/sbin`) and says whether its tests should run. `httpbin` is the Python module
 * gunicorn's interpreter imports (`python3-httpbin`); its path is the interpreter that has it.
 *
 * @param name - the tool.
 * @returns the tool's state.
 */
export function systemTool(name: SystemToolName): SystemTool {
  let path = found.get(name);
  if (path === undefined) {
    path = name === 'httpbin' ? findHttpbin() : findBinary(BINARIES[name]);
    found.set(name, path);
  }
  const ci = isCi();
  const missing = `${name} is not installed (Debian package ${DEBIAN_PACKAGE[name]}); ${INSTALL_HINT}`;
  const resolved = path;
  return {
    name,
    path: resolved,
    shouldRun: resolved !== null || ci,
    skipNote: resolved === null && !ci ? ` (skipped: ${missing})` : '',
    require: () => {
      if (resolved === null) throw new Error(missing);
      return resolved;
    },
  };
}

/**
 * The tools a suite needs, as one: it runs when all are installed (or on CI, where
 * `require()` then fails the suite naming every missing package). When the suite will be
 * skipped, it also prints the reason with `console.warn`, so the skip shows in vitest's output
 * and not only in a suite title.
 *
 * @example
 * ```ts
 * const tools = systemTools('nginx', 'curl', 'openssl');
 * describe.skipIf(!tools.shouldRun)(`nginx and curl${tools.skipNote}`, () => {
 *   beforeAll(async () => {
 *     tools.require();
 *     nginx = await startNginx();
 *   });
 * });
 * ```
 *
 * @param names - the tools.
 * @returns their combined state.
 */
export function systemTools(...names: SystemToolName[]): SystemTool {
  const tools = names.map(systemTool);
  const missing = tools.filter((tool) => tool.path === null);
  const ci = isCi();
  const packages = missing.map((tool) => DEBIAN_PACKAGE[tool.name as SystemToolName]);
  const message = `${missing.map((tool) => tool.name).join(', ')} not installed (Debian package${packages.length === 1 ? '' : 's'} ${packages.join(' ')}); ${INSTALL_HINT}`;
  const skipNote = missing.length > 0 && !ci ? ` (skipped: ${message})` : '';
  if (skipNote !== '') console.warn(`gdhttp testkit: suite skipped: ${message}`);
  return {
    name: names.join('+'),
    path: missing.length === 0 ? (tools[0]?.path ?? null) : null,
    shouldRun: missing.length === 0 || ci,
    skipNote,
    require: () => {
      if (missing.length > 0) throw new Error(message);
      return tools[0]?.path ?? '';
    },
  };
}

function isCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

function findBinary(names: readonly string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), fsConstants.X_OK);
        return join(dir, name);
      } catch {
        // not in this directory
      }
    }
  }
  return null;
}

/**
 * The Python that runs gunicorn (its shebang: Debian's `/usr/bin/python3`, not a pyenv shim
 * that happens to come first in PATH) if it can import httpbin; found without importing it,
 * which would load Flask.
 */
function findHttpbin(): string | null {
  const gunicorn = findBinary(BINARIES.gunicorn);
  let python = '/usr/bin/python3';
  if (gunicorn !== null) {
    const shebang = /^#!\s*(\S+)/.exec(readFileSync(gunicorn, 'latin1').slice(0, 200));
    if (shebang?.[1] !== undefined && !shebang[1].endsWith('/env')) python = shebang[1];
  }
  try {
    execFileSync(
      python,
      ['-c', "import importlib.util, sys; sys.exit(importlib.util.find_spec('httpbin') is None)"],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return python;
  } catch {
    return null;
  }
}
