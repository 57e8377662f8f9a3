/**
 * The request suite's download adapters: one GET of the canned server's long body, each timed
 * from connect to the last byte. A 1 GiB body in memory is not a use case, so HTTPRequest streams
 * it to an `onBody` callback that counts and drops it (beside undici `dispatch` discarding, `curl
 * -o /dev/null` and a raw `net.Socket`, the physical limit of a Node reader on this machine), and
 * downloads it to a file (`downloadFile`, beside a raw socket piped into a file); the raw
 * HTTPClient reading and discarding chunks shows the client layer alone.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTPClient } from '@gdhttp/client';
import { Method, Result } from '@gdhttp/constants';
import { HTTPRequest } from '@gdhttp/request';
import { Client } from 'undici';
import { cannedHead } from '../canned/server.ts';
import { CLIENT_CORE } from '../canned/spawn.ts';
import { CountingHandler, clientGet, connectClient } from '../client/adapters.ts';
import { now, type Target } from '../load/harness.ts';

export interface Download {
  /** Body bytes received (or written, for a file). */
  bytes: number;
  seconds: number;
}

export interface DownloadAdapter {
  name: string;
  note: string;
  /** One GET of `target`'s body. */
  download(target: Target, pinCore: boolean): Promise<Download>;
}

const urlOf = (target: Target) => `http://${target.host}:${target.port}/`;

export const gdhttpRequestStream: DownloadAdapter = {
  name: 'gdhttp HTTPRequest, onBody discarding',
  note: '`request(url, [], GET, "", { onBody })` with a callback that counts and drops each piece (default settings; the canned body is not compressed)',
  async download(target) {
    const r = new HTTPRequest();
    try {
      let bytes = 0;
      const onBody = (chunk: Uint8Array) => {
        bytes += chunk.length;
      };
      const t0 = now();
      const { result, responseCode } = await r.request(urlOf(target), [], Method.GET, '', {
        onBody,
      });
      const seconds = now() - t0;
      if (result !== Result.SUCCESS || responseCode !== 200) {
        throw new Error(`HTTPRequest stream: result ${result}, status ${responseCode}`);
      }
      return { bytes, seconds };
    } finally {
      r.close();
    }
  },
};

export const gdhttpRequestFile: DownloadAdapter = {
  name: 'gdhttp HTTPRequest → file',
  note: '`downloadFile` set to a file in the OS temp directory (written in downloadChunkSize = 64 KiB pieces, renamed at the end); the file is checked and deleted after timing',
  async download(target) {
    const path = join(tmpdir(), `gdhttp-bench-${process.pid}.bin`);
    const r = new HTTPRequest();
    r.downloadFile = path;
    try {
      const t0 = now();
      const { result, responseCode } = await r.request(urlOf(target));
      const seconds = now() - t0;
      if (result !== Result.SUCCESS || responseCode !== 200) {
        throw new Error(`HTTPRequest download: result ${result}, status ${responseCode}`);
      }
      return { bytes: (await stat(path)).size, seconds };
    } finally {
      r.close();
      await unlink(path).catch(() => {});
    }
  },
};

export const gdhttpClientDiscard: DownloadAdapter = {
  name: 'gdhttp HTTPClient, discarding',
  note: 'news-driven loop, `readResponseBodyChunk()` at the default readChunkSize (64 KiB), chunks counted and dropped',
  async download(target) {
    const client = new HTTPClient();
    try {
      const t0 = now();
      await connectClient(client, target);
      const bytes = await clientGet(client);
      return { bytes, seconds: now() - t0 };
    } finally {
      client.close();
    }
  },
};

export const undiciDispatchDiscard: DownloadAdapter = {
  name: 'undici dispatch, discarding',
  note: 'a `Client` and `dispatch()` with the minimal counting handler',
  async download(target) {
    const origin = `http://${target.host}:${target.port}`;
    const client = new Client(origin);
    try {
      const t0 = now();
      const bytes = await new Promise<number>((resolve, reject) => {
        client.dispatch({ origin, path: '/', method: 'GET' }, new CountingHandler(resolve, reject));
      });
      return { bytes, seconds: now() - t0 };
    } finally {
      await client.close();
    }
  },
};

export const curl: DownloadAdapter = {
  name: 'curl -o /dev/null',
  note: "spawned (on the client's core when pinned); time and size from curl's own `-w '%{time_total} %{size_download}'`",
  download(target, pinCore) {
    const args = ['-s', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', urlOf(target)];
    const [cmd, ...rest] = pinCore
      ? ['taskset', '-c', String(CLIENT_CORE), 'curl', ...args]
      : ['curl', ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        const [time, size] = out.trim().split(' ').map(Number);
        if (code !== 0 || !(time! > 0)) reject(new Error(`curl exited ${code}: ${out}`));
        else resolve({ bytes: size!, seconds: time! });
      });
    });
  },
};

export const rawSocket: DownloadAdapter = {
  name: 'raw net.Socket',
  note: 'writes the GET, counts every received byte until head + body arrived: the limit of a Node reader here',
  download(target) {
    const expected = cannedHead(target.bodyBytes).length + target.bodyBytes;
    return new Promise((resolve, reject) => {
      const t0 = now();
      let got = 0;
      const socket = connect(target.port, target.host, () => {
        socket.write(`GET / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`);
      });
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= expected) {
          const seconds = now() - t0;
          socket.destroy();
          resolve({ bytes: got - (expected - target.bodyBytes), seconds });
        }
      });
      socket.on('error', reject);
      socket.on('close', () => {
        if (got < expected) reject(new Error(`raw socket: ${got} of ${expected} bytes`));
      });
    });
  },
};

export const rawSocketFile: DownloadAdapter = {
  name: 'raw net.Socket → file',
  note: "the raw socket's body bytes piped into `fs.createWriteStream` in the temp directory (the limit for a download to file, disk included); deleted after timing",
  async download(target) {
    const path = join(tmpdir(), `gdhttp-bench-raw-${process.pid}.bin`);
    const headBytes = cannedHead(target.bodyBytes).length;
    try {
      const t0 = now();
      await new Promise<void>((resolve, reject) => {
        const file = createWriteStream(path);
        file.on('error', reject);
        const socket = connect(target.port, target.host, () => {
          socket.write(`GET / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n\r\n`);
        });
        let skip = headBytes;
        let left = target.bodyBytes;
        socket.on('data', (chunk: Buffer) => {
          let piece = chunk;
          if (skip > 0) {
            const n = Math.min(skip, piece.length);
            skip -= n;
            piece = piece.subarray(n);
          }
          if (piece.length > left) piece = piece.subarray(0, left);
          left -= piece.length;
          if (left === 0) {
            socket.destroy();
            file.end(piece, () => resolve());
          } else if (!file.write(piece)) {
            socket.pause();
            file.once('drain', () => socket.resume());
          }
        });
        socket.on('error', reject);
        socket.on('close', () => {
          if (left > 0) reject(new Error(`raw socket → file: ${left} bytes missing`));
        });
      });
      const seconds = now() - t0;
      return { bytes: (await stat(path)).size, seconds };
    } finally {
      await unlink(path).catch(() => {});
    }
  },
};

/** Every download adapter, ours first. */
export function downloadAdapters(): DownloadAdapter[] {
  return [
    gdhttpRequestStream,
    gdhttpRequestFile,
    gdhttpClientDiscard,
    undiciDispatchDiscard,
    curl,
    rawSocketFile,
    rawSocket,
  ];
}
