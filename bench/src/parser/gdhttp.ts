/**
 * gdhttp's `ResponseParser` (workspace source through the `@gdhttp/source` condition): the parser
 * builds the status, header name and value strings itself and hands the body over as views of the
 * read (no copy).
 */
import { ResponseParser } from '@gdhttp/parser';
import { emptyResult, type ParserAdapter, type PassResult } from './adapter.ts';

export const gdhttp: ParserAdapter = {
  name: 'gdhttp ResponseParser',
  note: 'pure TS: header strings built by the parser, body as zero-copy views of each read',
  pass(buffer: Buffer, slice: number): PassResult {
    const r = emptyResult();
    const parser = new ResponseParser({
      onStatus(status) {
        r.statusSum += status;
      },
      onHeader(name, value) {
        r.fields++;
        r.headerChars += name.length + value.length;
      },
      onBody(data) {
        r.bodyBytes += data.length;
      },
      onMessageComplete() {
        r.messages++;
      },
    });
    for (let i = 0; i < buffer.length; i += slice) parser.execute(buffer.subarray(i, i + slice));
    return r;
  },
};
