/**
 * Accepted divergence classes between gdhttp's parser and native llhttp 9.3.1 (Node 20), each a
 * named predicate with its reason. Every class is listed in `packages/parser/README.md` under
 * "Differences from llhttp". A class must be narrow: it names the input feature that causes the
 * difference and the direction of the difference, so it cannot hide an unrelated bug.
 */
import type { Divergence, DivergenceClass } from './differential-harness.ts';

/** Offsets of every CR that ends a status-line-looking run and is not followed by LF. */
function statusLineBareCRs(input: string): number[] {
  const out: number[] = [];
  for (const m of input.matchAll(/HTTP\/\d\.\d [^\r\n]*\r(?!\n)/g))
    out.push(m.index + m[0].length - 1);
  return out;
}

const refAcceptsSubRejects = (d: Divergence) =>
  d.reference.error === null && d.subject.error !== null;
const refRejectsSubAccepts = (d: Divergence) =>
  d.reference.error !== null && d.subject.error === null;

/** A field named `name` with a token followed by HTAB before a comma or the end of the value. */
function fieldHasTokenThenTab(input: string, name: RegExp): boolean {
  for (const line of input.split('\r\n')) {
    const m = /^([^:\r\n]*):(.*)$/.exec(line);
    if (m && name.test(m[1]!) && /[^ \t,]\t[ \t]*(,|$)/.test(m[2]!)) return true;
  }
  return false;
}

export const divergenceClasses: DivergenceClass[] = [
  {
    name: 'status-line-bare-cr',
    kind: 'version-skew',
    reason:
      'A status line ended by CR not followed by LF ("200 OK\\r\\r…"): llhttp 9.3.1 accepts it, ' +
      'llhttp 9.4.2 (commit 0df72aa) and gdhttp reject it.',
    matches: (d) =>
      refAcceptsSubRejects(d) &&
      statusLineBareCRs(d.input).some((cr) => Math.abs(d.subject.error!.at - cr) <= 1),
  },
  {
    name: 'content-length-htab',
    kind: 'version-skew',
    reason:
      'HTAB around a Content-Length value: llhttp 9.3.1 rejects it (HPE_INVALID_CONTENT_LENGTH), ' +
      'llhttp 9.4.0+ (commit 312b74f) and gdhttp accept it as OWS.',
    matches: (d) =>
      refRejectsSubAccepts(d) &&
      d.reference.error!.code === 'HPE_INVALID_CONTENT_LENGTH' &&
      /content-length:[^\r\n]*\t/i.test(d.input),
  },
  {
    name: 'connection-token-htab',
    kind: 'version-skew',
    reason:
      'A Connection (or Proxy-Connection) token followed by HTAB ("close\\t", "close\\t, upgrade"): ' +
      'llhttp 9.3.1 does not recognise the token, llhttp 9.4.2 (commit ac55259) and gdhttp do.',
    matches: (d) =>
      fieldHasTokenThenTab(d.input, /^(proxy-)?connection$/i) &&
      (d.diff.includes('keepAlive') ||
        d.diff.startsWith('verdict') ||
        d.diff.includes('message count')),
  },
  {
    name: 'empty-transfer-encoding',
    kind: 'version-skew',
    reason:
      'An empty Transfer-Encoding value: llhttp 9.3.1 ignores it, newer llhttp (the v9.4.2 test ' +
      '"Empty Transfer-Encoding with Content-Length") and gdhttp reject it.',
    matches: (d) =>
      refAcceptsSubRejects(d) &&
      d.subject.error!.code === 'HPE_INVALID_TRANSFER_ENCODING' &&
      /(^|\r\n)transfer-encoding:[ \t]*\r\n/i.test(d.input),
  },
  {
    name: 'interim-1xx-without-body',
    kind: 'policy',
    reason:
      'Every 1xx other than 101 is an interim response without a body (RFC 9110 §15.2, RFC 9112 ' +
      '§6.3 rule 1); llhttp only treats 100, 102 and 103 that way and frames other 1xx bodies by ' +
      'Content-Length / chunked / EOF.',
    matches: (d) =>
      [...d.reference.messages, ...d.subject.messages].some(
        (m) => m.status >= 104 && m.status <= 199,
      ),
  },
  {
    name: 'keep-alive-before-no-body',
    kind: 'policy',
    reason:
      'For a HEAD response or a 2xx to CONNECT without framing headers, llhttp computes ' +
      'should_keep_alive before the embedder answers "no body" from on_headers_complete, so it ' +
      'reports keepAlive false as if the body ran to EOF (undici overrides it for HEAD in ' +
      'client-h1.js); gdhttp knows the request method and reports the persistence the headers ' +
      'give (RFC 9112 §9.3).',
    matches: (d) => {
      if (!/keepAlive: false vs true$/.test(d.diff)) return false;
      const i = Number(/^message (\d+)/.exec(d.diff)?.[1] ?? -1);
      const m = d.subject.messages[i];
      return (
        m !== undefined &&
        (d.method === 'HEAD' || (d.method === 'CONNECT' && m.status >= 200 && m.status < 300))
      );
    },
  },
  {
    name: 'http-version-not-1x',
    kind: 'policy',
    reason:
      'Only HTTP/1.0 and HTTP/1.1 status lines are accepted; llhttp also accepts HTTP/0.9 and ' +
      'HTTP/2.0 (and RTSP/ICE protocols).',
    matches: (d) =>
      refAcceptsSubRejects(d) &&
      d.reference.messages.some((m) => m.version !== '1.0' && m.version !== '1.1'),
  },
];
