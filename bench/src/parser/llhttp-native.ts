/**
 * llhttp 9.3.1 compiled into Node 20, through `process.binding('http_parser')` as
 * `lib/_http_client.js` drives it. The binding builds the header strings itself and hands each
 * body span over as a fresh copy (a `Buffer`), so "body as views" is not available here.
 */
import { emptyResult, type ParserAdapter, type PassResult } from './adapter.ts';

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(chunk: Buffer): number | Error;
  finish(): unknown;
  close(): void;
  [key: number]: unknown;
}

interface NativeParserClass {
  new (): NativeParser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

process.noDeprecation = true;
const { HTTPParser } = (
  process as unknown as { binding(name: string): { HTTPParser: NativeParserClass } }
).binding('http_parser');

export const llhttpNative: ParserAdapter = {
  name: `llhttp ${process.versions.llhttp} native`,
  note: 'Node binding: header strings built in C++, body spans arrive as copies (Buffer)',
  pass(buffer: Buffer, slice: number): PassResult {
    const r = emptyResult();
    const p = new HTTPParser();
    p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    const addHeaders = (h: string[]) => {
      r.fields += h.length >> 1;
      for (let i = 0; i < h.length; i++) r.headerChars += h[i]!.length;
    };
    p[HTTPParser.kOnHeaders] = addHeaders;
    p[HTTPParser.kOnHeadersComplete] = (
      _maj: number,
      _min: number,
      headers: string[] | undefined,
      _m: unknown,
      _u: unknown,
      status: number,
    ) => {
      r.statusSum += status;
      if (headers) addHeaders(headers);
      return 0;
    };
    p[HTTPParser.kOnBody] = (b: Buffer) => {
      r.bodyBytes += b.length;
    };
    p[HTTPParser.kOnMessageComplete] = () => {
      r.messages++;
    };
    for (let i = 0; i < buffer.length; i += slice) {
      const ret = p.execute(buffer.subarray(i, i + slice));
      if (typeof ret !== 'number') throw ret;
    }
    p.close();
    return r;
  },
};
