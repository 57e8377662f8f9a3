import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes, ProgressBar } from '@gdhttp/cli/progress-bar';
import { nameOf, Result } from '@gdhttp/constants';
import { runPollLoop } from '@gdhttp/poll-loop';
import { HTTPRequest, type HTTPRequestResult } from '@gdhttp/request';
import { TLSOptions } from '@gdhttp/transport';
import {
  CHUNKED_PIECES,
  CHUNKED_TEXT,
  GZIP_TEXT,
  HELLO_TEXT,
  REDIRECT_CODES,
  REDIRECT_END_TEXT,
} from './tour-server.js';
import { StepFailure, type StepOutcome, type TourStep } from './tour-step.js';

const decoder = new TextDecoder();

function resultName(result: Result): string {
  return nameOf(Result, result) ?? String(result);
}

/** Runs `body` with a fresh HTTPRequest (10 s timeout) and always closes it. */
async function withRequest<T>(body: (http: HTTPRequest) => Promise<T>): Promise<T> {
  const http = new HTTPRequest();
  // A tour must end: no request may hang it, whatever the machine does.
  http.timeout = 10;
  try {
    return await body(http);
  } finally {
    http.close();
  }
}

/** The first value of header `name` (case-insensitive) in a result's header lines. */
function headerOf(res: HTTPRequestResult, name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = res.headers.find((h) => h.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

function seen(res: HTTPRequestResult, bytes = res.body.length) {
  return { result: resultName(res.result), code: res.responseCode, bytes };
}

/** Throws a {@link StepFailure} unless the request ended in `expected` with status `code`. */
function expectResult(
  res: HTTPRequestResult,
  expected: Result = Result.SUCCESS,
  code: number | null = 200,
): void {
  if (res.result !== expected || (code !== null && res.responseCode !== code)) {
    const want = `${resultName(expected)}${code === null ? '' : ` ${code}`}`;
    throw new StepFailure(
      `expected ${want}, got ${resultName(res.result)} ${res.responseCode}`,
      seen(res),
    );
  }
}

function check(condition: boolean, message: string, res: HTTPRequestResult): void {
  if (!condition) throw new StepFailure(message, seen(res));
}

function passed(res: HTTPRequestResult, bytes = res.body.length): StepOutcome {
  return { status: 'ok', ...seen(res, bytes) };
}

function skipped(why: string): StepOutcome {
  return { status: 'skipped', result: why, code: 0, bytes: 0 };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const plainGet: TourStep = {
  title: 'plain GET',
  run: (ctx) =>
    withRequest(async (http) => {
      const url = `${ctx.origin.url}/hello`;
      ctx.say(`GET ${url}`);
      const res = await http.request(url);
      expectResult(res);
      const text = decoder.decode(res.body);
      check(text === HELLO_TEXT, `unexpected body ${JSON.stringify(text)}`, res);
      ctx.say(
        `${res.responseCode}, Content-Length: ${headerOf(res, 'content-length')}, body ${JSON.stringify(text)}`,
      );
      return passed(res);
    }),
};

const chunked: TourStep = {
  title: 'chunked body',
  run: (ctx) =>
    withRequest(async (http) => {
      const url = `${ctx.origin.url}/chunked`;
      ctx.say(`GET ${url}  (${CHUNKED_PIECES} chunks, sent over ~0.2 s)`);
      let events = 0;
      http.on('progress', () => events++);
      const res = await http.request(url);
      expectResult(res);
      check(headerOf(res, 'transfer-encoding') === 'chunked', 'the response was not chunked', res);
      check(decoder.decode(res.body) === CHUNKED_TEXT, 'the de-chunked body differs', res);
      ctx.say(
        `${res.responseCode}, Transfer-Encoding: chunked, ${res.body.length} bytes de-chunked, in ${events} progress events`,
      );
      return passed(res);
    }),
};

const gzip: TourStep = {
  title: 'gzip (acceptGzip)',
  run: (ctx) =>
    withRequest(async (http) => {
      const url = `${ctx.origin.url}/gzip`;
      http.acceptGzip = true; // the default, set to show where it lives
      ctx.say(`GET ${url}  with acceptGzip = true`);
      let wire = 0;
      http.on('progress', ({ downloadedBytes }) => {
        wire = downloadedBytes;
      });
      const res = await http.request(url);
      expectResult(res);
      const asked = ctx.origin.log.at(-1)?.headers['accept-encoding'] ?? '';
      check(headerOf(res, 'content-encoding') === 'gzip', 'the response was not gzip', res);
      check(decoder.decode(res.body) === GZIP_TEXT, 'the decoded body differs', res);
      ctx.say(`sent Accept-Encoding: ${asked}; got Content-Encoding: gzip`);
      ctx.say(`${formatBytes(wire)} on the wire, decoded to ${formatBytes(res.body.length)}`);
      return passed(res);
    }),
};

const redirects: TourStep = {
  title: 'redirect chain',
  run: (ctx) =>
    withRequest(async (http) => {
      const start = REDIRECT_CODES.length;
      const url = `${ctx.origin.url}/redirect/${start}`;
      ctx.say(`GET ${url}  (maxRedirects = ${http.maxRedirects})`);
      const before = ctx.origin.log.length;
      const res = await http.request(url);
      expectResult(res);
      check(decoder.decode(res.body) === REDIRECT_END_TEXT, 'unexpected final body', res);
      const path = ctx.origin.log.slice(before).map((entry) => entry.url);
      const expected = Array.from({ length: start + 1 }, (_, i) => `/redirect/${start - i}`);
      check(path.join(' ') === expected.join(' '), `the client walked ${path.join(' ')}`, res);
      ctx.say(`followed ${REDIRECT_CODES.join(' → ')} → ${res.responseCode}`);
      ctx.say(`requests: ${path.join(', ')}`);
      return passed(res);
    }),
};

const download: TourStep = {
  title: 'download to file',
  run: (ctx) =>
    withRequest(async (http) => {
      const url = `${ctx.origin.url}/download`;
      const file = join(ctx.tempDir, 'download.bin');
      http.downloadFile = file;
      ctx.say(`GET ${url}  → ${file}`);
      // The CLI's bar: redrawn in place on a terminal, a few log lines elsewhere.
      const display = new ProgressBar(ctx.output, {
        indent: '      ',
        mode: ctx.output.isTTY === true ? 'bar' : 'lines',
      });
      http.on('progress', ({ downloadedBytes, bodySize }) =>
        display.update(downloadedBytes, bodySize),
      );
      const res = await http.request(url);
      display.finish();
      expectResult(res);
      const size = (await stat(file)).size;
      check(size === ctx.origin.downloadSize, `the file has ${size} bytes`, res);
      const sha = await sha256File(file);
      check(sha === ctx.origin.downloadSha256, 'the file differs from what was sent', res);
      ctx.say(`${formatBytes(size)} written, SHA-256 ${sha.slice(0, 16)}… matches the server's`);
      return passed(res, size);
    }),
};

const https: TourStep = {
  title: 'HTTPS, test CA',
  run: async (ctx) => {
    const { secure, certificates } = ctx;
    if (secure === null || certificates === null) return skipped(ctx.certificateProblem);
    const url = `${secure.url}/hello`;
    ctx.say(`GET ${url}  (certificate for localhost, signed by a CA made at start)`);
    const untrusted = await withRequest((http) => http.request(url));
    expectResult(untrusted, Result.TLS_HANDSHAKE_ERROR, null);
    ctx.say(
      `with the system's CAs: ${resultName(untrusted.result)} (not trusted, as it should be)`,
    );
    return withRequest(async (http) => {
      http.setTlsOptions(TLSOptions.client(certificates.ca.cert));
      const res = await http.request(url);
      expectResult(res);
      check(decoder.decode(res.body) === HELLO_TEXT, 'unexpected body', res);
      ctx.say(`with TLSOptions.client(test CA): ${res.responseCode}, certificate verified`);
      return passed(res);
    });
  },
};

const httpProxy: TourStep = {
  title: 'HTTP proxy',
  run: (ctx) =>
    withRequest(async (http) => {
      const { proxy, proxyAuth } = ctx;
      http.setHttpProxy(proxy.host, proxy.port, proxyAuth.user, proxyAuth.pass);
      const url = `${ctx.origin.url}/via`;
      ctx.say(`GET ${url}  via npm proxy ${proxy.host}:${proxy.port} (Basic credentials)`);
      const res = await http.request(url);
      expectResult(res);
      const { via } = JSON.parse(decoder.decode(res.body)) as { via?: string };
      check(via?.includes('proxy/') === true, 'the request did not pass the proxy', res);
      const leaked = ctx.origin.log.at(-1)?.headers['proxy-authorization'] !== undefined;
      check(!leaked, 'the proxy credentials reached the origin', res);
      ctx.say(`the origin saw Via: ${via}; the credentials stayed with the proxy`);
      return passed(res);
    }),
};

const httpsProxy: TourStep = {
  title: 'HTTPS via proxy',
  run: async (ctx) => {
    const { secure, certificates, proxy, proxyAuth } = ctx;
    if (secure === null || certificates === null) return skipped(ctx.certificateProblem);
    const url = `${secure.url}/hello`;
    const tls = TLSOptions.client(certificates.ca.cert);
    ctx.say(`GET ${url}  through a CONNECT tunnel at ${proxy.host}:${proxy.port}`);
    const refused = await withRequest((http) => {
      http.setTlsOptions(tls);
      http.setHttpsProxy(proxy.host, proxy.port);
      return http.request(url);
    });
    // Proof the tunnel really goes through the proxy: without credentials it answers 407.
    expectResult(refused, Result.CANT_CONNECT, null);
    ctx.say(`without credentials: ${resultName(refused.result)} (the proxy answered 407)`);
    return withRequest(async (http) => {
      http.setTlsOptions(tls);
      http.setHttpsProxy(proxy.host, proxy.port, proxyAuth.user, proxyAuth.pass);
      const res = await http.request(url);
      expectResult(res);
      check(decoder.decode(res.body) === HELLO_TEXT, 'unexpected body', res);
      ctx.say(`with credentials: tunnel open, TLS verified end to end, ${res.responseCode}`);
      return passed(res);
    });
  },
};

const pollLoop: TourStep = {
  title: 'HTTPClient poll loop',
  run: async (ctx) => {
    ctx.say("Godot's HTTPClient example on a 60 Hz frame timer (apps/poll-loop):");
    // Only the status changes: the rest of the example's printout is for its own README.
    const result = await runPollLoop({
      fps: 60,
      output: {
        write: (text: string) => {
          if (text.startsWith('frame')) ctx.say(`  ${text.trimEnd()}`);
        },
      },
    });
    if (!result.ok) {
      throw new StepFailure(result.error ?? 'failed', {
        result: 'FAILED',
        code: result.responseCode,
        bytes: result.body.length,
      });
    }
    ctx.say(`${result.body.length} bytes in ${result.reads} reads over ${result.frames} frames`);
    return { status: 'ok', result: 'OK', code: result.responseCode, bytes: result.body.length };
  },
};

/** The tour's steps, in order. */
export const TOUR_STEPS: readonly TourStep[] = [
  plainGet,
  chunked,
  gzip,
  redirects,
  download,
  https,
  httpProxy,
  httpsProxy,
  pollLoop,
];
