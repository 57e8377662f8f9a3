// Streaming Content-Encoding decoding for HTTPRequest, on Node's zlib. Godot's HTTPRequest
// decodes only a lone `gzip` or `deflate` coding, through its own inflater (StreamPeerGZIP, in
// scene/main/http_request.cpp); we also take `br`, `x-gzip`, raw deflate and chains of codings.
// The decoded size is counted as output appears, so a decompression bomb (a small gzip body that
// inflates to gigabytes) stops at bodySizeLimit instead of after it has filled memory.
import type { Transform } from 'node:stream';
import { concat } from './concat.js';

/** More codings than this is an attack, not a server (undici CVE-2026-22036, curl CVE-2023-23916). */
export const MAX_CODINGS = 5;

/** The codings HTTPRequest decodes, for its Accept-Encoding header. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** A content coding HTTPRequest decodes. */
export type Coding = 'gzip' | 'deflate' | 'br';

/** Why decoding stopped early. */
export type DecodeFailure = 'limit' | 'corrupt' | 'output';

/**
 * Reads a Content-Encoding field value into the codings to undo, outermost first.
 *
 * @returns the codings (empty for none or `identity`), `'unsupported'` when a coding is not one we
 *   decode (the body is then delivered as it came, as Godot does), or `'too-many'`.
 */
export function parseContentEncoding(
  value: string | undefined,
): Coding[] | 'unsupported' | 'too-many' {
  if (value === undefined) return [];
  const applied: Coding[] = [];
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'identity') continue;
    if (token === 'gzip' || token === 'x-gzip') applied.push('gzip');
    else if (token === 'deflate') applied.push('deflate');
    else if (token === 'br') applied.push('br');
    else return 'unsupported';
  }
  if (applied.length > MAX_CODINGS) return 'too-many';
  // Codings are listed in the order they were applied (RFC 9110 §8.4); undo them in reverse.
  return applied.reverse();
}

function stageFor(coding: Coding, firstBytes: Uint8Array): Transform {
  // Default finish flushes: a stream that ends before its end marker is an error, not a quietly
  // shorter body (undici's Z_SYNC_FLUSH leniency would hide a truncated download).
  // node:zlib is loaded by the first encoded body, not at import: a process that never decodes
  // does not map it.
  const { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } =
    process.getBuiltinModule('node:zlib');
  if (coding === 'gzip') return createGunzip();
  if (coding === 'br') return createBrotliDecompress();
  // "deflate" means zlib-wrapped (RFC 9110 §8.4.1.2), but servers send raw deflate often enough
  // that every browser accepts both: a zlib header has CM = 8 and a CMF/FLG checksum of 0 mod 31.
  const [cmf = 0, flg = 0] = firstBytes;
  const zlibWrapped = (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
  return zlibWrapped ? createInflate() : createInflateRaw();
}

/**
 * Undoes a chain of content codings as the body streams through, and stops at a decoded-size limit.
 *
 * Feed wire bytes with `write()` (await each call: it resolves once the chunk is consumed and its
 * output delivered, which is the backpressure), then `end()`. `onOutput` receives decoded bytes.
 */
export class ContentDecoder {
  readonly #codings: Coding[];
  readonly #limit: number;
  readonly #onOutput: (chunk: Uint8Array) => unknown;
  #stages: Transform[] | null = null;
  #pending: Uint8Array[] = [];
  #decoded = 0;
  #failure: DecodeFailure | null = null;
  #outputError: unknown = undefined;
  /** The waits of `write()` and `end()` in progress: a failure ends them all. */
  readonly #waiting = new Set<() => void>();

  /**
   * @param codings - from {@link parseContentEncoding}, outermost first.
   * @param limit - decoded bytes allowed; negative for no limit.
   * @param onOutput - receives each decoded chunk, in order; when it returns a promise, decoding
   *   pauses until it settles (a slow file slows decoding instead of filling memory).
   */
  constructor(codings: Coding[], limit: number, onOutput: (chunk: Uint8Array) => unknown) {
    this.#codings = codings;
    this.#limit = limit;
    this.#onOutput = onOutput;
  }

  /** Decoded bytes delivered so far. */
  get decodedBytes(): number {
    return this.#decoded;
  }

  /** Why decoding stopped, or `null` while it is healthy. */
  get failure(): DecodeFailure | null {
    return this.#failure;
  }

  /** What `onOutput` threw or rejected with, when {@link ContentDecoder.failure} is `'output'`. */
  get outputError(): unknown {
    return this.#outputError;
  }

  /** Feeds wire bytes; resolves when they are consumed and their output delivered, or on failure. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure !== null || chunk.length === 0) return;
    if (this.#stages === null) {
      // The deflate sniff needs two bytes; hold back a lone first byte.
      this.#pending.push(chunk);
      const held = concat(this.#pending);
      if (held.length < 2 && this.#codings.includes('deflate')) return;
      this.#pending = [];
      this.#stages = this.#build(held);
      chunk = held;
    }
    const first = this.#stages[0]!;
    await this.#until((done) => first.write(chunk, () => done()));
  }

  /** Ends the input; resolves once all output is delivered. A truncated stream is `'corrupt'`. */
  async end(): Promise<void> {
    if (this.#failure !== null) return;
    if (this.#stages === null) {
      const held = concat(this.#pending);
      if (held.length === 0) return; // an empty body decodes to nothing
      this.#stages = this.#build(held);
      this.#stages[0]!.write(held);
    }
    const stages = this.#stages;
    await this.#until((done) => {
      stages[stages.length - 1]!.once('end', done);
      stages[0]!.end();
    });
  }

  /**
   * Resolves when `start` calls its `done`, or when decoding fails. Not a `Promise.race` against
   * one long-lived failure promise: every race adds a reaction to it that stays until it settles,
   * which, one per written piece, was ~300 bytes per piece of a healthy body (issue #12).
   */
  #until(start: (done: () => void) => void): Promise<void> {
    if (this.#failure !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#waiting.delete(done);
        resolve();
      };
      this.#waiting.add(done);
      start(done);
    });
  }

  /** Stops decoding and frees zlib's memory; safe to call at any time. */
  destroy(): void {
    for (const stage of this.#stages ?? []) stage.destroy();
  }

  #build(firstBytes: Uint8Array): Transform[] {
    const stages = this.#codings.map((coding, i) =>
      // Only the outermost stage sees wire bytes; inner deflate stages are assumed zlib-wrapped.
      stageFor(coding, i === 0 ? firstBytes : Uint8Array.of(0x78, 0x9c)),
    );
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i]!;
      stage.on('error', () => this.#stop('corrupt'));
      const next = stages[i + 1];
      if (next) stage.pipe(next);
      else stage.on('data', (out: Buffer) => this.#deliver(stage, out));
    }
    return stages;
  }

  #deliver(stage: Transform, out: Buffer): void {
    if (this.#failure !== null) return;
    this.#decoded += out.length;
    if (this.#limit >= 0 && this.#decoded > this.#limit) {
      this.#stop('limit');
      return;
    }
    // The consumer's failure is its own, not a corrupt stream: keep it for the caller, and never
    // let it escape into zlib's event emitter, where it would be an uncaught exception.
    let consumed: unknown;
    try {
      consumed = this.#onOutput(out);
    } catch (error) {
      this.#outputFailed(error);
      return;
    }
    if (isThenable(consumed)) {
      stage.pause();
      consumed.then(
        () => stage.resume(),
        (error: unknown) => this.#outputFailed(error),
      );
    }
  }

  #outputFailed(error: unknown): void {
    if (this.#failure === null) this.#outputError = error;
    this.#stop('output');
  }

  #stop(failure: DecodeFailure): void {
    if (this.#failure !== null) return;
    this.#failure = failure;
    this.destroy();
    for (const done of [...this.#waiting]) done();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
