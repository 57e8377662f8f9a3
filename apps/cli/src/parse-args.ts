import { Method } from '@gdhttp/constants';

/** What the command line asks for, before any file is read or socket opened. */
export interface Options {
  /** The URL, with `http://` added when it had no scheme. */
  url: string;
  /** `-X`; `undefined` means GET, HEAD with `-I`, POST with `-d`. */
  method: Method | undefined;
  /** `-H` lines, `Name: value`, in order. */
  headers: string[];
  /** `-d` parts (joined with `&`, as curl does) or `--data-binary`; `@file` is read later. */
  data: { kind: 'text' | 'binary'; value: string }[];
  /** `-o`; `null` (also for `-o -`) writes the body to stdout. */
  output: string | null;
  /** `-I`. */
  head: boolean;
  /** `-L`, or implied by `--max-redirects`. */
  follow: boolean;
  /** `--max-redirects`; `undefined` keeps HTTPRequest's default (8) when following. */
  maxRedirects: number | undefined;
  /** `--timeout` in seconds; 0 for none. */
  timeout: number;
  /** `--max-filesize` in bytes; -1 for no limit. */
  maxFilesize: number;
  /** `--proxy` as typed; {@link parseProxy} reads it. */
  proxy: string | null;
  /** `--cacert` path. */
  cacert: string | null;
  /** `-k`. */
  insecure: boolean;
  /** `--compressed`. */
  compressed: boolean;
  /** `-v`. */
  verbose: boolean;
  /** `-f`. */
  fail: boolean;
  /** `true` forces the progress bar on, `false` off, `undefined` decides by TTY. */
  progress: boolean | undefined;
  /** `-h`; the other fields are then unchecked. */
  help: boolean;
}

/** A command line that cannot run: the message is printed after `gdhttp: `, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The `--help` text. */
export const USAGE = `usage: gdhttp URL [options]
  -X, --request METHOD     GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT or PATCH
  -H, --header 'Name: v'   add a request header (repeatable)
  -d, --data DATA          send DATA (POST by default); @FILE reads FILE without its newlines
      --data-binary DATA   send DATA as is; @FILE reads FILE byte for byte
  -o, --output FILE        write the body to FILE (appears only when complete; - is stdout)
  -I, --head               HEAD request; print the response head
  -L, --location           follow redirects (up to 8, HTTPRequest's default)
      --max-redirects N    follow up to N redirects (implies -L; -1: no limit)
  -m, --timeout S          give up after S seconds in total (0: never)
      --max-filesize N     give up on a body larger than N bytes (suffix K, M, G: KiB, MiB, GiB)
  -x, --proxy URL          http://[user:pass@]host:port, for http and https URLs
      --cacert FILE        trust the CA certificates in FILE (PEM) instead of the system's
  -k, --insecure           do not verify the server's certificate (overrides --cacert)
      --compressed         ask for gzip, deflate or br and decode it
  -f, --fail               exit 22 on an HTTP status of 400 or more
  -v, --verbose            print the request and response heads on stderr
      --progress           draw the progress bar even when stderr is not a terminal
      --no-progress        never draw it (GDHTTP_PROGRESS=1 or 0 sets the default)
  -h, --help               this help`;

const METHODS = Object.keys(Method).filter((name) => name !== 'MAX');

// Options that take a value, by every spelling.
const WITH_VALUE: Readonly<Record<string, string>> = {
  '-X': 'request',
  '--request': 'request',
  '-H': 'header',
  '--header': 'header',
  '-d': 'data',
  '--data': 'data',
  '--data-binary': 'data-binary',
  '-o': 'output',
  '--output': 'output',
  '--max-redirects': 'max-redirects',
  '--max-redirs': 'max-redirects',
  '-m': 'timeout',
  '--timeout': 'timeout',
  '--max-time': 'timeout',
  '--max-filesize': 'max-filesize',
  '-x': 'proxy',
  '--proxy': 'proxy',
  '--cacert': 'cacert',
};

const FLAGS: Readonly<Record<string, string>> = {
  '-I': 'head',
  '--head': 'head',
  '-L': 'location',
  '--location': 'location',
  '-k': 'insecure',
  '--insecure': 'insecure',
  '--compressed': 'compressed',
  '-f': 'fail',
  '--fail': 'fail',
  '-v': 'verbose',
  '--verbose': 'verbose',
  '--progress': 'progress',
  '--no-progress': 'no-progress',
  '-h': 'help',
  '--help': 'help',
};

/**
 * Parses `gdhttp`'s arguments, curl style: options and the URL in any order, `--opt=value`,
 * short flags bundled (`-Lv`) and a short option's value attached (`-XPOST`), `--` ends options.
 *
 * @param argv - the arguments after the program name.
 * @returns the options.
 * @throws {@link UsageError} naming the argument that is wrong.
 */
export function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    url: '',
    method: undefined,
    headers: [],
    data: [],
    output: null,
    head: false,
    follow: false,
    maxRedirects: undefined,
    timeout: 0,
    maxFilesize: -1,
    proxy: null,
    cacert: null,
    insecure: false,
    compressed: false,
    verbose: false,
    fail: false,
    progress: undefined,
    help: false,
  };
  const urls: string[] = [];
  let optionsEnd = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (optionsEnd || arg === '-' || !arg.startsWith('-')) {
      urls.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnd = true;
      continue;
    }
    let name = arg;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.slice(0, eq);
        value = arg.slice(eq + 1);
      }
    } else if (arg.length > 2) {
      // Bundled short options, as curl reads them: flags until one that takes a value, whose
      // value is the rest of the argument (-XPOST, -ofile, -vXPOST) or the next one (-kLo f).
      for (let j = 1; j < arg.length; j++) {
        const short = `-${arg[j]}`;
        const option = WITH_VALUE[short];
        if (option !== undefined) {
          const rest = arg.slice(j + 1);
          const attached = rest === '' ? argv[++i] : rest;
          if (attached === undefined) throw new UsageError(`${short} needs a value`);
          applyValue(o, option, attached, short);
          break;
        }
        const flag = FLAGS[short];
        if (flag === undefined) throw new UsageError(`unknown option ${short} in ${arg}`);
        applyFlag(o, flag);
      }
      continue;
    }
    if (name in FLAGS) {
      if (value !== undefined) throw new UsageError(`${name} takes no value`);
      applyFlag(o, FLAGS[name]!);
    } else if (name in WITH_VALUE) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
      }
      applyValue(o, WITH_VALUE[name]!, value, name);
    } else {
      throw new UsageError(`unknown option ${name} (see gdhttp --help)`);
    }
  }
  if (o.help) return o;
  if (urls.length === 0) throw new UsageError('no URL given (see gdhttp --help)');
  if (urls.length > 1) throw new UsageError(`one URL at a time, got ${urls.length}`);
  o.url = checkUrl(urls[0]!);
  if (o.head && o.data.length > 0) throw new UsageError('-I and -d cannot be used together');
  if (o.data.some((d) => d.kind === 'binary') && o.data.length > 1) {
    throw new UsageError('--data-binary cannot be combined with other -d/--data-binary');
  }
  return o;
}

function applyFlag(o: Options, flag: string): void {
  switch (flag) {
    case 'head':
      o.head = true;
      break;
    case 'location':
      o.follow = true;
      break;
    case 'insecure':
      o.insecure = true;
      break;
    case 'compressed':
      o.compressed = true;
      break;
    case 'fail':
      o.fail = true;
      break;
    case 'verbose':
      o.verbose = true;
      break;
    case 'progress':
      o.progress = true;
      break;
    case 'no-progress':
      o.progress = false;
      break;
    case 'help':
      o.help = true;
      break;
  }
}

function applyValue(o: Options, option: string, value: string, spelled: string): void {
  switch (option) {
    case 'request': {
      const upper = value.toUpperCase();
      if (!METHODS.includes(upper)) {
        throw new UsageError(`${spelled}: unsupported method '${value}' (${METHODS.join(', ')})`);
      }
      o.method = Method[upper as keyof typeof Method];
      break;
    }
    case 'header': {
      const colon = value.indexOf(':');
      if (
        colon <= 0 ||
        /[\r\n\0]/.test(value) ||
        !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value.slice(0, colon))
      ) {
        throw new UsageError(`${spelled}: a header is 'Name: value', got '${value.slice(0, 40)}'`);
      }
      o.headers.push(value);
      break;
    }
    case 'data':
      o.data.push({ kind: 'text', value });
      break;
    case 'data-binary':
      o.data.push({ kind: 'binary', value });
      break;
    case 'output':
      if (value === '') throw new UsageError(`${spelled} needs a file name`);
      // curl's convention: `-o -` is standard output.
      o.output = value === '-' ? null : value;
      break;
    case 'max-redirects': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < -1) {
        throw new UsageError(`${spelled}: expected a whole number ≥ -1, got '${value}'`);
      }
      o.maxRedirects = n;
      o.follow = true;
      break;
    }
    case 'timeout': {
      const s = Number(value);
      if (value.trim() === '' || !Number.isFinite(s) || s < 0) {
        throw new UsageError(`${spelled}: expected seconds ≥ 0, got '${value}'`);
      }
      o.timeout = s;
      break;
    }
    case 'max-filesize': {
      const match = /^(\d+)([KMG]?)$/i.exec(value.trim());
      if (match === null) {
        throw new UsageError(
          `${spelled}: expected bytes, optionally with K, M or G, got '${value}'`,
        );
      }
      const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[match[2]!.toUpperCase()] ?? 1;
      o.maxFilesize = Number(match[1]) * scale;
      break;
    }
    case 'proxy':
      o.proxy = value;
      break;
    case 'cacert':
      o.cacert = value;
      break;
  }
}

function checkUrl(raw: string): string {
  // Like curl, a URL without a scheme means http://.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`malformed URL '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `unsupported protocol '${url.protocol.slice(0, -1)}' (http and https only)`,
    );
  }
  if (url.hostname === '') throw new UsageError(`no host in URL '${raw}'`);
  return withScheme;
}

/** A parsed `--proxy` value. */
export interface ProxySetting {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
}

/**
 * Parses `--proxy`: `http://[user:pass@]host[:port]` (port 1080 when absent, as curl), or
 * `host:port`. Only HTTP proxies exist in HTTPClient, so other schemes are refused.
 *
 * @param raw - the option's value.
 * @returns host, port and the percent-decoded credentials, if any.
 * @throws {@link UsageError} for another scheme, no host, or port 0.
 */
export function parseProxy(raw: string): ProxySetting {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`malformed proxy URL '${raw}'`);
  }
  if (url.protocol !== 'http:') {
    throw new UsageError(`unsupported proxy scheme '${url.protocol.slice(0, -1)}' (http only)`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new UsageError(`no host in proxy URL '${raw}'`);
  // Read the port from the text: WHATWG URL drops a scheme's default port, so `url.port` is ''
  // for an explicit `:80`, which must not become curl's default 1080.
  const explicit = /^[^:]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/.exec(withScheme)?.[1];
  const port = explicit === undefined ? 1080 : Number(explicit);
  if (port < 1 || port > 65535) throw new UsageError(`no usable port in proxy URL '${raw}'`);
  return {
    host,
    port,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.username === '' ? undefined : decodeURIComponent(url.password),
  };
}
