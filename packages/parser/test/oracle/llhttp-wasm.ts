/**
 * Oracle: llhttp's wasm build as undici ships it (`undici/lib/llhttp/llhttp-wasm.js`, the plain,
 * non-SIMD module), driven the way undici's `lib/dispatcher/client-h1.js` drives it: each chunk is
 * copied into wasm memory, `llhttp_execute` runs, and span callbacks translate wasm pointers back
 * to the JS chunk. The version is pinned (`undici@7.30.2`): these are internal files with no
 * semver promise. Same result shape as the native oracle; the embedder behaviour that Node's
 * binding adds is reproduced (trailing OWS trimmed from values), the embedder limits are not
 * (no header-size or chunk-extension cap in wasm).
 */
import { createRequire } from 'node:module';
import {
  concatBytes,
  latin1,
  lenientMask,
  type OracleError,
  type OracleOptions,
  type OracleResult,
  trimOWS,
} from './types.ts';

const require = createRequire(import.meta.url);

/** The slice of the WebAssembly JS API used here (the project's lib has no DOM/wasm typings). */
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

/** The undici version the wasm bytes come from. */
export const undiciVersion: string = (require('undici/package.json') as { version: string })
  .version;

const constants = require('undici/lib/llhttp/constants.js') as {
  ERROR: Record<string, number>;
  TYPE: { RESPONSE: number };
};
const errorNames = new Map<number, string>();
for (const [name, code] of Object.entries(constants.ERROR)) errorNames.set(code, `HPE_${name}`);
const PAUSED_UPGRADE = constants.ERROR.PAUSED_UPGRADE!;
const OK = constants.ERROR.OK!;

interface LlhttpExports {
  memory: { buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(p: number): void;
  llhttp_execute(p: number, data: number, len: number): number;
  llhttp_finish(p: number): number;
  llhttp_get_error_pos(p: number): number;
  llhttp_get_error_reason(p: number): number;
  llhttp_get_http_major(p: number): number;
  llhttp_get_http_minor(p: number): number;
  llhttp_resume_after_upgrade(p: number): void;
  [setter: `llhttp_set_lenient_${string}`]: (p: number, on: number) => void;
}

/** Span and event callbacks the module calls into. Return 0 to continue. */
export interface WasmHandler {
  onMessageBegin(): number;
  onStatus(buf: Uint8Array, start: number, end: number): number;
  onHeaderField(buf: Uint8Array, start: number, end: number): number;
  onHeaderValue(buf: Uint8Array, start: number, end: number): number;
  onHeadersComplete(status: number, upgrade: boolean, keepAlive: boolean): number;
  onBody(buf: Uint8Array, start: number, end: number): number;
  onMessageComplete(): number;
}

/** llhttp lenient setters in flag-bit order. */
const lenientSetters = [
  'headers',
  'chunked_length',
  'keep_alive',
  'transfer_encoding',
  'version',
  'data_after_close',
  'optional_lf_after_cr',
  'optional_crlf_after_chunk',
  'optional_cr_before_lf',
  'spaces_after_chunk_size',
] as const;

/**
 * One wasm llhttp instance shared by every parser made from it (like undici, callbacks dispatch to
 * whichever parser is executing). Exposed so the benchmark can drive it with its own handler.
 */
export class WasmLlhttp {
  readonly exports: LlhttpExports;
  #handler: WasmHandler | null = null;
  #buf: Uint8Array = new Uint8Array(0);
  #bufPtr = 0;
  #bufSize = 0;

  /** @param wasmBytes - the module bytes (default: undici's plain build). */
  constructor(wasmBytes?: Uint8Array) {
    const bytes = wasmBytes ?? (require('undici/lib/llhttp/llhttp-wasm.js') as Uint8Array);
    const span =
      (pick: (h: WasmHandler, b: Uint8Array, s: number, e: number) => number) =>
      (_p: number, at: number, len: number): number => {
        const start = at - this.#bufPtr;
        return pick(this.#handler!, this.#buf, start, start + len);
      };
    const instance = new WA.Instance(new WA.Module(bytes), {
      env: {
        wasm_on_url: () => 0,
        wasm_on_status: span((h, b, s, e) => h.onStatus(b, s, e)),
        wasm_on_message_begin: () => this.#handler!.onMessageBegin(),
        wasm_on_header_field: span((h, b, s, e) => h.onHeaderField(b, s, e)),
        wasm_on_header_value: span((h, b, s, e) => h.onHeaderValue(b, s, e)),
        wasm_on_headers_complete: (_p: number, status: number, upgrade: number, ka: number) =>
          this.#handler!.onHeadersComplete(status, upgrade === 1, ka === 1),
        wasm_on_body: span((h, b, s, e) => h.onBody(b, s, e)),
        wasm_on_message_complete: () => this.#handler!.onMessageComplete(),
      },
    });
    this.exports = instance.exports as unknown as LlhttpExports;
  }

  /** Allocates a response parser with the given lenient bitmask; free it with `free()`. */
  alloc(lenient = 0): number {
    const p = this.exports.llhttp_alloc(constants.TYPE.RESPONSE);
    for (let bit = 0; bit < lenientSetters.length; bit++) {
      if (lenient & (1 << bit)) this.exports[`llhttp_set_lenient_${lenientSetters[bit]!}`]!(p, 1);
    }
    return p;
  }

  /**
   * Runs `llhttp_execute` over `chunk` with `handler` receiving the callbacks.
   *
   * @returns the llhttp error code (0 = OK) and the offset in `chunk` where it stopped.
   */
  execute(p: number, chunk: Uint8Array, handler: WasmHandler): { code: number; pos: number } {
    const ex = this.exports;
    if (chunk.length > this.#bufSize) {
      if (this.#bufPtr) ex.free(this.#bufPtr);
      this.#bufSize = Math.ceil(chunk.length / 4096) * 4096;
      this.#bufPtr = ex.malloc(this.#bufSize);
    }
    new Uint8Array(ex.memory.buffer, this.#bufPtr, chunk.length).set(chunk);
    this.#handler = handler;
    this.#buf = chunk;
    let code: number;
    try {
      code = ex.llhttp_execute(p, this.#bufPtr, chunk.length);
    } finally {
      this.#handler = null;
    }
    const pos = code === OK ? chunk.length : ex.llhttp_get_error_pos(p) - this.#bufPtr;
    return { code, pos };
  }

  /** Signals EOF; returns the llhttp error code (0 = OK). */
  finish(p: number, handler: WasmHandler): number {
    this.#handler = handler;
    try {
      return this.exports.llhttp_finish(p);
    } finally {
      this.#handler = null;
    }
  }

  /** The parser's current error reason string. */
  reason(p: number): string {
    const ptr = this.exports.llhttp_get_error_reason(p);
    if (!ptr) return '';
    const mem = new Uint8Array(this.exports.memory.buffer);
    const end = mem.indexOf(0, ptr);
    return latin1(mem, ptr, end);
  }

  /** `HPE_*` name of an llhttp error code. */
  static errorName(code: number): string {
    return errorNames.get(code) ?? `HPE_UNKNOWN_${code}`;
  }
}

let shared: WasmLlhttp | null = null;

interface Building {
  version: string;
  status: number;
  reason: string;
  headers: [string, string][];
  trailers: [string, string][];
  body: Uint8Array[];
  keepAlive: boolean;
  upgrade: boolean;
  complete: boolean;
}

/**
 * Parses response bytes with undici's wasm llhttp.
 *
 * @param chunks - the input, fed to `llhttp_execute()` piece by piece.
 * @param opts - request method, leniency, EOF (`maxHeaderSize` is not enforced by wasm llhttp).
 * @returns the messages, the first error, bytes parsed and the upgrade offset.
 */
export function parseResponseWasm(
  chunks: readonly Uint8Array[],
  opts: OracleOptions = {},
): OracleResult {
  shared ??= new WasmLlhttp();
  const ll = shared;
  const method = opts.method ?? 'GET';
  const eof = opts.eof ?? true;
  const p = ll.alloc(lenientMask(opts.lenient));

  const messages: Building[] = [];
  let cur: Building | null = null;
  let field = '';
  let value = '';
  let inValue = false;
  let afterHead = false;
  // like Node's binding, trailers are reported only when the message completes
  let trailers: [string, string][] = [];
  const flush = () => {
    if (!inValue) return;
    const pair: [string, string] = [field, trimOWS(value)];
    (afterHead ? trailers : cur!.headers).push(pair);
    field = '';
    value = '';
    inValue = false;
  };

  const handler: WasmHandler = {
    onMessageBegin() {
      cur = {
        version: '',
        status: 0,
        reason: '',
        headers: [],
        trailers: [],
        body: [],
        keepAlive: false,
        upgrade: false,
        complete: false,
      };
      field = '';
      value = '';
      inValue = false;
      afterHead = false;
      trailers = [];
      return 0;
    },
    onStatus(b, s, e) {
      cur!.reason += latin1(b, s, e);
      return 0;
    },
    onHeaderField(b, s, e) {
      flush();
      field += latin1(b, s, e);
      return 0;
    },
    onHeaderValue(b, s, e) {
      value += latin1(b, s, e);
      inValue = true;
      return 0;
    },
    onHeadersComplete(status, upgrade, keepAlive) {
      flush();
      const m = cur!;
      afterHead = true;
      m.version = `${ll.exports.llhttp_get_http_major(p)}.${ll.exports.llhttp_get_http_minor(p)}`;
      m.status = status;
      m.upgrade = upgrade;
      m.keepAlive = keepAlive;
      messages.push(m);
      if (upgrade || (method === 'CONNECT' && status >= 200 && status < 300)) {
        m.upgrade = true;
        return 2;
      }
      if (method === 'HEAD') return 1;
      return 0;
    },
    onBody(b, s, e) {
      cur!.body.push(b.slice(s, e));
      return 0;
    },
    onMessageComplete() {
      flush();
      cur!.trailers = trailers;
      cur!.complete = true;
      return 0;
    },
  };

  let error: OracleError | null = null;
  let bytesParsed = 0;
  let upgradeAt = -1;
  try {
    for (const chunk of chunks) {
      const { code, pos } = ll.execute(p, chunk, handler);
      if (code === PAUSED_UPGRADE) {
        upgradeAt = bytesParsed + pos;
        bytesParsed += pos;
        break;
      }
      if (code !== OK) {
        error = { code: WasmLlhttp.errorName(code), reason: ll.reason(p), at: bytesParsed + pos };
        break;
      }
      bytesParsed += chunk.length;
    }
    if (!error && upgradeAt < 0 && eof) {
      const code = ll.finish(p, handler);
      if (code !== OK && code !== PAUSED_UPGRADE) {
        error = { code: WasmLlhttp.errorName(code), reason: ll.reason(p), at: bytesParsed };
      }
    }
  } finally {
    ll.exports.llhttp_free(p);
  }

  return {
    messages: messages.map((m) => ({ ...m, body: concatBytes(m.body) })),
    error,
    bytesParsed,
    upgradeAt,
  };
}
