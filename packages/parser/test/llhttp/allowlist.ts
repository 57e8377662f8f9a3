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
 * (anchors §2.4 "version skew"). Where they disagree the md suite is the spec.
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
