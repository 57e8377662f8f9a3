/**
 * The request suite's stream scenarios (issue 15).
 *
 * File upload: one PUT of a file (1 GiB in the full run) to the canned `upload` listener, which
 * counts and drops the body and answers the count: gdhttp's `requestRaw` with
 * `RequestBody.file(path)` (read as the socket takes it, into buffers it has let go of), undici's `request()`
 * with `fs.createReadStream(path)` as the body and its `Content-Length`, and `curl -T file`
 * (start-up subtracted as in the upload scenario). Every client reads the same page-cached file.
 *
 * Server-Sent Events: one connection to the canned `sse` listener, which answers 200,000 small
 * events (`data: {"n":…,"token":"hello"}`, 36–41 bytes each) at once; events/s from the call to
 * the last event, a sample being {@link SSE_READS_PER_SAMPLE} such reads. gdhttp's `EventSource`
 * read with `forEach` (a callback per event, the events of a body piece dispatched in one go) and
 * with its async iterator (a promise per event), beside undici's `request()` with a streaming
 * `TextDecoder` and `eventsource-parser`'s `createParser` (its `onEvent` callback per event).
 * Each counts the events and checks the last one's data.
 */
import { createReadStream } from 'node:fs';
import { Method, Result } from '@gdhttp/constants';
import { EventSource, HTTPRequest, RequestBody } from '@gdhttp/request';
import { createParser } from 'eventsource-parser';
import { Client, request } from 'undici';
import { SSE_EVENTS, sseEvent } from '../canned/server.ts';
import { fmt, median, now, pairedRatio, roundOrder } from '../load/harness.ts';
import { verdict } from '../targets.ts';
import { curlPost, parseCount, type UploadAdapter } from './upload.ts';

const decoder = new TextDecoder();
const urlOf = (host: string, port: number) => `http://${host}:${port}/`;

export const gdhttpFileUpload: UploadAdapter = {
  name: 'gdhttp requestRaw(RequestBody.file(path))',
  note: '`requestRaw(url, [], Method.PUT, RequestBody.file(path))` on a new `HTTPRequest` (`timeout = 120`): the file read as the socket takes it (2 MiB at a time into buffers the socket has let go of, one piece ahead)',
  async upload(target) {
    const r = new HTTPRequest();
    r.timeout = 120;
    try {
      const t0 = now();
      const { result, responseCode, body } = await r.requestRaw(
        urlOf(target.host, target.port),
        [],
        Method.PUT,
        RequestBody.file(target.file)!,
      );
      const seconds = now() - t0;
      if (result !== Result.SUCCESS || responseCode !== 200) {
        throw new Error(`HTTPRequest file upload: result ${result}, status ${responseCode}`);
      }
      return { received: parseCount(this.name, decoder.decode(body)), seconds };
    } finally {
      r.close();
    }
  },
};

export const undiciStreamUpload: UploadAdapter = {
  name: 'undici request(body: fs.createReadStream)',
  note: "`request(url, { dispatcher, method: 'PUT', body: createReadStream(path), headers: { 'content-length': size } })` on a new `Client` (createReadStream's default 64 KiB reads), the answer read with `body.text()`",
  async upload(target) {
    const client = new Client(`http://${target.host}:${target.port}`);
    try {
      const t0 = now();
      const { statusCode, body } = await request(urlOf(target.host, target.port), {
        dispatcher: client,
        method: 'PUT',
        body: createReadStream(target.file),
        headers: { 'content-length': String(target.body.length) },
      });
      const text = await body.text();
      const seconds = now() - t0;
      if (statusCode !== 200) throw new Error(`undici stream upload: status ${statusCode}`);
      return { received: parseCount(this.name, text), seconds };
    } finally {
      await client.close();
    }
  },
};

export const curlFileUpload: UploadAdapter = {
  name: 'curl -T file, start-up subtracted',
  note: "`curl -s -H 'Expect:' -T file` (a PUT read from the page-cached file as it is sent), on the client's core when pinned; wall time minus the median of three 0-byte uploads of the same round",
  async upload(target, pinCore) {
    const startups: number[] = [];
    for (let i = 0; i < 3; i++) {
      const zero = await curlPost(target, target.emptyFile, pinCore, true);
      if (zero.received !== 0)
        throw new Error(`curl -T 0-byte upload: server got ${zero.received}`);
      startups.push(zero.wall);
    }
    const run = await curlPost(target, target.file, pinCore, true);
    return {
      received: run.received,
      seconds: run.wall - median(startups),
      also: [{ name: 'curl -T file, its own time_total', seconds: run.total }],
    };
  },
};

/** The file-upload adapters, ours first. */
export function fileUploadAdapters(): UploadAdapter[] {
  return [gdhttpFileUpload, undiciStreamUpload, curlFileUpload];
}

/** One SSE client: reads one answer of the `sse` listener and returns its events and seconds. */
export interface SseAdapter {
  name: string;
  note: string;
  read(port: number): Promise<{ events: number; seconds: number }>;
}

const LAST_DATA = sseEvent(SSE_EVENTS - 1).slice('data: '.length, -2);

export const gdhttpEventSource: SseAdapter = {
  name: 'gdhttp EventSource',
  note: '`for await (const event of new EventSource(url))` (a new `HTTPRequest` inside), `break` after the last event',
  async read(port) {
    const t0 = now();
    let events = 0;
    let last = '';
    for await (const event of new EventSource(urlOf('127.0.0.1', port))) {
      events++;
      if (events === SSE_EVENTS) {
        last = event.data;
        break;
      }
    }
    const seconds = now() - t0;
    if (last !== LAST_DATA) throw new Error(`EventSource: last event ${last}`);
    return { events, seconds };
  },
};

export const gdhttpEventSourceForEach: SseAdapter = {
  name: 'gdhttp EventSource.forEach',
  note: '`await source.forEach((event) => …)` on a `new EventSource(url)` (a new `HTTPRequest` inside): the events of each body piece dispatched synchronously, `close()` from the callback after the last event',
  async read(port) {
    const t0 = now();
    let events = 0;
    let last = '';
    const source = new EventSource(urlOf('127.0.0.1', port));
    await source.forEach((event) => {
      events++;
      if (events === SSE_EVENTS) {
        last = event.data;
        source.close();
      }
    });
    const seconds = now() - t0;
    if (last !== LAST_DATA) throw new Error(`EventSource.forEach: last event ${last}`);
    return { events, seconds };
  },
};

export const undiciEventsourceParser: SseAdapter = {
  name: 'undici request + eventsource-parser',
  note: '`request(url, { dispatcher })` on a new `Client`, each body chunk through a streaming `TextDecoder` into `createParser({ onEvent })`',
  async read(port) {
    const client = new Client(`http://127.0.0.1:${port}`);
    try {
      const t0 = now();
      let events = 0;
      let last = '';
      const parser = createParser({
        onEvent(event) {
          events++;
          last = event.data;
        },
      });
      const { statusCode, body } = await request(urlOf('127.0.0.1', port), {
        dispatcher: client,
        headers: { accept: 'text/event-stream' },
      });
      if (statusCode !== 200) throw new Error(`undici SSE: status ${statusCode}`);
      const text = new TextDecoder();
      for await (const chunk of body)
        parser.feed(text.decode(chunk as Uint8Array, { stream: true }));
      const seconds = now() - t0;
      if (events !== SSE_EVENTS || last !== LAST_DATA) {
        throw new Error(`undici SSE: ${events} events, last ${last}`);
      }
      return { events, seconds };
    } finally {
      await client.close();
    }
  },
};

/** The SSE adapters, ours first. */
export function sseAdapters(): SseAdapter[] {
  return [gdhttpEventSourceForEach, gdhttpEventSource, undiciEventsourceParser];
}

/**
 * Reads per sample: one answer takes 30–50 ms here, where one preempted time slice of a shared
 * core moves a sample by a fifth; five in a row (connect and all, each a new source) average that
 * out.
 */
export const SSE_READS_PER_SAMPLE = 5;

/** Events/s of every SSE adapter, by round: the table's rows. */
export type SseSamples = Map<string, number[]>;

/**
 * Events/s of every SSE adapter: `warmups` samples each, then `reps` interleaved rounds (in
 * another order each), a sample being `readsPerSample` reads in a row; prints the table and the
 * ratio against the target, and returns the samples.
 */
export async function measureSse(
  port: number,
  warmups: number,
  reps: number,
  readsPerSample = SSE_READS_PER_SAMPLE,
): Promise<SseSamples> {
  const list = sseAdapters();
  const samples: SseSamples = new Map(list.map((a) => [a.name, []]));
  const sample = async (a: SseAdapter): Promise<number> => {
    let events = 0;
    let seconds = 0;
    for (let i = 0; i < readsPerSample; i++) {
      const read = await a.read(port);
      events += read.events;
      seconds += read.seconds;
    }
    return events / seconds;
  };
  for (const a of list) for (let i = 0; i < warmups; i++) await sample(a);
  for (let rep = 0; rep < reps; rep++) {
    for (const a of roundOrder(list, rep)) {
      samples.get(a.name)!.push(await sample(a));
    }
  }
  console.log(
    '| client | events/s | runs (events/s), in round order | vs undici + eventsource-parser |',
  );
  console.log('|---|---:|---|---:|');
  for (const a of list) {
    const xs = samples.get(a.name)!;
    const vs = pairedRatio(xs, samples.get(undiciEventsourceParser.name)!);
    console.log(
      `| ${a.name} | ${fmt(median(xs))} | ${xs.map((x) => fmt(x)).join(', ')} | ${vs.toFixed(2)}x |`,
    );
  }
  console.log('');
  for (const a of list) console.log(`- ${a.name}: ${a.note}`);
  const peer = samples.get(undiciEventsourceParser.name)!;
  const ratio = pairedRatio(samples.get(gdhttpEventSourceForEach.name)!, peer);
  console.log(
    `\nratio ${gdhttpEventSourceForEach.name} / ${undiciEventsourceParser.name}: ${ratio.toFixed(2)}x (target >= 1.0x) ${verdict(ratio >= 1)}`,
  );
  const iterated = pairedRatio(samples.get(gdhttpEventSource.name)!, peer);
  console.log(
    `ratio ${gdhttpEventSource.name} (for await) / ${undiciEventsourceParser.name}: ${iterated.toFixed(2)}x`,
  );
  return samples;
}
