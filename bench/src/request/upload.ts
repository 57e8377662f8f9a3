/**
 * The request suite's upload adapters: one POST of a Content-Length body (64 MiB in the full run)
 * to the canned server's `upload` listener, which counts and drops the body and answers `200` with
 * the count. Every adapter hands back that count, so a short or failed upload cannot be timed as a
 * fast one. gdhttp's `HTTPRequest.requestRaw()` and undici's `request()` send the same
 * `Uint8Array`, each timed in this process from the call (connect included: a fresh client each
 * upload) to the response; `curl --data-binary @file` sends the same bytes from a temp file.
 *
 * curl is a process: its wall time includes exec, dynamic linking and libcurl/OpenSSL start-up
 * (13–28 ms on the project VM, a tenth of its 64 MiB upload). The curl figure the ratio uses is its
 * wall time minus the median wall time of three 0-byte uploads (same command, an empty file, same
 * round), i.e. the time the 64 MiB body added — which still includes curl reading the whole file
 * into memory first (`--data-binary @file` does). The table also shows curl with its start-up
 * included and curl's own `%{time_total}` (after the file is read: its transfer alone).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Method, Result } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';
import { Client, request } from 'undici';
import { CLIENT_CORE } from '../canned/spawn.ts';
import { median, now } from '../load/harness.ts';

export interface UploadTarget {
  host: string;
  port: number;
  /** The body every in-process client sends. */
  body: Uint8Array;
  /** A file holding the same bytes (for curl). */
  file: string;
  /** An empty file (curl's 0-byte uploads, its start-up). */
  emptyFile: string;
}

export interface Upload {
  /** Body bytes the server counted (from its answer). */
  received: number;
  /** The adapter's time for the upload (for curl: start-up subtracted). */
  seconds: number;
  /** Other timings of the same upload, each shown as its own row. */
  also?: { name: string; seconds: number }[];
}

export interface UploadAdapter {
  name: string;
  note: string;
  upload(target: UploadTarget, pinCore: boolean): Promise<Upload>;
}

const urlOf = (target: UploadTarget) => `http://${target.host}:${target.port}/`;
const decoder = new TextDecoder();

/** The server's count from its answer's body; throws on anything but a decimal number. */
export function parseCount(who: string, body: string): number {
  if (!/^\d+$/.test(body)) throw new Error(`${who}: the upload server answered ${body}`);
  return Number(body);
}

export const gdhttpRequestUpload: UploadAdapter = {
  name: 'gdhttp HTTPRequest.requestRaw',
  note: '`requestRaw(url, [], Method.POST, body)` on a new `HTTPRequest` (default settings but `timeout = 120` s, so a stuck upload fails instead of hanging the run), the answer in memory',
  async upload(target) {
    const r = new HTTPRequest();
    r.timeout = 120;
    try {
      const t0 = now();
      const { result, responseCode, body } = await r.requestRaw(
        urlOf(target),
        [],
        Method.POST,
        target.body,
      );
      const seconds = now() - t0;
      if (result !== Result.SUCCESS || responseCode !== 200) {
        throw new Error(`HTTPRequest upload: result ${result}, status ${responseCode}`);
      }
      return { received: parseCount(this.name, decoder.decode(body)), seconds };
    } finally {
      r.close();
    }
  },
};

export const undiciRequestUpload: UploadAdapter = {
  name: 'undici request',
  note: "`request(url, { dispatcher, method: 'POST', body })` with the same `Uint8Array` on a new `Client`, the answer read with `body.text()`",
  async upload(target) {
    const client = new Client(`http://${target.host}:${target.port}`);
    try {
      const t0 = now();
      const { statusCode, body } = await request(urlOf(target), {
        dispatcher: client,
        method: 'POST',
        body: target.body,
      });
      const text = await body.text();
      const seconds = now() - t0;
      if (statusCode !== 200) throw new Error(`undici upload: status ${statusCode}`);
      return { received: parseCount(this.name, text), seconds };
    } finally {
      await client.close();
    }
  },
};

interface CurlRun {
  /** spawn() to the process's exit, s. */
  wall: number;
  /** curl's own `%{time_total}`, s. */
  total: number;
  /** The server's count, from the answer curl printed. */
  received: number;
}

/** One `curl --data-binary @file` (on the client's core when pinned). */
export function curlPost(
  target: UploadTarget,
  file: string,
  pinCore: boolean,
  uploadFile = false,
): Promise<CurlRun> {
  // `Expect:` off: curl would otherwise send `Expect: 100-continue` for a body over 1 MiB and wait
  // a round trip for the server's `100` before the body; the other clients send the body at once.
  // `uploadFile`: `-T file` (a PUT read from the file as it is sent) instead of `--data-binary`.
  const args = [
    '-s',
    '-H',
    'Expect:',
    ...(uploadFile ? ['-T', file] : ['--data-binary', `@${file}`]),
    '-w',
    '\\n%{time_total} %{size_upload} %{http_code}',
    urlOf(target),
  ];
  const [cmd, ...rest] = pinCore
    ? ['taskset', '-c', String(CLIENT_CORE), 'curl', ...args]
    : ['curl', ...args];
  return new Promise((resolve, reject) => {
    const t0 = now();
    let wall = 0;
    const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('exit', () => {
      wall = now() - t0;
    });
    child.on('close', (code) => {
      const lines = out.split('\n');
      const [total, uploaded, status] = lines.pop()!.trim().split(' ').map(Number);
      if (code !== 0 || status !== 200 || !(total! > 0)) {
        reject(new Error(`curl exited ${code}: ${out}`));
        return;
      }
      try {
        const received = parseCount('curl', lines.join('\n'));
        if (received !== uploaded) throw new Error(`curl sent ${uploaded}, server got ${received}`);
        resolve({ wall, total: total!, received });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The row of curl's own `%{time_total}` (from after it read the file to the answer). */
export const CURL_TIME_TOTAL = 'curl --data-binary @file, its own time_total';

export const curlUpload: UploadAdapter = {
  name: 'curl --data-binary @file, start-up subtracted',
  note: "`curl -s -H 'Expect:' --data-binary @file` (the body in a temp file, page-cached), spawned on the client's core when pinned; its wall time minus the median wall time of three 0-byte uploads of the same round (curl's process start-up, connect and one exchange). Also shown: the wall time with start-up, and curl's own `%{time_total}`",
  async upload(target, pinCore) {
    const startups: number[] = [];
    for (let i = 0; i < 3; i++) {
      const zero = await curlPost(target, target.emptyFile, pinCore);
      if (zero.received !== 0) throw new Error(`curl 0-byte upload: server got ${zero.received}`);
      startups.push(zero.wall);
    }
    const run = await curlPost(target, target.file, pinCore);
    return {
      received: run.received,
      seconds: run.wall - median(startups),
      also: [
        { name: 'curl --data-binary @file, wall time with start-up', seconds: run.wall },
        { name: CURL_TIME_TOTAL, seconds: run.total },
      ],
    };
  },
};

export const rawSocketUpload: UploadAdapter = {
  name: 'raw net.Socket',
  note: 'connects, writes a minimal POST head and the body corked (one writev, no copy, as undici sends them), reads the answer: a Node writer with no HTTP client around it',
  upload(target) {
    return new Promise((resolve, reject) => {
      const t0 = now();
      let answer = '';
      const socket = connect(target.port, target.host, () => {
        socket.cork(); // head and body in one writev, as undici sends them
        socket.write(
          `POST / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nContent-Length: ${target.body.length}\r\n\r\n`,
        );
        socket.write(target.body);
        socket.uncork();
      });
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        const end = answer.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(answer)?.[1];
        if (end < 0 || length === undefined || answer.length < end + 4 + Number(length)) return;
        const seconds = now() - t0;
        socket.destroy();
        if (!answer.startsWith('HTTP/1.1 200 ')) reject(new Error(`raw socket: ${answer}`));
        else resolve({ received: parseCount(this.name, answer.slice(end + 4)), seconds });
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`raw socket: closed after ${answer}`)));
    });
  },
};

/** Every upload adapter, ours first. */
export function uploadAdapters(): UploadAdapter[] {
  return [gdhttpRequestUpload, undiciRequestUpload, rawSocketUpload, curlUpload];
}
