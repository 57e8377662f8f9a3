// One streamed upload on the web HTTPClient, driven on a frame loop: connect, then either
// requestStream() with pieces put as fetch takes them (requestBodyQueued is the backpressure), or
// requestRaw() with a ReadableStream; then poll and read to the end. Runs unchanged in the browser
// test page (frames are requestAnimationFrame) and in Node over undici
// (test/web-client-stream-upload.test.ts).
// Byte i of the body is `i & 0xff`. Imports no Node module.
import type { HTTPClient } from '@gdhttp/client';
import { ErrorCode, Method, nameOf, Status } from '@gdhttp/constants';

/** What to send. Plain data, so `page.evaluate` can carry it. */
export interface UploadSpec {
  /** `https://127.0.0.1` or `http://127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Bytes of the body. */
  readonly size: number;
  /** Bytes per piece. */
  readonly piece: number;
  /** Pieces put with requestStream(), or a ReadableStream given to requestRaw(). */
  readonly mode: 'put' | 'stream';
  /** requestStream's bodyLength (default -1). */
  readonly bodyLength?: number;
  /** Calls `close()` once requestBodySent reaches this. */
  readonly closeAtSent?: number;
  /** Gives up after this many ms: a deadline to fail, never progress. */
  readonly deadlineMs: number;
}

/** What happened. */
export interface UploadResult {
  /** Every distinct status in order, by name. */
  statuses: string[];
  /** requestStream's or requestRaw's return, by name. */
  startResult: string;
  /** putRequestBodyData's and endRequestBody's non-OK returns, by name, in order. */
  putErrors: string[];
  /** Distinct values of requestBodySent while the body went out. */
  sent: number[];
  /** requestBodySent at the end. */
  sentAtEnd: number;
  code: number;
  headers: string[];
  /** The response body as text. */
  bodyText: string;
  /** `lastError?.message` at the end, or `null`. */
  lastError: string | null;
  /** The ReadableStream mode's source: how often it was pulled, whether it is still unlocked. */
  sourcePulls: number;
  sourceUnlocked: boolean;
  timedOut: boolean;
}

/** Waits for the next frame. */
export type NextFrame = () => Promise<unknown>;

/** What the scenario calls: the web build has it all (seen through the Node build's types). */
export type UploadClient = Pick<
  HTTPClient,
  | 'connectToHost'
  | 'poll'
  | 'getStatus'
  | 'news'
  | 'close'
  | 'requestRaw'
  | 'requestStream'
  | 'putRequestBodyData'
  | 'endRequestBody'
  | 'requestBodyQueued'
  | 'requestBodySent'
  | 'getResponseCode'
  | 'getResponseHeaders'
  | 'readResponseBodyChunk'
  | 'lastError'
>;

function bytesAt(from: number, n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (from + i) & 0xff;
  return bytes;
}

/** Runs one upload on a fresh client from `make`. */
export async function runUpload(
  make: () => UploadClient,
  spec: UploadSpec,
  nextFrame: NextFrame,
): Promise<UploadResult> {
  const client = make();
  const deadline = Date.now() + spec.deadlineMs;
  const result: UploadResult = {
    statuses: [],
    startResult: '',
    putErrors: [],
    sent: [],
    sentAtEnd: 0,
    code: 0,
    headers: [],
    bodyText: '',
    lastError: null,
    sourcePulls: 0,
    sourceUnlocked: true,
    timedOut: false,
  };
  const note = () => {
    const name = nameOf(Status, client.getStatus()) ?? '?';
    if (result.statuses.at(-1) !== name) result.statuses.push(name);
    const sent = client.requestBodySent;
    if (sent > 0 && result.sent.at(-1) !== sent) result.sent.push(sent);
  };
  note();
  client.connectToHost(spec.host, spec.port);
  note();
  while (client.getStatus() !== Status.CONNECTED && Date.now() < deadline) {
    client.poll();
    note();
    if (client.getStatus() === Status.CANT_RESOLVE) break;
  }
  let source: ReadableStream<Uint8Array> | null = null;
  let given = 0;
  if (spec.mode === 'stream') {
    source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          result.sourcePulls++;
          if (given >= spec.size) {
            controller.close();
            return;
          }
          const n = Math.min(spec.piece, spec.size - given);
          controller.enqueue(bytesAt(given, n));
          given += n;
        },
      },
      { highWaterMark: 0 },
    );
    // The Node build's declarations take bytes only; the web build takes a stream.
    const code = client.requestRaw(
      Method.PUT,
      spec.path,
      ['Content-Type: application/octet-stream'],
      source as unknown as Uint8Array,
    );
    result.startResult = nameOf(ErrorCode, code) ?? '?';
  } else {
    const code = client.requestStream(
      Method.PUT,
      spec.path,
      ['Content-Type: application/octet-stream'],
      spec.bodyLength ?? -1,
    );
    result.startResult = nameOf(ErrorCode, code) ?? '?';
  }
  note();
  let put = 0;
  let ended = spec.mode === 'stream';
  const busy = (s: Status) => s === Status.REQUESTING || s === Status.BODY;
  const decoder = new TextDecoder();
  while (busy(client.getStatus())) {
    if (Date.now() > deadline) {
      result.timedOut = true;
      break;
    }
    if (spec.closeAtSent !== undefined && client.requestBodySent >= spec.closeAtSent) {
      // close() forgets the request: its count is the last one noted.
      note();
      client.close();
      note();
      break;
    }
    // Put the next piece once fetch took the last one: one piece in flight, as the Node pump.
    if (!ended && client.getStatus() === Status.REQUESTING && client.requestBodyQueued === 0) {
      if (put < spec.size) {
        const n = Math.min(spec.piece, spec.size - put);
        const code = client.putRequestBodyData(bytesAt(put, n));
        if (code !== ErrorCode.OK) result.putErrors.push(nameOf(ErrorCode, code) ?? '?');
        put += n;
      } else {
        const code = client.endRequestBody();
        if (code !== ErrorCode.OK) result.putErrors.push(nameOf(ErrorCode, code) ?? '?');
        ended = true;
      }
    }
    const news = client.news();
    client.poll();
    note();
    if (client.getStatus() === Status.BODY) {
      result.code = client.getResponseCode();
      result.headers = client.getResponseHeaders();
      const chunk = client.readResponseBodyChunk();
      if (chunk.length > 0) result.bodyText += decoder.decode(chunk, { stream: true });
      note();
      if (chunk.length > 0) continue;
    }
    await Promise.race([news, nextFrame()]);
  }
  result.sentAtEnd = client.requestBodySent;
  result.lastError = client.lastError?.message ?? null;
  result.sourceUnlocked = source === null || !source.locked;
  return result;
}
