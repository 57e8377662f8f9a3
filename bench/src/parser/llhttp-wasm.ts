/**
 * llhttp's wasm build as undici ships it (plain, non-SIMD `lib/llhttp/llhttp-wasm.js` from the
 * pinned `undici` devDependency), driven the way undici's `lib/dispatcher/client-h1.js` does:
 * every read is copied into wasm memory, `llhttp_execute` runs, span callbacks map wasm pointers
 * back to the JS buffer; header strings via `latin1Slice`, body spans as views of the read.
 */
import { createRequire } from 'node:module';
import { emptyResult, latin1Slice, type ParserAdapter, type PassResult } from './adapter.ts';

const require = createRequire(import.meta.url);
export const undiciVersion = (require('undici/package.json') as { version: string }).version;

interface Exports {
  memory: { buffer: ArrayBuffer };
  malloc(n: number): number;
  free(p: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(p: number): void;
  llhttp_execute(p: number, data: number, len: number): number;
}

interface Handler {
  field(b: Buffer, s: number, e: number): void;
  value(b: Buffer, s: number, e: number): void;
  headers(status: number): void;
  body(b: Buffer, s: number, e: number): void;
  complete(): void;
}

const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: unknown };
    };
  }
).WebAssembly;

function instantiate(file: string) {
  let h: Handler | null = null;
  let buf: Buffer = Buffer.alloc(0);
  let ptr = 0;
  const instance = new WA.Instance(new WA.Module(require(file) as Uint8Array), {
    env: {
      wasm_on_url: () => 0,
      wasm_on_status: () => 0,
      wasm_on_message_begin: () => 0,
      wasm_on_header_field: (_p: number, at: number, len: number) => {
        h!.field(buf, at - ptr, at - ptr + len);
        return 0;
      },
      wasm_on_header_value: (_p: number, at: number, len: number) => {
        h!.value(buf, at - ptr, at - ptr + len);
        return 0;
      },
      wasm_on_headers_complete: (_p: number, status: number) => {
        h!.headers(status);
        return 0;
      },
      wasm_on_body: (_p: number, at: number, len: number) => {
        h!.body(buf, at - ptr, at - ptr + len);
        return 0;
      },
      wasm_on_message_complete: () => {
        h!.complete();
        return 0;
      },
    },
  });
  const ex = instance.exports as Exports;
  let size = 0;
  return {
    ex,
    execute(p: number, chunk: Buffer, handler: Handler): number {
      if (chunk.length > size) {
        if (ptr) ex.free(ptr);
        size = Math.ceil(chunk.length / 4096) * 4096;
        ptr = ex.malloc(size);
      }
      new Uint8Array(ex.memory.buffer, ptr, size).set(chunk);
      h = handler;
      buf = chunk;
      const ret = ex.llhttp_execute(p, ptr, chunk.length);
      h = null;
      return ret;
    },
  };
}

let shared: ReturnType<typeof instantiate> | null = null;

export const llhttpWasm: ParserAdapter = {
  name: 'llhttp wasm (undici)',
  note: `undici ${undiciVersion} llhttp-wasm.js: each read copied into wasm memory; strings via latin1Slice, body as views`,
  pass(buffer: Buffer, slice: number): PassResult {
    shared ??= instantiate('undici/lib/llhttp/llhttp-wasm.js');
    const ll = shared;
    const r = emptyResult();
    // header names/values may straddle reads: concatenate consecutive spans of the same kind
    let lastWasValue = true;
    let field = '';
    let value = '';
    let inHeader = false;
    const flush = () => {
      if (inHeader) {
        r.fields++;
        r.headerChars += field.length + value.length;
        inHeader = false;
      }
    };
    const handler: Handler = {
      field(b, s, e) {
        if (lastWasValue) {
          flush();
          field = latin1Slice(b, s, e);
          value = '';
          inHeader = true;
        } else field += latin1Slice(b, s, e);
        lastWasValue = false;
      },
      value(b, s, e) {
        value = lastWasValue ? value + latin1Slice(b, s, e) : latin1Slice(b, s, e);
        lastWasValue = true;
      },
      headers(status) {
        flush();
        lastWasValue = true;
        r.statusSum += status;
      },
      body(b, s, e) {
        const view = new Uint8Array(b.buffer, b.byteOffset + s, e - s);
        r.bodyBytes += view.length;
      },
      complete() {
        r.messages++;
      },
    };
    const p = ll.ex.llhttp_alloc(2);
    for (let i = 0; i < buffer.length; i += slice) {
      const ret = ll.execute(p, buffer.subarray(i, i + slice), handler);
      if (ret !== 0) throw new Error(`llhttp wasm error ${ret}`);
    }
    ll.ex.llhttp_free(p);
    return r;
  },
};
