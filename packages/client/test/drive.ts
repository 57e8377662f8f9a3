// Test helpers: drive an HTTPClient the way an async loop would — poll, and between polls await
// the client's news promise (never a timer that makes progress; the deadline only fails a test).
import { ErrorCode, Method, nameOf, Status as S, type Status } from '@gdhttp/constants';
import { type Action, type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import type { TLSOptions } from '@gdhttp/transport';
import { expect } from 'vitest';
import { HTTPClient } from '../src/index.js';

/** What {@link drive} needs of a client: the Node build and the web build both fit. */
export interface PolledClient {
  getStatus(): Status;
  poll(): unknown;
  news(): Promise<void>;
}

/**
 * Polls until `until(status)` holds, awaiting `client.news()` between polls, and returns every
 * distinct status seen on the way (the first entry is the status before the first poll).
 */
export async function drive(
  client: PolledClient,
  until: (status: Status) => boolean,
  timeoutMs = 5000,
): Promise<Status[]> {
  const seen: Status[] = [client.getStatus()];
  const deadline = Date.now() + timeoutMs;
  while (!until(client.getStatus())) {
    if (Date.now() > deadline) {
      throw new Error(
        `drive: timed out in ${nameOf(S, client.getStatus())}; saw ${seen.map((s) => nameOf(S, s)).join(' → ')}`,
      );
    }
    const news = client.news();
    client.poll();
    const now = client.getStatus();
    if (now !== seen[seen.length - 1]) seen.push(now);
    if (until(now)) break;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      news,
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }
  return seen;
}

/** Connects to `host:port` and drives the client until it leaves the connecting states. */
export async function connect(
  client: HTTPClient,
  host: string,
  port: number,
  tlsOptions: TLSOptions | null = null,
): Promise<Status[]> {
  const err = client.connectToHost(host, port, tlsOptions);
  if (err !== 0) throw new Error(`connectToHost returned ${err}`);
  return drive(client, (s) => s !== S.RESOLVING && s !== S.CONNECTING);
}

/** Reads the whole body, driving the client, and returns it with the statuses seen. */
export async function readBody(client: HTTPClient, timeoutMs = 5000): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const deadline = Date.now() + timeoutMs;
  while (client.getStatus() === S.BODY) {
    if (Date.now() > deadline) throw new Error('readBody: timed out');
    const news = client.news();
    client.poll();
    const chunk = client.readResponseBodyChunk();
    if (chunk.length > 0) {
      parts.push(chunk.slice());
      continue;
    }
    if (client.getStatus() !== S.BODY) break;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      news,
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Starts a scripted server answering with `replies` in order on one connection (added to
 * `servers`, which the test file closes), connects a client and sends `method` until its first
 * response head arrived.
 */
export async function exchangeWith(
  servers: ScriptedServer[],
  replies: Action[][],
  method: Method = Method.GET,
): Promise<{ client: HTTPClient; server: ScriptedServer }> {
  const s = await startScriptedServer({ replies });
  servers.push(s);
  const client = new HTTPClient();
  await connect(client, s.host, s.port);
  expect(client.request(method, '/', [])).toBe(ErrorCode.OK);
  await drive(client, (st) => st !== S.REQUESTING);
  return { client, server: s };
}
