import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type RecordedRequest,
  type Script,
  type ScriptedServer,
  startScriptedServer,
  systemTool,
} from '@gdhttp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../src/run.js';

// Each row runs the same command line through `gdhttp` (in this process) and the system curl
// (a child), against the same scripted servers on 127.0.0.1, and compares the exit code, the
// bytes on stdout and the requests the servers received. What differs on purpose is
// normalised below and listed in README.md ("Differences from curl").

const curlTool = systemTool('curl');

const gz = gzipSync(Buffer.from('decoded from gzip\n'));
/** What /range serves, with ranges: byte i is `i % 251`. */
const RANGED = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const reply = (status: string, body: string | Buffer, extra = ''): Script => [
  `HTTP/1.1 ${status}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`,
  body,
];

/** The origin's routes: the request line's path picks the reply. */
function route(request: RecordedRequest): Script {
  const [method = '', target = ''] = request.requestLine.split(' ');
  const path = target.replace(/^http:\/\/[^/]+/, '');
  const head = method === 'HEAD';
  const answer = (status: string, body: string | Buffer, extra = ''): Script => {
    const [first] = reply(status, body, extra);
    return head ? [first!] : reply(status, body, extra);
  };
  if (path.startsWith('/redirect')) return answer('302 Found', 'moved\n', 'Location: /text\r\n');
  if (path.startsWith('/moved-range')) {
    return answer('301 Moved Permanently', 'moved\n', 'Location: /range\r\n');
  }
  if (path.startsWith('/elsewhere')) {
    // The same server by another name: another host, so another connection (curl's rule too).
    return answer('302 Found', 'away\n', `Location: http://localhost:${origin.port}/text\r\n`);
  }
  if (path.startsWith('/see-other')) return answer('303 See Other', '', 'Location: /echo\r\n');
  if (path.startsWith('/loop')) return answer('302 Found', '', 'Location: /loop\r\n');
  if (path.startsWith('/missing')) return answer('404 Not Found', 'no such thing\n');
  if (path.startsWith('/busy')) return answer('503 Service Unavailable', '');
  if (path.startsWith('/error')) return answer('500 Internal Server Error', 'broken\n');
  if (path.startsWith('/gzip')) return answer('200 OK', gz, 'Content-Encoding: gzip\r\n');
  if (path.startsWith('/range')) {
    const range = request.headers.find(([name]) => name.toLowerCase() === 'range')?.[1];
    const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
    if (from >= RANGED.length) {
      return answer('416 Range Not Satisfiable', '', `Content-Range: bytes */${RANGED.length}\r\n`);
    }
    if (from > 0) {
      const rest = RANGED.subarray(from);
      const last = RANGED.length - 1;
      return answer(
        '206 Partial Content',
        rest,
        `Content-Range: bytes ${from}-${last}/${RANGED.length}\r\n`,
      );
    }
    return answer('200 OK', RANGED);
  }
  if (path.startsWith('/echo')) {
    return answer('200 OK', Buffer.concat([Buffer.from(`${method} `), request.body]));
  }
  return answer('200 OK', 'hello, curl\n', 'Content-Type: text/plain; charset=utf-8\r\n');
}

let origin: ScriptedServer;
let proxy: ScriptedServer;
let dir: string;
beforeAll(async () => {
  origin = await startScriptedServer({ replies: route });
  // A stand-in proxy: it answers the absolute-form requests it gets, so the test sees them.
  proxy = await startScriptedServer({ replies: route });
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-parity-'));
  await writeFile(join(dir, 'payload.bin'), Buffer.from([0, 1, 2, 13, 10, 255]));
  await writeFile(join(dir, 'form.txt'), 'a=1\r\n&b=2\n');
  // A ;headers=@file as curl reads one: a comment, CR LF ends, a folded line, an empty line, a
  // Content-Type (which sets the part's own), trailing spaces.
  await writeFile(
    join(dir, 'part-headers.txt'),
    '# part headers\r\nX-One: 1  \r\n  folded on\n\nX-Two: two \n#X-Not: sent\nContent-Type: text/custom\n',
  );
});
afterAll(async () => {
  await Promise.all([origin?.close(), proxy?.close()]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: Buffer;
  /** With `heads`: the request heads the tool printed with -v, normalised as `origin`. */
  printed?: string[];
  /** What each server received during the run, normalised. */
  origin: string[];
  proxy: string[];
  /** The `-o`/`-O` file, when the row names one. */
  file?: string;
  /** Connections the origin accepted during the run (curl keeps one per host and port). */
  connections: number;
}

/** A request as compared: request line, sorted header fields, body. */
function normalised(request: RecordedRequest, keepUserAgent: boolean): string {
  const head = normalisedHead(request.requestLine, request.headers, keepUserAgent);
  return unbound(`${head}\n\n${request.body.toString('latin1')}`);
}

/** A request line and its fields: the fields sorted, with the differences README.md lists. */
function normalisedHead(
  requestLine: string,
  headers: readonly (readonly [string, string])[],
  keepUserAgent: boolean,
): string {
  const fields = headers
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    // Differences documented in README.md: each tool's own User-Agent, the codings each can
    // decode (curl also offers zstd), curl's legacy Proxy-Connection header, and the
    // `Accept-Encoding: identity` HTTPRequest sends with a range (-C -).
    .filter(([name]) => name !== 'proxy-connection' && (keepUserAgent || name !== 'user-agent'))
    .filter(([name, value]) => name !== 'accept-encoding' || value !== 'identity')
    .map(([name, value]) => `${name}: ${name === 'accept-encoding' ? '(codings)' : value}`)
    .sort();
  return [requestLine, ...fields].join('\n');
}

/** Multipart boundaries are random: each becomes `(boundary N)`, N in order of appearance. */
function unbound(text: string): string {
  const boundaries = [...text.matchAll(/boundary=([^\s;]+)/g)].map((m) => m[1]!);
  return [...new Set(boundaries)].reduce(
    (out, boundary, i) => out.split(boundary).join(`(boundary ${i + 1})`),
    text,
  );
}

/** The request heads a `-v` run printed on stderr (`> ` lines), normalised as the requests. */
function printedHeads(stderr: string, keepUserAgent: boolean): string[] {
  const heads: string[][] = [];
  for (const line of stderr.split(/\r?\n/)) {
    if (!line.startsWith('> ')) continue;
    const text = line.slice(2);
    // curl ends a head with '> ', gdhttp with '>': the blank line is no field.
    if (text.trim() === '') continue;
    if (/^[A-Z]+ \S+ HTTP\/1\.1$/.test(text)) heads.push([text]);
    else heads.at(-1)?.push(text);
  }
  return heads.map(([requestLine = '', ...fields]) => {
    const pairs = fields.map((field) => {
      const colon = field.indexOf(':');
      return [field.slice(0, colon), field.slice(colon + 1).trim()] as const;
    });
    return unbound(normalisedHead(requestLine, pairs, keepUserAgent));
  });
}

async function observe(
  keepUserAgent: boolean,
  row: Row,
  go: () => Promise<{ code: number; stdout: Buffer; stderr: string }>,
): Promise<Outcome> {
  const { file } = row;
  const fromOrigin = origin.requests.length;
  const fromProxy = proxy.requests.length;
  const connectionsBefore = origin.connections;
  if (file !== undefined) {
    await rm(join(dir, file), { force: true });
    if (row.existing !== undefined) await writeFile(join(dir, file), row.existing);
  }
  const { code, stdout, stderr } = await go();
  const outcome: Outcome = {
    code,
    stdout,
    origin: origin.requests.slice(fromOrigin).map((r) => normalised(r, keepUserAgent)),
    proxy: proxy.requests.slice(fromProxy).map((r) => normalised(r, keepUserAgent)),
    connections: origin.connections - connectionsBefore,
  };
  if (row.heads === true) outcome.printed = printedHeads(stderr, keepUserAgent);
  if (file !== undefined) {
    outcome.file = await readFile(join(dir, file), 'latin1').catch(() => '(none)');
  }
  return outcome;
}

async function gdhttp(args: string[], env: Record<string, string>, stdin?: string) {
  const out: Buffer[] = [];
  let err = '';
  const io: Io = {
    stdout: {
      write(chunk) {
        out.push(Buffer.from(chunk));
        return true;
      },
    },
    stderr: {
      write(chunk) {
        err += Buffer.from(chunk).toString('latin1');
        return true;
      },
    },
    env,
    cwd: dir,
  };
  if (stdin !== undefined) {
    io.stdin = (async function* () {
      yield Buffer.from(stdin);
    })();
  }
  const code = await run(args, io);
  return { code, stdout: Buffer.concat(out), stderr: err };
}

function curl(args: string[], env: Record<string, string>, stdin?: string) {
  const binary = curlTool.require();
  const base: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/_proxy$/i.test(name)) base[name] = value;
  }
  return new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve, reject) => {
    // -q first: no .curlrc applies.
    const child = execFile(
      binary,
      ['-q', ...args],
      { env: { ...base, ...env }, cwd: dir, encoding: 'buffer', timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code === 'number') resolve({ code, stdout, stderr: stderr.toString('latin1') });
        else reject(error);
      },
    );
    // curl may be gone before its stdin is written (a row that ends at the head, exit 33): a
    // closed pipe is no failure of the row.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin ?? '');
  });
}

interface Row {
  /** The arguments; `@/path` in a URL position is the origin's URL for that path. */
  args: string[];
  env?: Record<string, string>;
  /** The `-o`/`-O` file to compare too. */
  file?: string;
  /** What `file` holds before each run (a partial download for -C -). */
  existing?: Buffer;
  /** Standard input for both tools. */
  stdin?: string;
  /** Compare the request heads each tool printed with -v too. */
  heads?: boolean;
}

const ROWS: Record<string, Row> = {
  'a body to stdout': { args: ['@/text'] },
  '-i: status line with version, CRLF heads': { args: ['-i', '@/text'] },
  '-I: HEAD, the head only': { args: ['-I', '@/text'] },
  '-fsS on a 404: no body, exit 22': { args: ['-fsS', '@/missing'] },
  '-sf on a 500': { args: ['-sf', '@/error'] },
  'a 404 without -f: the body, exit 0': { args: ['-s', '@/missing'] },
  '-fsSL follows a redirect': { args: ['-fsSL', '@/redirect'] },
  '-siL: every hop’s head': { args: ['-siL', '@/redirect'] },
  '-D -: heads to stdout': { args: ['-s', '-D', '-', '@/text'] },
  '-w variables': {
    args: [
      '-sL',
      '-w',
      '\\n%{http_code} %{response_code} %{num_redirects} %{url_effective} %{content_type} %{size_download}\\n',
      '@/redirect',
    ],
  },
  '-w on a refused connection: 000': { args: ['-s', '-w', '%{http_code}', 'http://127.0.0.1:1/'] },
  '-L --max-redirs 2 in a loop: exit 47': { args: ['-sL', '--max-redirs', '2', '@/loop'] },
  '-d parts joined with &': { args: ['-s', '-d', 'a=1', '-d', 'b=2', '@/echo'] },
  '-d @file without CR/LF, then --data-binary @file': {
    args: ['-s', '-d', '@form.txt', '--data-binary', '@payload.bin', '@/echo'],
  },
  '--data-raw keeps a leading @': { args: ['-s', '--data-raw', '@x', '@/echo'] },
  '--data-urlencode, three forms': {
    args: [
      '-s',
      '--data-urlencode',
      'a b=c d&e',
      '--data-urlencode',
      '=x y',
      '--data-urlencode',
      'q',
      '@/echo',
    ],
  },
  '--json twice, concatenated': {
    args: ['-s', '--json', '{"a":1}', '--json', '{"b":2}', '@/echo'],
  },
  '-X PUT --data-binary @file': {
    args: ['-s', '-X', 'PUT', '--data-binary', '@payload.bin', '@/echo'],
  },
  '-u, -A, -e, -H': {
    args: [
      '-s',
      '-u',
      'us:pw',
      '-A',
      'agent/1',
      '-e',
      'http://ref.test/',
      '-H',
      'X-A: 1',
      '@/text',
    ],
  },
  '-L: 302 turns POST into GET': { args: ['-sL', '-d', 'x=1', '@/redirect'] },
  '-L: 303 turns POST into GET': { args: ['-sL', '-d', 'x=1', '@/see-other'] },
  '--compressed decodes gzip': { args: ['-s', '--compressed', '@/gzip'] },
  'no --compressed: bytes as sent': { args: ['-s', '@/gzip'] },
  '-o FILE': { args: ['-s', '-o', 'out.txt', '@/text'], file: 'out.txt' },
  '-O: the URL’s file name': { args: ['-sO', '@/text/name.txt'], file: 'name.txt' },
  '-kLo FILE bundle': { args: ['-skLo', 'bundle.txt', '@/redirect'], file: 'bundle.txt' },
  'no scheme means http://': { args: ['-s', '@/text'.replace('@', '@bare')] },
  'http_proxy (lower case) is used': { args: ['-s', '@/text'], env: { http_proxy: '@proxy' } },
  'HTTP_PROXY (upper case) is not, as in curl': {
    args: ['-s', '@/text'],
    env: { HTTP_PROXY: '@proxy' },
  },
  'ALL_PROXY is the fallback': { args: ['-s', '@/text'], env: { ALL_PROXY: '@proxy' } },
  'NO_PROXY with the IP': {
    args: ['-s', '@/text'],
    env: { http_proxy: '@proxy', NO_PROXY: 'example.test, 127.0.0.1' },
  },
  'no_proxy with a CIDR range': {
    args: ['-s', '@/text'],
    env: { http_proxy: '@proxy', no_proxy: '127.0.0.0/8' },
  },
  'no_proxy with another domain': {
    args: ['-s', '@/text'],
    env: { http_proxy: '@proxy', no_proxy: '.example.test' },
  },
  'no_proxy with a port does not match, as in curl': {
    args: ['-s', '@/text'],
    env: { http_proxy: '@proxy', no_proxy: '127.0.0.1:1' },
  },
  'no_proxy=* exempts all': {
    args: ['-s', '@/text'],
    env: { http_proxy: '@proxy', no_proxy: '*' },
  },
  '-x wins over http_proxy; --noproxy over no_proxy': {
    args: ['-s', '-x', '@proxy', '--noproxy', 'other.test', '@/text'],
    env: { http_proxy: 'http://127.0.0.1:1', no_proxy: '127.0.0.1' },
  },
  '-x "" turns the proxy off': { args: ['-s', '-x', '', '@/text'], env: { http_proxy: '@proxy' } },
  // curl prints every try's body; gdhttp only the last one's (README.md), so the 503 is empty.
  '--retry on a 503: tried twice': { args: ['-s', '--retry', '1', '-w', '%{http_code}', '@/busy'] },
  // Issue #18, what was left: multipart forms, uploads, resume, 3xx bodies, -v.
  '-F: text, @file, <file, ;type=, ;filename=': {
    args: [
      '-s',
      '-F',
      'a=1',
      '-F',
      'f=@form.txt',
      '-F',
      'c=<form.txt',
      '-F',
      'd=x;type=text/foo',
      '-F',
      'e=@payload.bin;filename=x"y.dat;type=image/png',
      '-F',
      'g="quoted;value"',
      '@/form',
    ],
  },
  '-F with stdin: @-': { args: ['-s', '-F', 'f=@-', '@/form'], stdin: 'from stdin\n' },
  '-F with stdin: <-': { args: ['-s', '-F', 'c=<-;type=text/x', '@/form'], stdin: 'as text\n' },
  '-F: a Content-Type from -H gets the boundary': {
    args: ['-s', '-H', 'Content-Type: multipart/related', '-F', 'a=1', '@/form'],
  },
  '--form-string: no @ or ; meaning': { args: ['-s', '--form-string', 'a=@x;y', '@/form'] },
  '-T file: PUT to the URL plus the file name, Expect: 100-continue': {
    args: ['-s', '-T', 'payload.bin', '@/up/'],
  },
  '-T file -X POST to a named URL': { args: ['-s', '-X', 'POST', '-T', 'form.txt', '@/echo'] },
  '-T -: stdin, chunked': { args: ['-s', '-T', '-', '@/echo'], stdin: 'streamed from stdin\n' },
  '-C - -o: the rest of a partial file, by Range': {
    args: ['-s', '-C', '-', '-o', 'resume.bin', '@/range'],
    file: 'resume.bin',
    existing: RANGED.subarray(0, 400),
  },
  '-C - -o on a complete file: 416, nothing written, exit 0': {
    args: ['-s', '-C', '-', '-o', 'done.bin', '-w', '%{http_code}', '@/range'],
    file: 'done.bin',
    existing: RANGED,
  },
  '-C - -o on a complete file with -f: 416 is a failure, the file stays': {
    args: ['-sf', '-C', '-', '-o', 'done.bin', '-w', '%{http_code}', '@/range'],
    file: 'done.bin',
    existing: RANGED,
  },
  '-C - -o without a file: a whole download': {
    args: ['-s', '-C', '-', '-o', 'fresh.bin', '@/range'],
    file: 'fresh.bin',
  },
  '-C - without -o: a plain download': { args: ['-s', '-C', '-', '@/text'] },
  'a 3xx without -L: its body': { args: ['-s', '@/redirect'] },
  'a 3xx without -L, -i and -w': {
    args: ['-si', '-w', '%{http_code} %{size_download}', '@/redirect'],
  },
  'a 3xx without -L to -o: its body in the file': {
    args: ['-s', '-o', 'moved.txt', '@/redirect'],
    file: 'moved.txt',
  },
  '-v: the request heads that left, each hop': {
    args: ['-svL', '-d', 'x=1', '-H', 'X-Trace: 7', '@/redirect'],
    heads: true,
  },
  '-v with -F: the head of a form': { args: ['-sv', '-F', 'a=1', '@/form'], heads: true },
  // What issue #18 left: -F with several files and header files, -C N, one connection with -L.
  '-F: several files in one part (name=@a,b): a multipart/mixed part': {
    args: ['-s', '-F', 'f=@form.txt,payload.bin;type=text/x', '-F', 'a=1', '@/form'],
  },
  '-F: several files, each with its own ;filename= and ;headers=@file': {
    args: [
      '-s',
      '-F',
      'f=@payload.bin;headers=@part-headers.txt,form.txt;filename=renamed.txt',
      '@/form',
    ],
  },
  '-F: ;headers=@file and <file (comments, folding, a Content-Type), inline, unreadable': {
    args: [
      '-s',
      '-F',
      'f=@form.txt;headers=@part-headers.txt',
      '-F',
      'g=x;headers=<part-headers.txt;headers="X-After: 1"',
      '-F',
      'h=y;headers="Content-Disposition: inline";headers= X-Spaced: 1 ',
      '-F',
      'i=z;headers=@no-such-headers.txt',
      '-F',
      'j=w;type=text/w;headers="Content-Type: text/ignored"',
      '@/form',
    ],
  },
  '-C N -o: Range from byte N, the 206 appended to whatever the file holds': {
    args: ['-s', '-C', '100', '-o', 'from-n.bin', '@/range'],
    file: 'from-n.bin',
    existing: Buffer.from('xyz'),
  },
  '-C N -o without a file: the file is made': {
    args: ['-s', '-C', '600', '-o', 'from-n.bin', '@/range'],
    file: 'from-n.bin',
  },
  '-C N to stdout, with -w': {
    args: ['-s', '-C', '990', '-w', '%{http_code} %{size_download}', '@/range'],
  },
  '-C N past the end: 416, nothing written, exit 0': {
    args: ['-s', '-C', '1000', '-o', 'from-n.bin', '-w', '%{http_code}', '@/range'],
    file: 'from-n.bin',
    existing: RANGED,
  },
  '-C N past the end with -f: exit 22': {
    args: ['-sf', '-C', '5000', '-o', 'from-n.bin', '@/range'],
    file: 'from-n.bin',
    existing: RANGED,
  },
  '-C N and a server that ignores ranges: exit 33, the file untouched': {
    args: ['-s', '-C', '5', '-o', 'from-n.bin', '-w', '%{http_code} %{size_download}', '@/text'],
    file: 'from-n.bin',
    existing: Buffer.from('abcde'),
  },
  '-C N and a 200 of exactly N bytes: already complete, exit 0': {
    args: ['-s', '-C', '12', '-o', 'from-n.bin', '@/text'],
    file: 'from-n.bin',
    existing: Buffer.from('hello, curl\n'),
  },
  '-C N -i on a 200: the head, exit 33': { args: ['-si', '-C', '5', '@/text'] },
  '-C N on a 404: exit 33, with -f 22': { args: ['-s', '-C', '5', '@/missing'] },
  '-C N -f on a 404': { args: ['-sf', '-C', '5', '@/missing'] },
  '-C N on a 3xx without -L: exit 33': { args: ['-s', '-C', '5', '@/redirect'] },
  '-C N -L: the range follows the redirect, on one connection': {
    args: ['-sL', '-C', '100', '-o', 'from-n.bin', '@/moved-range'],
    file: 'from-n.bin',
    existing: Buffer.from('xyz'),
  },
  '-C 0: a plain download': {
    args: ['-s', '-C', '0', '-o', 'from-n.bin', '@/range'],
    file: 'from-n.bin',
    existing: Buffer.from('xyz'),
  },
  '-L: a same-origin chain on one connection': {
    args: ['-sL', '-w', '%{num_redirects}', '@/moved-range'],
  },
  '-L -o: a same-origin redirect on one connection': {
    args: ['-sL', '-o', 'followed.txt', '@/redirect'],
    file: 'followed.txt',
  },
  '-L to another host: a new connection': { args: ['-sL', '@/elsewhere'] },
};

function expand(text: string): string {
  const base = `http://${origin.host}:${origin.port}`;
  if (text === '@proxy') return `http://${proxy.host}:${proxy.port}`;
  if (text.startsWith('@bare/')) return `${origin.host}:${origin.port}${text.slice(5)}`;
  if (text.startsWith('@/')) return `${base}${text.slice(1)}`;
  return text;
}

describe.skipIf(!curlTool.shouldRun)(`gdhttp beside curl${curlTool.skipNote}`, () => {
  it.each(Object.entries(ROWS))('%s', async (_name, row) => {
    const args = row.args.map(expand);
    const env = Object.fromEntries(
      Object.entries(row.env ?? {}).map(([name, value]) => [name, expand(value)]),
    );
    const keepUserAgent = args.includes('-A');
    const reference = await observe(keepUserAgent, row, () => curl(args, env, row.stdin));
    const ours = await observe(keepUserAgent, row, () => gdhttp(args, env, row.stdin));
    expect({ ...ours, stdout: ours.stdout.toString('latin1') }).toEqual({
      ...reference,
      stdout: reference.stdout.toString('latin1'),
    });
  });
});
