import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemTool } from './system-tool.js';

/** One response head curl received (`-D`): a redirect, a `100 Continue`, a proxy's CONNECT answer, the final one. */
export interface CurlHead {
  /** The status line, e.g. `HTTP/1.1 200 OK`. */
  readonly statusLine: string;
  /** The status code. */
  readonly status: number;
  /** The header fields as received, in order, duplicates kept. */
  readonly headers: readonly (readonly [string, string])[];
}

/** What one curl transfer did: the reference gdhttp is compared with. */
export interface CurlResult {
  /** curl's exit status (0 on success; 47 too many redirects, 60 bad certificate…). */
  readonly exitCode: number;
  /** What curl wrote to stderr (`-sS`: only errors). */
  readonly stderr: string;
  /** `%{response_code}` of the last response; 0 when none arrived. */
  readonly status: number;
  /** Every response head received, in order. */
  readonly heads: readonly CurlHead[];
  /** The last head's fields (the final response's). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body of the final response, as curl wrote it (`-o`); empty with `--head`. */
  readonly body: Buffer;
  /** `%{num_redirects}`: redirects followed (with `-L`). */
  readonly numRedirects: number;
  /** `%{url_effective}`: the URL curl fetched last. */
  readonly urlEffective: string;
  /** `%{num_connects}`: new connections this transfer made. */
  readonly numConnects: number;
  /** Everything `--write-out '%{json}'` reported. */
  readonly writeOut: Readonly<Record<string, unknown>>;
  /** A field of the final head by name, case-insensitively; duplicates joined with `, `. */
  header(name: string): string | undefined;
}

/** `%{json}` of one transfer of {@link curlEach}. */
export interface CurlTransfer {
  /** `%{url}` as given. */
  readonly url: string;
  /** `%{response_code}`. */
  readonly status: number;
  /** `%{num_connects}`: 0 when the transfer reused a connection. */
  readonly numConnects: number;
  /** `%{size_download}`: body bytes. */
  readonly sizeDownload: number;
  /** Everything `%{json}` reported. */
  readonly writeOut: Readonly<Record<string, unknown>>;
}

// Proxy variables would route curl where the test did not say; proxies are given with -x.
const PROXY_VARIABLES = new Set([
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
]);

/**
 * Runs the system curl for one transfer and returns what it received: `-D` for every head,
 * `-o` for the body (both in a temp directory, removed afterwards) and `--write-out '%{json}'`
 * for the status, redirect count, effective URL and connection count. `-q` (first, so no
 * `.curlrc` applies) and `-sS` are added; proxy environment variables are removed. A failed
 * transfer is not thrown: see `exitCode` and `stderr`.
 *
 * @example
 * ```ts
 * const got = await curl(['-L', '--compressed', `${httpbin.url}/gzip`]);
 * expect(got.status).toBe(200);
 * ```
 *
 * @param args - curl arguments, with exactly one URL.
 * @param options - `timeoutMs` (default 60000) after which curl is killed; `data`, a request
 *   body sent with `--data-binary @file` (a file, not stdin, so curl can send it again after a
 *   307 or 308).
 * @returns the transfer's result.
 * @throws naming the Debian package when curl is not installed.
 */
export async function curl(
  args: readonly string[],
  options: { timeoutMs?: number; data?: Uint8Array } = {},
): Promise<CurlResult> {
  const binary = systemTool('curl').require();
  const dir = await mkdtemp(join(tmpdir(), 'gdhttp-curl-'));
  try {
    const headPath = join(dir, 'head');
    const bodyPath = join(dir, 'body');
    const data: string[] = [];
    if (options.data !== undefined) {
      await writeFile(join(dir, 'data'), options.data);
      data.push('--data-binary', `@${join(dir, 'data')}`);
    }
    const run = await runCurl(
      binary,
      ['-q', '-sS', '-D', headPath, '-o', bodyPath, '--write-out', '%{json}', ...data, ...args],
      options.timeoutMs ?? 60_000,
    );
    // Killed on timeout, curl printed nothing.
    const writeOut = run.stdout.trim() === '' ? {} : parseJson(run.stdout);
    const heads = parseHeads(await readFile(headPath, 'latin1').catch(() => ''));
    const headers = heads.at(-1)?.headers ?? [];
    const headOnly = args.includes('--head') || args.includes('-I');
    return {
      exitCode: run.exitCode,
      stderr: run.stderr,
      status: Number(writeOut.response_code ?? 0),
      heads,
      headers,
      // With --head curl writes the heads to -o as if they were the body; a HEAD response has none.
      body: headOnly ? Buffer.alloc(0) : await readFile(bodyPath).catch(() => Buffer.alloc(0)),
      numRedirects: Number(writeOut.num_redirects ?? 0),
      urlEffective: String(writeOut.url_effective ?? ''),
      numConnects: Number(writeOut.num_connects ?? 0),
      writeOut,
      header: (name) => {
        const lower = name.toLowerCase();
        const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
        return values.length === 0 ? undefined : values.join(', ');
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one curl that fetches `urls` in order (bodies discarded), so curl may reuse its
 * connection between them, and returns each transfer's `%{json}`: `numConnects` 0 means the
 * transfer reused a connection.
 *
 * @param urls - the URLs, fetched one after the other.
 * @param args - more curl arguments, applied to every URL (`--cacert`, `-x`…).
 * @returns one entry per URL.
 * @throws naming the Debian package when curl is not installed, or when curl fails.
 */
export async function curlEach(
  urls: readonly string[],
  args: readonly string[] = [],
): Promise<CurlTransfer[]> {
  const binary = systemTool('curl').require();
  const run = await runCurl(
    binary,
    [
      '-q',
      '-sS',
      '--write-out',
      '%{json}\\n',
      ...args,
      ...urls.flatMap((url) => ['-o', '/dev/null', url]),
    ],
    60_000,
  );
  if (run.exitCode !== 0) throw new Error(`curl exited ${run.exitCode}: ${run.stderr.trim()}`);
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const writeOut = parseJson(line);
      return {
        url: String(writeOut.url ?? ''),
        status: Number(writeOut.response_code ?? 0),
        numConnects: Number(writeOut.num_connects ?? 0),
        sizeDownload: Number(writeOut.size_download ?? 0),
        writeOut,
      };
    });
}

interface CurlRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runCurl(binary: string, args: string[], timeoutMs: number): Promise<CurlRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!PROXY_VARIABLES.has(name)) env[name] = value;
  }
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ exitCode: 0, stdout, stderr });
          return;
        }
        // A number is curl's exit status; a string code (ENOENT…) means it never ran.
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number') resolve({ exitCode: code, stdout, stderr });
        else if (error.killed) {
          resolve({ exitCode: -1, stdout, stderr: `${stderr}killed after ${timeoutMs} ms\n` });
        } else reject(new Error(`curl failed to run: ${error.message}`, { cause: error }));
      },
    );
  });
}

function parseJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`curl --write-out did not print JSON: ${text.slice(0, 200)}`);
  }
}

function parseHeads(text: string): CurlHead[] {
  const heads: CurlHead[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((line) => line !== '');
    const statusLine = lines[0];
    if (statusLine === undefined || !statusLine.startsWith('HTTP/')) continue;
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
    heads.push({ statusLine, status: Number(statusLine.split(' ')[1]), headers });
  }
  return heads;
}
