import { parseArgs as parseTokens } from 'node:util';
import { Method } from '@gdhttp/constants';
import { isValidHeader } from '@gdhttp/parser';
import { parseProxyUrl } from '@gdhttp/request';
import { type FormPart, FormSyntaxError, parseFormPart } from './form-part.js';

/** How one request-body piece is read and joined (curl's `-d` family, in command-line order). */
export type DataKind = 'data' | 'raw' | 'binary' | 'urlencode' | 'json';

/** One `-d`/`--data-raw`/`--data-binary`/`--data-urlencode`/`--json` value, as typed. */
export interface DataPiece {
  kind: DataKind;
  value: string;
}

/** What the command line asks for, before any file is read or socket opened. */
export interface Options {
  /** The URL, with `http://` added when it had no scheme. */
  url: string;
  /** `-X`; `undefined` means GET, HEAD with `-I`, POST with a body. */
  method: Method | undefined;
  /** `-H`, `-A`, `-e` and `-u` lines, `Name: value`, in order. */
  headers: string[];
  /** The body pieces in command-line order; `@file` is read later. */
  data: DataPiece[];
  /** `-F`/`--form`/`--form-string` parts in command-line order; files are read later. */
  form: FormPart[];
  /** `-T FILE`: the file to upload (`-` for stdin); the URL already names it when it named none. */
  uploadFile: string | null;
  /** `-C -`: continue the `-o`/`-O` file from its size. */
  resume: boolean;
  /**
   * `-C N`: ask for the body from byte N (`Range: bytes=N-`) and append what comes to the
   * `-o`/`-O` file whatever its size, or write it to stdout; 0 for none (`-C 0` is a plain
   * download, as in curl).
   */
  resumeFrom: number;
  /** `-o FILE`; `null` writes the body to stdout. */
  output: string | null;
  /** `-o -`/`--output -`: stdout even for a binary body on a terminal (curl's escape hatch). */
  outputToTerminal: boolean;
  /** `-O`: the file is the URL's last path segment. */
  remoteName: boolean;
  /** `-I`. */
  head: boolean;
  /** `-i`: the response heads before the body on stdout. */
  include: boolean;
  /** `-D FILE` (`-` for stdout). */
  dumpHeader: string | null;
  /** `-w FORMAT`. */
  writeOut: string | null;
  /** `-L`. */
  follow: boolean;
  /** `--max-redirs`; -1 for no limit (curl's default is 50). */
  maxRedirects: number;
  /** `--max-time` in seconds; 0 for none. */
  timeout: number;
  /** `--connect-timeout` in seconds; 0 for HTTPClient's own. */
  connectTimeout: number;
  /** `--max-filesize` in bytes; -1 for no limit. */
  maxFilesize: number;
  /** `-x` as typed (`''` turns every proxy off, as in curl); `null` reads the environment. */
  proxy: string | null;
  /** `--noproxy LIST`; `null` reads `no_proxy`/`NO_PROXY`. */
  noProxy: string | null;
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
  /** `-s`. */
  silent: boolean;
  /** `-S`: error messages even with `-s`. */
  showError: boolean;
  /** `true` forces the progress bar on (`--progress`, `-#`), `false` off, `undefined` by TTY. */
  progress: boolean | undefined;
  /** `--retry N`: attempts after the first one. */
  retry: number;
  /** `--retry-delay S`; 0 for curl's backoff (1 s, doubling). */
  retryDelay: number;
  /** `-h`; the other fields are then unchecked. */
  help: boolean;
  /** `-V`; the other fields are then unchecked. */
  version: boolean;
}

/** A command line that cannot run: the message is printed after `gdhttp: `, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The `--help` text. */
export const USAGE = `usage: gdhttp [options] URL
  -X, --request METHOD      GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT or PATCH
  -H, --header 'Name: v'    add a request header (repeatable)
  -A, --user-agent TEXT     User-Agent
  -e, --referer URL         Referer
  -u, --user USER:PASS      Basic credentials for the server
  -d, --data DATA           send DATA (POST); @FILE reads FILE without its newlines, @- stdin
      --data-raw DATA       send DATA; a leading @ is just a character
      --data-binary DATA    send DATA as is; @FILE reads FILE byte for byte
      --data-urlencode DATA send DATA URL-encoded: content, =content, name=content, @file, name@file
      --json DATA           send DATA as JSON (Content-Type and Accept: application/json)
  -F, --form NAME=CONTENT   multipart/form-data part (POST): text, @FILE as a file (@A,B: several
                            in one part), <FILE as text; ;type=, ;filename=, ;headers= (a line
                            or @FILE of lines) after it (repeatable)
      --form-string N=TEXT  a text part taken as it is (no @, < or ;)
  -T, --upload-file FILE    PUT FILE, streamed from disk (- is stdin, sent chunked); a URL
                            ending in / gets FILE's name
  -o, --output FILE         write the body to FILE (appears only when complete; - is stdout)
  -C, --continue-at -       resume the -o/-O file from its size (Range; kept if cut short)
  -C, --continue-at N       ask for the body from byte N and append it to the -o/-O file
  -O, --remote-name         write the body to the URL's file name, in this directory
  -i, --include             print the response heads before the body
  -I, --head                HEAD request; print the response head
  -D, --dump-header FILE    write the response heads to FILE (- is stdout)
  -w, --write-out FORMAT    print FORMAT after the transfer: %{http_code}, %{size_download},
                            %{time_total}, %{url_effective}, %{num_redirects}, %{content_type}
  -L, --location            follow redirects
      --max-redirs N        follow up to N redirects (default 50; -1: no limit)
  -m, --max-time S          give up after S seconds in total (0: never)
      --connect-timeout S   give up when connecting takes more than S seconds
      --max-filesize N      give up on a body larger than N bytes (suffix K, M, G)
  -x, --proxy URL           http://[user:pass@]host[:port] for http and https URLs ('' for none)
      --noproxy LIST        hosts to reach without the proxy (overrides no_proxy)
      --cacert FILE         trust the CA certificates in FILE (PEM) instead of the system's
  -k, --insecure            do not verify the server's certificate (overrides --cacert)
      --compressed          ask for gzip, deflate or br and decode it
  -f, --fail                exit 22 on an HTTP status of 400 or more, printing no body
      --retry N             try again N times on a timeout, 408, 429, 500, 502, 503 or 504
      --retry-delay S       wait S seconds between tries (default: 1 s, doubling)
  -s, --silent              no progress bar and no error messages
  -S, --show-error          error messages even with -s
  -v, --verbose             print each request and response head on stderr
  -#, --progress-bar        draw the progress bar (when stderr is a terminal)
      --progress            draw the progress bar even when stderr is not a terminal
      --no-progress         never draw it (GDHTTP_PROGRESS=1 or 0 sets the default)
  -h, --help                this help
  -V, --version             the version`;

const METHODS = Object.keys(Method).filter((name) => name !== 'MAX');

type Spec = { type: 'string' | 'boolean'; short?: string };

// Every option by its long name; node:util's parseArgs reads them, tokens keep their order.
const OPTIONS = {
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H' },
  'user-agent': { type: 'string', short: 'A' },
  referer: { type: 'string', short: 'e' },
  user: { type: 'string', short: 'u' },
  data: { type: 'string', short: 'd' },
  'data-ascii': { type: 'string' },
  'data-raw': { type: 'string' },
  'data-binary': { type: 'string' },
  'data-urlencode': { type: 'string' },
  json: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'remote-name': { type: 'boolean', short: 'O' },
  include: { type: 'boolean', short: 'i' },
  head: { type: 'boolean', short: 'I' },
  'dump-header': { type: 'string', short: 'D' },
  'write-out': { type: 'string', short: 'w' },
  location: { type: 'boolean', short: 'L' },
  'max-redirs': { type: 'string' },
  'max-redirects': { type: 'string' },
  'max-time': { type: 'string', short: 'm' },
  timeout: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'max-filesize': { type: 'string' },
  proxy: { type: 'string', short: 'x' },
  noproxy: { type: 'string' },
  cacert: { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  compressed: { type: 'boolean' },
  fail: { type: 'boolean', short: 'f' },
  retry: { type: 'string' },
  'retry-delay': { type: 'string' },
  silent: { type: 'boolean', short: 's' },
  'show-error': { type: 'boolean', short: 'S' },
  verbose: { type: 'boolean', short: 'v' },
  'progress-bar': { type: 'boolean', short: '#' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  form: { type: 'string', short: 'F' },
  'form-string': { type: 'string' },
  'upload-file': { type: 'string', short: 'T' },
  'continue-at': { type: 'string', short: 'C' },
} as const satisfies Record<string, Spec>;

type Name = keyof typeof OPTIONS;

/**
 * Parses `gdhttp`'s arguments with `node:util`'s `parseArgs`, curl style: options and the URL in
 * any order, `--opt=value`, bundled short flags (`-fsSL`, `-kLo file`), attached values
 * (`-XPOST`), `--` ends options. Its tokens keep the order of `-d` and `-H`.
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
    form: [],
    uploadFile: null,
    resume: false,
    resumeFrom: 0,
    output: null,
    outputToTerminal: false,
    remoteName: false,
    head: false,
    include: false,
    dumpHeader: null,
    writeOut: null,
    follow: false,
    maxRedirects: 50,
    timeout: 0,
    connectTimeout: 0,
    maxFilesize: -1,
    proxy: null,
    noProxy: null,
    cacert: null,
    insecure: false,
    compressed: false,
    verbose: false,
    fail: false,
    silent: false,
    showError: false,
    progress: undefined,
    retry: 0,
    retryDelay: 0,
    help: false,
    version: false,
  };
  // strict: false, so that an unknown option is a token we name ourselves, in one line, and a
  // value that starts with `-` (`-d -1`) is a value, as in curl.
  const { tokens } = parseTokens({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const urls: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      urls.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const { name, rawName, value } = token;
    if (!Object.hasOwn(OPTIONS, name)) {
      // Name the bundle it came from too: `-z` alone is unclear when the user typed `-Lz`.
      const arg = argv[token.index] ?? rawName;
      const bundle = arg.startsWith('--') || arg.split('=')[0] === rawName ? '' : ` in ${arg}`;
      throw new UsageError(`unknown option ${rawName}${bundle} (see gdhttp --help)`);
    }
    const spec: Spec = OPTIONS[name as Name];
    if (spec.type === 'boolean') {
      if (value !== undefined) throw new UsageError(`${rawName} takes no value`);
      applyFlag(o, name as Name);
    } else {
      if (value === undefined) throw new UsageError(`${rawName} needs a value`);
      applyValue(o, name as Name, value, rawName);
    }
  }
  if (o.help || o.version) return o;
  if (urls.length === 0) throw new UsageError('no URL given (see gdhttp --help)');
  if (urls.length > 1) throw new UsageError(`one URL at a time, got ${urls.length}`);
  o.url = checkUrl(urls[0]!);
  // One body at a time, as curl ("You can only select one HTTP request method!").
  const bodies = [
    o.data.length > 0 ? '-d' : null,
    o.form.length > 0 ? '-F' : null,
    o.uploadFile !== null ? '-T' : null,
  ].filter((flag) => flag !== null);
  if (o.head && bodies.length > 0)
    throw new UsageError(`-I and ${bodies[0]} cannot be used together`);
  if (bodies.length > 1)
    throw new UsageError(`${bodies[0]} and ${bodies[1]} cannot be used together`);
  if (o.remoteName && o.output !== null) throw new UsageError('-O and -o cannot be used together');
  if (o.resume && o.uploadFile !== null) {
    throw new UsageError('-C - resumes downloads (-o, -O), not -T uploads');
  }
  if (o.resumeFrom > 0 && bodies.length > 0) {
    // curl would resume the upload from byte N; gdhttp resumes downloads only.
    throw new UsageError(`-C ${o.resumeFrom} resumes downloads, not a ${bodies[0]} upload`);
  }
  if (o.uploadFile !== null && !isStdin(o.uploadFile)) o.url = withFileName(o.url, o.uploadFile);
  return o;
}

/** `-T -` and curl's `-T .` (stdin, read as it comes). */
export function isStdin(file: string): boolean {
  return file === '-' || file === '.';
}

/**
 * curl's `-T` rule (src/tool_operate.c, add_file_name_to_url): a URL with no file part after its
 * last `/` — or no `/` at all after the host — gets the local file's name, percent-encoded as
 * curl_easy_escape does (everything but letters, digits and `-._~`).
 *
 * @param url - the URL, with its scheme.
 * @param file - the `-T` path.
 * @returns the URL to upload to.
 */
export function withFileName(url: string, file: string): string {
  const afterScheme = url.indexOf('://') + 3;
  const slash = url.lastIndexOf('/');
  const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  const encoded = [...new TextEncoder().encode(name)]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
  if (slash < afterScheme) return `${url}/${encoded}`;
  return slash === url.length - 1 ? `${url}${encoded}` : url;
}

function applyFlag(o: Options, name: Name): void {
  switch (name) {
    case 'remote-name':
      o.remoteName = true;
      break;
    case 'include':
      o.include = true;
      break;
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
    case 'silent':
      o.silent = true;
      break;
    case 'show-error':
      o.showError = true;
      break;
    case 'verbose':
      o.verbose = true;
      break;
    case 'progress-bar':
      // curl's -# picks its bar over its meter; gdhttp has only the bar, drawn as usual.
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
    case 'version':
      o.version = true;
      break;
    default:
      break;
  }
}

function applyValue(o: Options, name: Name, value: string, spelled: string): void {
  switch (name) {
    case 'request': {
      const upper = value.toUpperCase();
      if (!METHODS.includes(upper)) {
        throw new UsageError(`${spelled}: unsupported method '${value}' (${METHODS.join(', ')})`);
      }
      o.method = Method[upper as keyof typeof Method];
      break;
    }
    case 'header':
      o.headers.push(checkHeader(value, spelled));
      break;
    case 'user-agent':
      o.headers.push(checkHeader(`User-Agent: ${value}`, spelled));
      break;
    case 'referer':
      // curl's `;auto` suffix asks it to set Referer on redirects; gdhttp sends the given one.
      o.headers.push(checkHeader(`Referer: ${value.replace(/;auto$/, '')}`, spelled));
      break;
    case 'user': {
      const colon = value.indexOf(':');
      // curl prompts for a missing password; gdhttp never reads the terminal.
      if (colon < 0) throw new UsageError(`${spelled}: give the password too, as user:password`);
      const token = Buffer.from(value).toString('base64');
      o.headers.push(`Authorization: Basic ${token}`);
      break;
    }
    case 'data':
    case 'data-ascii':
      o.data.push({ kind: 'data', value });
      break;
    case 'data-raw':
      o.data.push({ kind: 'raw', value });
      break;
    case 'data-binary':
      o.data.push({ kind: 'binary', value });
      break;
    case 'data-urlencode':
      o.data.push({ kind: 'urlencode', value });
      break;
    case 'json':
      o.data.push({ kind: 'json', value });
      break;
    case 'form':
    case 'form-string':
      try {
        o.form.push(parseFormPart(value, name === 'form-string'));
      } catch (error) {
        if (error instanceof FormSyntaxError) throw new UsageError(`${spelled}: ${error.message}`);
        throw error;
      }
      break;
    case 'upload-file':
      if (value === '') throw new UsageError(`${spelled} needs a file name`);
      o.uploadFile = value;
      break;
    case 'continue-at':
      // `-`: from the -o file's size, HTTPRequest checking the answer (Content-Range, If-Range).
      // N: curl's byte offset, whatever the file holds; the last -C given counts.
      if (value === '-') {
        o.resume = true;
        o.resumeFrom = 0;
        break;
      }
      if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(Number(value))) {
        throw new UsageError(
          `${spelled}: expected '-' (resume from the -o file's size) or a byte offset ≥ 0, got '${value}'`,
        );
      }
      o.resume = false;
      o.resumeFrom = Number(value);
      break;
    case 'output':
      if (value === '') throw new UsageError(`${spelled} needs a file name`);
      // curl's convention: `-o -` is standard output, binary or not.
      o.output = value === '-' ? null : value;
      o.outputToTerminal = value === '-';
      break;
    case 'dump-header':
      if (value === '') throw new UsageError(`${spelled} needs a file name`);
      o.dumpHeader = value;
      break;
    case 'write-out':
      o.writeOut = value;
      break;
    case 'max-redirs':
    case 'max-redirects': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < -1) {
        throw new UsageError(`${spelled}: expected a whole number ≥ -1, got '${value}'`);
      }
      o.maxRedirects = n;
      break;
    }
    case 'max-time':
    case 'timeout':
      o.timeout = seconds(value, spelled);
      break;
    case 'connect-timeout':
      o.connectTimeout = seconds(value, spelled);
      break;
    case 'retry-delay':
      o.retryDelay = seconds(value, spelled);
      break;
    case 'retry': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
        throw new UsageError(`${spelled}: expected a whole number ≥ 0, got '${value}'`);
      }
      o.retry = n;
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
    case 'noproxy':
      o.noProxy = value;
      break;
    case 'cacert':
      o.cacert = value;
      break;
    default:
      break;
  }
}

function seconds(value: string, spelled: string): number {
  const s = Number(value);
  if (value.trim() === '' || !Number.isFinite(s) || s < 0) {
    throw new UsageError(`${spelled}: expected seconds ≥ 0, got '${value}'`);
  }
  return s;
}

function checkHeader(value: string, spelled: string): string {
  // The client's own rule (a token name at index 0, no CR, LF or NUL): refused here, not later.
  if (!isValidHeader(value)) {
    throw new UsageError(`${spelled}: a header is 'Name: value', got '${value.slice(0, 40)}'`);
  }
  return value;
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
 * Parses `--proxy` or a proxy variable: `http://[user:pass@]host[:port]` (port 1080 when absent,
 * as curl), or `host:port`. Only HTTP proxies exist in HTTPClient, so other schemes are refused.
 *
 * @param raw - the option's value.
 * @returns host, port and the percent-decoded credentials, if any.
 * @throws {@link UsageError} for another scheme, no host, or port 0.
 */
export function parseProxy(raw: string): ProxySetting {
  // The library's reading of a proxy URL (as curl's), so `-x` and the variables mean one thing.
  const parts = parseProxyUrl(raw);
  if (typeof parts === 'string') throw new UsageError(parts);
  return parts;
}
