import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type Action,
  type ScriptedServer,
  startNpmProxy,
  startScriptedServer,
  testCertificates,
} from '@gdhttp/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Exit } from '../src/exit-codes.js';
import { type Io, run } from '../src/run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gdhttp-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(
  replies: readonly Action[][],
  tls?: { key: string; cert: string },
): Promise<ScriptedServer> {
  const s = await startScriptedServer(tls === undefined ? { replies } : { replies, tls });
  servers.push(s);
  return s;
}
const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const urlOf = (s: ScriptedServer, path = '/') => `http://${s.host}:${s.port}${path}`;

interface Outcome {
  code: number;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

interface FakeProcess {
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** A stdout whose write() asks for `drain` every time (a slow pipe). */
  slowStdout?: boolean;
}

/** Runs `gdhttp` in this process with collecting streams and a chosen TTY-ness. */
async function gdhttp(argv: string[], fake: FakeProcess = {}): Promise<Outcome> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const drains: (() => void)[] = [];
  const io: Io = {
    stdout: {
      write(chunk) {
        out.push(Buffer.from(chunk));
        if (!fake.slowStdout) return true;
        // Only a later turn of the event loop drains it, as a pipe would.
        setImmediate(() => {
          for (const drain of drains.splice(0)) drain();
        });
        return false;
      },
      once(_event, listener) {
        drains.push(listener);
      },
      isTTY: fake.stdoutTTY ?? false,
    },
    stderr: {
      write(chunk) {
        err.push(String(chunk));
        return true;
      },
      isTTY: fake.stderrTTY ?? false,
      columns: 100,
    },
    env: fake.env ?? {},
    cwd: dir,
    ...(fake.signal === undefined ? {} : { signal: fake.signal }),
  };
  const code = await run(argv, io);
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('latin1'), stdoutBytes, stderr: err.join('') };
}

/** One line on stderr, `gdhttp: …`, and no stack trace. */
function expectOneLine(r: Outcome, message: string | RegExp) {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof message === 'string') expect(r.stderr).toBe(`gdhttp: ${message}\n`);
  else expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A port nothing listens on: the OS picked it, then the listener closed. */
async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('run: exit codes', () => {
  it('exits 2 with one line for a command line that cannot run', async () => {
    for (const [argv, message] of [
      [['--bogus'], 'unknown option --bogus (see gdhttp --help)'],
      [[], 'no URL given (see gdhttp --help)'],
      [['-X', 'FETCH', 'http://x.test/'], /^gdhttp: -X: unsupported method 'FETCH'/],
      [['ftp://x.test/'], "unsupported protocol 'ftp' (http and https only)"],
      [
        ['--proxy', 'socks5://p:1', 'http://x.test/'],
        "unsupported proxy scheme 'socks5' (http only)",
      ],
    ] as const) {
      const r = await gdhttp([...argv]);
      expect(r.code, argv.join(' ')).toBe(Exit.USAGE);
      expectOneLine(r, message);
    }
  });

  it('prints the usage on --help and exits 0', async () => {
    const r = await gdhttp(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: gdhttp \[options\] URL\n/);
    expect(r.stdout).toContain('--max-redirs N');
  });

  it('exits 6 when the host cannot be resolved', async () => {
    // The transport answers .invalid (RFC 6761) itself, without asking DNS.
    const r = await gdhttp(['http://x.invalid/']);
    expect(r.code).toBe(Exit.CANT_RESOLVE);
    expectOneLine(r, "cannot resolve host 'x.invalid'");
    const proxied = await gdhttp(['--proxy', 'http://proxy.invalid:3128', 'http://x.test/']);
    expect(proxied.code).toBe(Exit.CANT_RESOLVE);
    expectOneLine(proxied, "cannot resolve proxy host 'proxy.invalid'");
  });

  it('exits 7 when the connection is refused', async () => {
    const port = await closedPort();
    const r = await gdhttp([`http://127.0.0.1:${port}/`]);
    expect(r.code).toBe(Exit.CANT_CONNECT);
    expectOneLine(
      r,
      `cannot connect to 127.0.0.1:${port} (connection refused or host unreachable)`,
    );
  });

  it('exits 35 on a self-signed or unknown-CA certificate; -k and --cacert succeed', async () => {
    const certs = await testCertificates();
    const self = await serve([[ok('self')]], certs.selfSigned);
    const unknown = await serve([[ok('unknown')]], certs.unknownCa);
    const valid = await serve([[ok('trusted')]], certs.valid);
    for (const s of [self, unknown, valid]) {
      // `valid` is signed by the test CA, which the system does not trust either.
      const r = await gdhttp([`https://localhost:${s.port}/`]);
      expect(r.code).toBe(Exit.TLS_HANDSHAKE_ERROR);
      expectOneLine(
        r,
        `TLS handshake with localhost:${s.port} failed (certificate untrusted, expired or for another name? see --cacert and -k)`,
      );
    }
    expect(await gdhttp(['-k', `https://localhost:${self.port}/`])).toMatchObject({
      code: 0,
      stdout: 'self',
    });
    // -k wins over --cacert, as in curl.
    expect(
      await gdhttp(['-k', '--cacert', certs.ca.certPath, `https://localhost:${unknown.port}/`]),
    ).toMatchObject({ code: 0, stdout: 'unknown' });
    expect(
      await gdhttp(['--cacert', certs.ca.certPath, `https://localhost:${valid.port}/`]),
    ).toMatchObject({ code: 0, stdout: 'trusted', stderr: '' });
    // The test CA does not vouch for a certificate signed by another CA.
    const other = await gdhttp([
      '--cacert',
      certs.ca.certPath,
      `https://127.0.0.1:${unknown.port}/`,
    ]);
    expect(other.code).toBe(Exit.TLS_HANDSHAKE_ERROR);
  });

  it('exits 77 when --cacert cannot be read or holds no certificate', async () => {
    const missing = await gdhttp(['--cacert', 'no-such.pem', 'https://localhost:1/']);
    expect(missing.code).toBe(Exit.CACERT);
    expectOneLine(missing, `cannot read CA file '${join(dir, 'no-such.pem')}' (ENOENT)`);
    await writeFile(join(dir, 'junk.pem'), 'not a certificate\n');
    const junk = await gdhttp(['--cacert', 'junk.pem', 'https://localhost:1/']);
    expect(junk.code).toBe(Exit.CACERT);
    expectOneLine(junk, `no usable PEM certificate in '${join(dir, 'junk.pem')}'`);
  });

  it('exits 28 when a server never answers within --timeout', async () => {
    const s = await serve([[{ hang: true }]]);
    const started = performance.now();
    const r = await gdhttp(['--timeout', '0.3', urlOf(s)]);
    expect(r.code).toBe(Exit.TIMEOUT);
    expectOneLine(r, 'timed out after 0.3 s (--max-time)');
    expect(s.requests).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('exits 47 in a redirect loop past --max-redirects; without -L prints the 3xx and exits 0', async () => {
    const loop = ['HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n'];
    const s = await serve([loop]);
    const r = await gdhttp(['-L', '--max-redirs', '3', urlOf(s)]);
    expect(r.code).toBe(Exit.REDIRECT_LIMIT_REACHED);
    expectOneLine(r, 'too many redirects (more than 3; see --max-redirs)');
    expect(s.requests.map((q) => q.requestLine)).toEqual([
      'GET / HTTP/1.1',
      'GET /again HTTP/1.1',
      'GET /again HTTP/1.1',
      'GET /again HTTP/1.1',
    ]);

    const once = await gdhttp(['-v', urlOf(s)]);
    expect(once.code).toBe(0);
    expect(once.stderr).toContain(
      '< HTTP/1.1 302 Found\n< Location: /again\n< Content-Length: 0\n<\n',
    );
    expect(once.stderr).toContain('gdhttp: note: 302 Found → /again not followed (add -L)\n');
    expect(s.requests).toHaveLength(5);
  });

  it('exits 22 with --fail on a 404 and prints or keeps no body; 0 without', async () => {
    const s = await serve([['HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope']]);
    expect(await gdhttp([urlOf(s)])).toMatchObject({ code: 0, stdout: 'nope', stderr: '' });
    const r = await gdhttp(['-f', urlOf(s)]);
    expect(r).toMatchObject({ code: Exit.HTTP_ERROR, stdout: '' });
    expectOneLine(r, 'the server answered 404 Not Found (--fail)');
    const saved = await gdhttp(['-f', '-o', 'error-page.html', urlOf(s)]);
    expect(saved.code).toBe(Exit.HTTP_ERROR);
    expect(existsSync(join(dir, 'error-page.html'))).toBe(false);
    // A good older file under that name survives the error page.
    await mkdir(join(dir, 'fail'));
    await writeFile(join(dir, 'fail', 'keep.txt'), 'older');
    expect((await gdhttp(['-f', '-o', 'fail/keep.txt', urlOf(s)])).code).toBe(Exit.HTTP_ERROR);
    expect(readdirSync(join(dir, 'fail'))).toEqual(['keep.txt']);
    expect(readFileSync(join(dir, 'fail', 'keep.txt'), 'utf8')).toBe('older');
  });

  it('exits 63 when the body is larger than --max-filesize', async () => {
    const s = await serve([[ok('x'.repeat(2048))]]);
    const r = await gdhttp(['--max-filesize', '1K', urlOf(s)]);
    expect(r).toMatchObject({ code: Exit.BODY_SIZE_LIMIT_EXCEEDED, stdout: '' });
    expectOneLine(r, 'the response body is larger than 1024 bytes (--max-filesize)');
  });

  it('exits 61 on a corrupt gzip body with --compressed', async () => {
    const junk = 'this is not gzip';
    const s = await serve([[ok(junk, 'Content-Encoding: gzip\r\n')]]);
    const r = await gdhttp(['--compressed', urlOf(s)]);
    expect(r.code).toBe(Exit.BODY_DECOMPRESS_FAILED);
    expectOneLine(r, 'cannot decode the response body (corrupt or truncated gzip, deflate or br)');
    // Without --compressed the coding is not asked for, so the bytes arrive as they are.
    expect(await gdhttp([urlOf(s)])).toMatchObject({ code: 0, stdout: junk });
  });

  it('exits 56 when the connection breaks mid-body, 52 on a response without a head', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', { end: true }],
      ['HTTP/1.1 200 OK\r\n\r\n', { end: true }],
    ]);
    const cut = await gdhttp([urlOf(s)]);
    expect(cut.code).toBe(Exit.CONNECTION_ERROR);
    expectOneLine(
      cut,
      `connection to 127.0.0.1:${s.port} failed mid-response (reset, truncated or malformed)`,
    );
    const headless = await gdhttp([urlOf(s)]);
    expect(headless.code).toBe(Exit.NO_RESPONSE);
    expectOneLine(
      headless,
      `no response from 127.0.0.1:${s.port} (a status line without any header)`,
    );
  });

  it('exits 23 when the -o file cannot be created, 26 when a @file cannot be read', async () => {
    const s = await serve([[ok('body')]]);
    const r = await gdhttp(['-o', 'no/such/dir/out', urlOf(s)]);
    expect(r.code).toBe(Exit.WRITE_ERROR);
    expectOneLine(r, `cannot create '${join(dir, 'no/such/dir/out')}'`);
    const missing = await gdhttp(['--data-binary', '@/no/such/file', urlOf(s)]);
    expect(missing.code).toBe(Exit.READ_ERROR);
    expectOneLine(missing, "cannot read '/no/such/file' (ENOENT)");
    expect(s.requests).toHaveLength(1); // the unreadable body never opened a connection
  });

  it('exits 130 on Ctrl-C and 143 on kill, leaving no partial -o file', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial', { hang: true }],
    ]);
    const sub = join(dir, 'interrupted');
    await mkdir(sub);
    for (const [reason, code] of [
      ['SIGINT', Exit.INTERRUPTED],
      ['SIGTERM', Exit.TERMINATED],
    ] as const) {
      const controller = new AbortController();
      const pending = gdhttp(['-o', join(sub, 'out.bin'), urlOf(s)], {
        signal: controller.signal,
      });
      await s.request(s.requests.length);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the body has started
      controller.abort(reason);
      const r = await pending;
      expect(r.code).toBe(code);
      expectOneLine(r, 'interrupted');
    }
    expect(readdirSync(sub)).toEqual([]);
  });

  it('exits 23 when stdout breaks (a closed pipe) while the body streams', async () => {
    const s = await serve([
      ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial', { hang: true }],
    ]);
    const controller = new AbortController();
    const pending = gdhttp([urlOf(s)], { signal: controller.signal });
    await s.request(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const r = await pending;
    expect(r).toMatchObject({ code: Exit.WRITE_ERROR, stdout: 'partial' });
    expectOneLine(r, 'cannot write to stdout (EPIPE)');
  });
});

describe('run: requests', () => {
  it('prints with -v exactly the head the server received, then the response head', async () => {
    const s = await serve([[ok('posted', 'X-Reply: yes\r\n')]]);
    const r = await gdhttp([
      '-v',
      '-H',
      'X-Test: 1',
      '-d',
      'a=1',
      '-d',
      'b=2',
      urlOf(s, '/form?q=1'),
    ]);
    expect(r).toMatchObject({ code: 0, stdout: 'posted' });
    const sent = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('> '))
      .map((l) => l.slice(2));
    const received = s.requests[0]!.raw.toString('latin1').split('\r\n\r\n')[0]!.split('\r\n');
    expect(sent).toEqual(received);
    expect(sent[0]).toBe('POST /form?q=1 HTTP/1.1');
    expect(sent).toContain('Content-Type: application/x-www-form-urlencoded');
    expect(s.requests[0]!.body.toString()).toBe('a=1&b=2');
    expect(r.stderr).toMatch(/^\* 127\.0\.0\.1:\d+\n> POST/);
    expect(r.stderr).toContain('>\n< HTTP/1.1 200 OK\n< Content-Length: 6\n< X-Reply: yes\n<\n');
  });

  it('masks credentials from the URL in -v output', async () => {
    const s = await serve([[ok('hi')]]);
    const r = await gdhttp(['-v', `http://user:secret@${s.host}:${s.port}/`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('> Authorization: ***\n');
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toContain(Buffer.from('user:secret').toString('base64'));
    expect(s.requests[0]!.headers).toContainEqual([
      'Authorization',
      `Basic ${Buffer.from('user:secret').toString('base64')}`,
    ]);
  });

  it('sends -X with --data-binary @file byte for byte, and -d @file without newlines', async () => {
    const s = await serve([[ok('got it')]]);
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255, 10]);
    await writeFile(join(dir, 'payload.bin'), bytes);
    const r = await gdhttp(['-X', 'PUT', '--data-binary', '@payload.bin', urlOf(s)]);
    expect(r).toMatchObject({ code: 0, stdout: 'got it' });
    expect(s.requests[0]!.requestLine).toBe('PUT / HTTP/1.1');
    expect(s.requests[0]!.body).toEqual(bytes);
    await writeFile(join(dir, 'form.txt'), 'a=1\r\n&b=2\n');
    await gdhttp(['-d', '@form.txt', '-d', 'c=3', '-H', 'Content-Type: text/plain', urlOf(s)]);
    expect(s.requests[1]!.requestLine).toBe('POST / HTTP/1.1');
    expect(s.requests[1]!.body.toString()).toBe('a=1&b=2&c=3');
    expect(s.requests[1]!.headers).toContainEqual(['Content-Type', 'text/plain']);
  });

  it('sends a HEAD with -I and prints the response head, to stdout or -o', async () => {
    const s = await serve([['HTTP/1.1 200 OK\r\nContent-Length: 99\r\nX-H: 1\r\n\r\n']]);
    const head = await gdhttp(['-I', urlOf(s)]);
    expect(head).toMatchObject({
      code: 0,
      stdout: 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\nX-H: 1\r\n\r\n',
    });
    expect(s.requests[0]!.requestLine).toBe('HEAD / HTTP/1.1');
    const saved = await gdhttp(['-I', '-o', 'head.txt', urlOf(s)]);
    expect(saved).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(join(dir, 'head.txt'), 'utf8')).toBe(head.stdout);
  });

  it('asks for and decodes gzip with --compressed, and asks for nothing without it', async () => {
    const gz = gzipSync(Buffer.from('unzipped!'));
    const s = await serve([
      [`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz],
    ]);
    expect(await gdhttp(['--compressed', urlOf(s)])).toMatchObject({
      code: 0,
      stdout: 'unzipped!',
    });
    expect(s.requests[0]!.headers).toContainEqual(['Accept-Encoding', 'gzip, deflate, br']);
    const raw = await gdhttp([urlOf(s)]);
    expect(raw.stdoutBytes).toEqual(gz);
    expect(s.requests[1]!.headers.map(([name]) => name)).not.toContain('Accept-Encoding');
  });

  it('saves a successful download over an older file with -f -o', async () => {
    const s = await serve([[ok('newer')]]);
    await mkdir(join(dir, 'fail-ok'));
    await writeFile(join(dir, 'fail-ok', 'file.txt'), 'older');
    expect(await gdhttp(['-f', '-o', 'fail-ok/file.txt', urlOf(s)])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(readdirSync(join(dir, 'fail-ok'))).toEqual(['file.txt']);
    expect(readFileSync(join(dir, 'fail-ok', 'file.txt'), 'utf8')).toBe('newer');
    // A response without a body lands no file, which is not a failure.
    const empty = await serve([['HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n']]);
    expect(await gdhttp(['-f', '-o', 'fail-ok/empty.txt', urlOf(empty)])).toMatchObject({
      code: 0,
      stderr: '',
    });
    expect(readdirSync(join(dir, 'fail-ok'))).toEqual(['file.txt']);
  });

  it('follows redirects with -L', async () => {
    const s = await serve([
      ['HTTP/1.1 301 Moved Permanently\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n'],
      [ok('arrived')],
    ]);
    expect(await gdhttp(['-L', urlOf(s)])).toMatchObject({
      code: 0,
      stdout: 'arrived',
      stderr: '',
    });
    expect(s.requests[1]!.requestLine).toBe('GET /next HTTP/1.1');
  });

  // Issue #18: -L used to open a connection per hop (the CLI stopped each redirect at its head,
  // which closes the connection); curl keeps one for the same host and port.
  it('follows a same-origin chain with bodies on one connection, to stdout, -o and with -v', async () => {
    const page = `<html>${'m'.repeat(300)}</html>`;
    const chain = (): Action[][] => [
      [`HTTP/1.1 301 Moved\r\nLocation: /two\r\nContent-Length: ${page.length}\r\n\r\n${page}`],
      [
        'HTTP/1.1 302 Found\r\nLocation: /three\r\nTransfer-Encoding: chunked\r\n\r\n',
        `${page.length.toString(16)}\r\n${page}\r\n0\r\n\r\n`,
      ],
      ['HTTP/1.1 307 Temporary Redirect\r\nLocation: /four\r\nContent-Length: 0\r\n\r\n'],
      [ok('arrived')],
    ];
    for (const extra of [[], ['-o', join(dir, 'chain.txt')], ['-v'], ['-i', '-d', 'x=1']]) {
      const s = await serve(chain());
      const outcome = await gdhttp(['-sL', ...extra, '-w', '%{num_redirects}', urlOf(s, '/one')]);
      expect(outcome.code).toBe(0);
      expect(s.requests.map((r) => [r.requestLine.split(' ')[1], r.connection])).toEqual([
        ['/one', 0],
        ['/two', 0],
        ['/three', 0],
        ['/four', 0],
      ]);
      expect(s.connections).toBe(1);
      expect(outcome.stdout.endsWith('3')).toBe(true);
    }
    expect(readFileSync(join(dir, 'chain.txt'), 'utf8')).toBe('arrived');
  });

  it('opens a new connection for a redirect to another host or port, as curl does', async () => {
    const other = await serve([[ok('there')]]);
    const s = await serve([
      [`HTTP/1.1 302 Found\r\nLocation: /hop\r\nContent-Length: 0\r\n\r\n`],
      [`HTTP/1.1 302 Found\r\nLocation: ${urlOf(other, '/x')}\r\nContent-Length: 0\r\n\r\n`],
    ]);
    const outcome = await gdhttp(['-sL', '-v', urlOf(s)]);
    expect(outcome).toMatchObject({ code: 0, stdout: 'there' });
    expect([s.connections, other.connections]).toEqual([1, 1]);
    // -v names each hop's host and port, those HTTPRequest followed on its own included.
    expect(outcome.stderr.match(/^\* .*$/gm)).toEqual([
      `* ${s.host}:${s.port}`,
      `* ${s.host}:${s.port}`,
      `* ${other.host}:${other.port}`,
    ]);
  });

  it('goes through a real proxy with credentials from --proxy, for http and https', async () => {
    const proxy = await startNpmProxy({ auth: { user: 'gd', pass: 'pw' } });
    try {
      const s = await serve([[ok('via proxy')]]);
      const viaProxy = `http://gd:pw@${proxy.host}:${proxy.port}`;
      const r = await gdhttp(['-v', '--proxy', viaProxy, urlOf(s, '/p')]);
      expect(r).toMatchObject({ code: 0, stdout: 'via proxy' });
      expect(r.stderr).toContain(`* 127.0.0.1:${s.port} via proxy 127.0.0.1:${proxy.port}\n`);
      expect(r.stderr).toContain(`> GET http://127.0.0.1:${s.port}/p HTTP/1.1\n`);
      expect(r.stderr).toContain('> Proxy-Authorization: ***\n');
      expect(r.stderr).not.toContain('pw');

      const certs = await testCertificates();
      const secure = await serve([[ok('tunnelled')]], certs.valid);
      const tunnel = await gdhttp([
        '--proxy',
        viaProxy,
        '--cacert',
        certs.ca.certPath,
        `https://localhost:${secure.port}/`,
      ]);
      expect(tunnel).toMatchObject({ code: 0, stdout: 'tunnelled' });

      const denied = await gdhttp(['-f', '--proxy', `${proxy.host}:${proxy.port}`, urlOf(s)]);
      expect(denied.code).toBe(Exit.HTTP_ERROR);
      expectOneLine(denied, 'the server answered 407 Proxy Authentication Required (--fail)');
      const refused = await gdhttp([
        '--proxy',
        `${proxy.host}:${proxy.port}`,
        `https://localhost:${secure.port}/`,
      ]);
      expect(refused.code).toBe(Exit.CANT_CONNECT);
      expectOneLine(
        refused,
        `cannot connect to localhost:${secure.port} through proxy 127.0.0.1:${proxy.port} (proxy unreachable, or it refused the tunnel)`,
      );
    } finally {
      await proxy.close();
    }
  });

  it('streams the body to stdout, waiting for a slow stdout to drain', async () => {
    const size = 4 * 1024 * 1024;
    const s = await serve([
      [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
    ]);
    const r = await gdhttp([urlOf(s)], { slowStdout: true });
    expect(r.code).toBe(0);
    expect(r.stdoutBytes).toHaveLength(size);
    expect(r.stdoutBytes.equals(pattern(size))).toBe(true);
  });
});

describe('run: progress bar', () => {
  it('downloads 100 MiB to a file with -o, drawing the bar on a terminal stderr', async () => {
    const size = 100 * 1024 * 1024;
    const s = await serve([
      [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
    ]);
    const file = join(dir, 'big.bin');
    const r = await gdhttp(['-o', file, urlOf(s, '/big')], { stderrTTY: true });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(statSync(file).size).toBe(size);
    expect(await sha256(createReadStream(file))).toBe(patternSha256(size));
    expect(readdirSync(dir).filter((name) => name.includes('big.bin'))).toEqual(['big.bin']);
    // Redrawn in place (\r), ending with the full bar, the elapsed time and a newline.
    const draws = r.stderr.split('\r').filter(Boolean);
    expect(draws.length).toBeGreaterThanOrEqual(2);
    expect(draws[0]).toMatch(/^ {1,2}\d+% \[[#.]{24}\] [\d.]+ [KM]?i?B \/ 100\.0 MiB {2}/);
    expect(draws.at(-1)).toMatch(
      /^100% \[#{24}\] 100\.0 MiB \/ 100\.0 MiB {2}[\d.]+ [KMG]iB\/s {2}in \d+:\d\d *\n$/,
    );
  });

  it('draws nothing when stderr is not a terminal, unless --progress or GDHTTP_PROGRESS=1', async () => {
    const size = 1024 * 1024;
    const s = await serve([
      [`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`, { pattern: size }],
    ]);
    const file = join(dir, 'small.bin');
    expect(await gdhttp(['-o', file, urlOf(s)])).toMatchObject({ code: 0, stderr: '' });
    const forced = await gdhttp(['--progress', '-o', file, urlOf(s)]);
    expect(forced.stderr).toMatch(/100% \[#+\] 1\.0 MiB \/ 1\.0 MiB .* in 0:\d\d *\n$/);
    const byEnv = await gdhttp(['-o', file, urlOf(s)], { env: { GDHTTP_PROGRESS: '1' } });
    expect(byEnv.stderr).toContain('100% [');
    const off = await gdhttp(['-o', file, urlOf(s)], {
      stderrTTY: true,
      env: { GDHTTP_PROGRESS: '0' },
    });
    expect(off.stderr).toBe('');
    expect(
      await gdhttp(['--no-progress', '-o', file, urlOf(s)], { stderrTTY: true }),
    ).toMatchObject({
      stderr: '',
    });
  });

  it('draws nothing while the body itself goes to the terminal', async () => {
    const s = await serve([[ok('to the terminal')]]);
    const r = await gdhttp([urlOf(s)], { stdoutTTY: true, stderrTTY: true });
    expect(r).toMatchObject({ code: 0, stdout: 'to the terminal', stderr: '' });
    // Redirected stdout (gdhttp URL > file) on a terminal: the bar is back.
    const redirected = await gdhttp([urlOf(s)], { stderrTTY: true });
    expect(redirected.stderr.split('\r').at(-1)).toMatch(
      /^100% \[#+\] 15 B \/ 15 B .* in 0:00 *\n$/,
    );
  });
});

/** `size` bytes of the scripted server's pattern: byte i is `i & 0xff`. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = i & 0xff;
  return bytes;
}

function patternSha256(size: number): string {
  const block = pattern(1024 * 1024); // starts and ends on a 256-byte boundary
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += block.length) {
    hash.update(block.subarray(0, Math.min(block.length, size - at)));
  }
  return hash.digest('hex');
}

async function sha256(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}
