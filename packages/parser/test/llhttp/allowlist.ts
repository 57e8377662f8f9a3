/**
 * Translated llhttp cases whose expectation (llhttp v9.4.x) is not what a given parser does, each
 * with the reason. A test asserts every listed case really does differ, so entries cannot rot.
 */

export interface AllowedDifference {
  /** Case id in `cases/index.json`. */
  id: string;
  /** Why the difference is accepted. */
  reason: string;
}

/**
 * The llhttp inside Node 20.20.2 and undici 7.30.2's wasm are both 9.3.x; the md suite is newer
 * (version skew, docs/references.md#comparing-with-llhttp). Where they disagree the md suite is
 * the spec.
 */
export const llhttpVersionSkew: AllowedDifference[] = [
  {
    id: 'content-length-04-tabs-in-content-length-surrounding',
    reason:
      'llhttp 9.4.0 (commit 312b74f) accepts HTAB around a Content-Length value; 9.3.x rejects it ' +
      'with HPE_INVALID_CONTENT_LENGTH.',
  },
  {
    id: 'transfer-encoding-01-empty-transfer-encoding-with-content-length',
    reason:
      'newer llhttp rejects an empty Transfer-Encoding value (HPE_INVALID_TRANSFER_ENCODING); ' +
      '9.3.x ignores it and frames the body by Content-Length.',
  },
];

/**
 * Cases where gdhttp's parser deliberately differs from llhttp v9.4.x (each also listed in
 * `packages/parser/README.md` under "Differences from llhttp").
 */
export const gdhttpDifferences: AllowedDifference[] = [
  {
    id: 'sample-02-rtsp-response',
    reason: 'Only HTTP/1.0 and HTTP/1.1 status lines are accepted; llhttp also parses RTSP/1.x.',
  },
  {
    id: 'sample-03-ice-response',
    reason: 'Only HTTP/1.0 and HTTP/1.1 status lines are accepted; llhttp also parses ICE/1.x.',
  },
  {
    id: 'sample-18-http-version-0-9',
    reason:
      'Only HTTP/1.0 and HTTP/1.1 status lines are accepted; llhttp accepts HTTP/0.9 (and 2.0).',
  },
  {
    id: 'connection-07-http-1-1-with-keep-alive-disabled-content-length-lenient',
    reason:
      'Harness: the gdhttp oracle takes leniency as all-or-nothing and this case needs ' +
      'data_after_close alone; with every leniency on (keep_alive included) llhttp itself also ' +
      'parses the trailing bytes as a next response and rejects them.',
  },
];
