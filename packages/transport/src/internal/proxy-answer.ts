/** Longest proxy answer head accepted, matching the parser's default head limit (16 KiB). */
export const PROXY_HEAD_LIMIT = 16 * 1024;

/** The outcome of looking at the bytes a proxy sent in answer to CONNECT. */
export type ProxyAnswer =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly status: number; readonly length: number }
  | { readonly kind: 'malformed'; readonly detail: string };

const INCOMPLETE: ProxyAnswer = { kind: 'incomplete' };
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9][0-9])(?: [\t\x20-\x7e\x80-\xff]*)?$/;
// RFC 9110 §5.1 token, then any visible bytes: no obs-fold (a line starting with a space fails).
const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Reads one response head from the start of `bytes`, strictly and without reading any further.
 *
 * Only the status matters to a tunnel, but every line is checked so a proxy (or something posing
 * as one) cannot smuggle bytes past us: CRLF line ends only, no bare CR/LF, NUL or control bytes,
 * no obs-fold. The head length is exact, so the bytes after it, which belong to the tunnelled
 * protocol, are left untouched. A body is never read: a 2xx answer to CONNECT has none (RFC 9110
 * §9.3.6: framing headers must be ignored), and a failure closes the connection anyway.
 *
 * @param bytes - what has arrived so far.
 * @returns `incomplete`, the parsed head, or why it is malformed.
 */
export function readProxyAnswer(bytes: Uint8Array): ProxyAnswer {
  const end = findHeadEnd(bytes);
  if (end < 0) {
    const bare = findBareLineBreak(bytes, bytes.length);
    if (bare >= 0) return { kind: 'malformed', detail: `bare CR or LF at byte ${bare}` };
    if (bytes.length > PROXY_HEAD_LIMIT) {
      return { kind: 'malformed', detail: `head longer than ${PROXY_HEAD_LIMIT} bytes` };
    }
    return INCOMPLETE;
  }
  if (end > PROXY_HEAD_LIMIT) {
    return { kind: 'malformed', detail: `head longer than ${PROXY_HEAD_LIMIT} bytes` };
  }
  const bare = findBareLineBreak(bytes, end);
  if (bare >= 0) return { kind: 'malformed', detail: `bare CR or LF at byte ${bare}` };
  const text = latin1(bytes.subarray(0, end));
  const lines = text.split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (match === null) return { kind: 'malformed', detail: 'invalid status line' };
  for (let i = 1; i < lines.length; i++) {
    if (!FIELD_LINE.test(lines[i]!)) {
      return { kind: 'malformed', detail: `invalid header line ${i}` };
    }
  }
  return { kind: 'head', status: Number(match[1]), length: end + 4 };
}

/** Index of the CRLF CRLF ending the head, or -1. */
function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Index of a CR not followed by LF or an LF not preceded by CR, before `end`; else -1. */
function findBareLineBreak(bytes: Uint8Array, end: number): number {
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte === 13 && i + 1 < bytes.length && bytes[i + 1] !== 10) return i;
    if (byte === 10 && (i === 0 || bytes[i - 1] !== 13)) return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}
