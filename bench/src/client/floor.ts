/**
 * Reference clients for the sequential 13 B scenario (issue 19, target 3): a bare `net.Socket`
 * that sends fixed request bytes and counts the canned server's answer, the floor of any Node
 * client here, and the same socket doing one of HTTPClient's two per-request jobs — serializing
 * the request with `serializeRequest` (the header lines HTTPClient sends) or parsing the answer
 * with `ResponseParser` — or both. They measure what is in the way of HTTPClient's latency; they
 * are not HTTP clients (one connection, one request at a time, the canned server only).
 */
import { connect } from 'node:net';
import { USER_AGENT } from '@gdhttp/client';
import { ResponseParser, serializeRequest } from '@gdhttp/parser';
import { cannedHead } from '../canned/server.ts';
import { closedLoop, type LoadAdapter, type Runner, type Target } from '../load/harness.ts';

/** Which of HTTPClient's per-request jobs a reference client does. */
interface Jobs {
  /** Serialize every request (else the same bytes, serialized once). */
  serialize: boolean;
  /** Parse every answer with gdhttp's parser (else count its bytes). */
  parse: boolean;
}

/** The header lines HTTPClient sends with `request(GET, '/', [])`, built as its rule builds them. */
function headerLines(target: Target): string[] {
  return [`Host: ${target.host}:${target.port}`, `User-Agent: ${USER_AGENT}`, 'Accept: */*'];
}

async function openRaw(target: Target, connections: number, jobs: Jobs): Promise<Runner> {
  if (connections !== 1) throw new Error('a reference client runs one connection');
  const socket = connect({ host: target.host, port: target.port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const fixed = serializeRequest('GET', '/', headerLines(target), '');
  const answerBytes = cannedHead(target.bodyBytes).length + target.bodyBytes;
  let settle: ((bytes: number) => void) | null = null;
  let fail: ((error: Error) => void) | null = null;
  let received = 0;
  let body = 0;
  let complete = false;
  const parser = jobs.parse
    ? new ResponseParser({
        onBody: (data) => {
          body += data.length;
        },
        onMessageComplete: () => {
          complete = true;
        },
      })
    : null;
  socket.on('error', (error) => fail?.(error));
  socket.on('data', (chunk: Buffer) => {
    if (parser !== null) {
      parser.execute(chunk);
      if (!complete) return;
    } else {
      received += chunk.length;
      if (received < answerBytes) return;
      received -= answerBytes;
      body = target.bodyBytes;
    }
    const done = settle;
    const bytes = body;
    settle = null;
    body = 0;
    done?.(bytes);
  });
  const one = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      settle = resolve;
      fail = reject;
      if (parser !== null) {
        complete = false;
        parser.resume();
        parser.pause();
        parser.expect('GET');
      }
      socket.write(jobs.serialize ? serializeRequest('GET', '/', headerLines(target), '') : fixed);
    });
  return {
    run: (count, latencies) => closedLoop(1, count, one, latencies),
    async close() {
      socket.destroy();
    },
  };
}

function reference(name: string, note: string, jobs: Jobs): LoadAdapter {
  return { name, note, open: (target, connections) => openRaw(target, connections, jobs) };
}

export const rawSocket = reference(
  'raw net.Socket',
  '`net.Socket` (`noDelay`, `data` events) writing the bytes HTTPClient sends, serialized once, and counting the known answer length: the floor of a Node client here',
  { serialize: false, parse: false },
);

export const rawSerialize = reference(
  'raw + serializeRequest',
  'the raw socket serializing every request (`serializeRequest` over the three header lines HTTPClient adds)',
  { serialize: true, parse: false },
);

export const rawParse = reference(
  'raw + ResponseParser',
  "the raw socket parsing every answer with gdhttp's `ResponseParser` (paused at its end, as HTTPClient's reader does)",
  { serialize: false, parse: true },
);

export const rawBoth = reference(
  'raw + both',
  'the raw socket serializing every request and parsing every answer',
  { serialize: true, parse: true },
);

/** The reference clients, the floor first. */
export function floorAdapters(): LoadAdapter[] {
  return [rawSocket, rawSerialize, rawParse, rawBoth];
}
