import { once } from 'node:events';
import { createServer } from 'node:net';
import { Status } from '@gdhttp/constants';
import { describe, expect, it } from 'vitest';
import { type PollLoopOutput, runPollLoop, startChunkedServer } from '../src/index.js';

/** An output sink that keeps what the loop printed. */
function collector(): PollLoopOutput & { text: () => string } {
  const lines: string[] = [];
  return { write: (text: string) => lines.push(text), text: () => lines.join('') };
}

const names = (result: { statuses: readonly { name: string }[] }) =>
  result.statuses.map((change) => change.name).join(' ');

describe('runPollLoop', () => {
  it('runs the Godot example against its own server and prints every status change', async () => {
    const out = collector();
    const result = await runPollLoop({ output: out });

    expect(result.error).toBeNull();
    expect(result.ok).toBe(true);
    // One step per poll, as Godot: CONNECTING always shows between RESOLVING and CONNECTED.
    expect(names(result)).toMatch(
      /^RESOLVING CONNECTING CONNECTED REQUESTING BODY CONNECTED DISCONNECTED$/,
    );
    expect(result.responseCode).toBe(200);
    expect(result.chunked).toBe(true);
    expect(result.body.length).toBe(480);
    const text = out.text();
    expect(text).toMatch(/^poll-loop: HTTPClient driven by a 60 Hz frame timer, GET http:\/\//);
    expect(text).toContain('frame    0  RESOLVING     connectToHost("localhost", ');
    expect(text).toMatch(/frame +\d+ {2}BODY {10}200, chunked\n/);
    expect(text).toMatch(/body: 480 bytes in \d+ reads over \d+ frames/);
    expect(text).toContain('  Transfer-Encoding: chunked\n');
    expect(text).toContain('  piece 8 of 8: sent as its own chunk, read from a frame loop\n');
  });

  it('reads a body that arrives over many frames, one piece per read', async () => {
    const server = await startChunkedServer({ pieces: 5, intervalMs: 40 });
    try {
      const result = await runPollLoop({
        server: { host: 'localhost', port: server.port, path: server.path },
        output: collector(),
      });
      expect(result.ok).toBe(true);
      expect(Buffer.from(result.body).equals(Buffer.from(server.body))).toBe(true);
      // Pieces 40 ms apart usually land in separate reads; a stalled machine may merge a few.
      expect(result.reads).toBeGreaterThanOrEqual(2);
      const body = result.statuses.find((s) => s.status === Status.BODY)!;
      const done = result.statuses.find(
        (s) => s.frame > body.frame && s.status === Status.CONNECTED,
      )!;
      // 160 ms of gaps at 60 Hz (about 10 frames): the body spans frames, not one blocking read.
      expect(done.frame - body.frame).toBeGreaterThanOrEqual(2);
      const frames = result.statuses.map((s) => s.frame);
      expect(frames).toEqual([...frames].sort((a, b) => a - b));
    } finally {
      await server.close();
    }
  });

  it('skips RESOLVING when connecting to an IP literal, as Godot does', async () => {
    const server = await startChunkedServer({ pieces: 2, intervalMs: 10 });
    try {
      const result = await runPollLoop({
        server: { host: '127.0.0.1', port: server.port, path: server.path },
        output: collector(),
      });
      expect(result.ok).toBe(true);
      expect(names(result)).toMatch(/^CONNECTING (CONNECTED )?REQUESTING BODY CONNECTED/);
    } finally {
      await server.close();
    }
  });

  it('never ticks faster than the frame rate it is given', async () => {
    const server = await startChunkedServer({ pieces: 3, intervalMs: 60 });
    try {
      const fps = 30;
      const result = await runPollLoop({
        server: { host: '127.0.0.1', port: server.port, path: server.path },
        output: collector(),
        fps,
      });
      expect(result.ok).toBe(true);
      // A timer fires at most once per period: frames - 1 periods fit in the elapsed time.
      expect((result.frames - 1) * (1000 / fps)).toBeLessThanOrEqual(result.elapsedMs + 5);
      expect(result.frames).toBeGreaterThanOrEqual(4);
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection as CANT_CONNECT instead of throwing', async () => {
    // A port that was just free: nothing listens there now.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const out = collector();
    const result = await runPollLoop({ server: { host: '127.0.0.1', port }, output: out });
    expect(result.ok).toBe(false);
    expect(result.statuses.at(-1)?.name).toBe('CANT_CONNECT');
    expect(result.error).toMatch(/^could not connect/);
    expect(out.text()).toContain('failed: could not connect');
  });

  it('gives up after maxFrames', async () => {
    const server = await startChunkedServer({ pieces: 3, intervalMs: 500 });
    try {
      const result = await runPollLoop({
        server: { host: '127.0.0.1', port: server.port, path: server.path },
        output: collector(),
        fps: 100,
        maxFrames: 10,
      });
      expect(result.ok).toBe(false);
      expect(result.error).toBe('gave up after 10 frames');
    } finally {
      await server.close();
    }
  });
});
