/** The contract every benchmarked parser implements. */

/** What a pass over a corpus produced; also a checksum that keeps the work observable. */
export interface PassResult {
  /** Completed responses. */
  messages: number;
  /** Sum of status codes. */
  statusSum: number;
  /** Header fields seen (name/value pairs). */
  fields: number;
  /** Sum of header name + value string lengths. */
  headerChars: number;
  /** Body bytes delivered. */
  bodyBytes: number;
}

export interface ParserAdapter {
  name: string;
  /** One line on how the callbacks receive data (printed under the table). */
  note: string;
  /**
   * Parses all of `buffer` with one fresh parser, fed in `slice`-byte reads, with the minimal
   * callbacks a client needs: status code, header name and value as strings, body as bytes.
   */
  pass(buffer: Buffer, slice: number): PassResult;
}

export function emptyResult(): PassResult {
  return { messages: 0, statusSum: 0, fields: 0, headerChars: 0, bodyBytes: 0 };
}

/** `Buffer#latin1Slice`: the fastest way from bytes to a one-byte string (undici uses it too). */
export const latin1Slice = (b: Buffer, start: number, end: number): string =>
  (b as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
