import { USER_AGENT } from '@gdhttp/client';
import pkg from '../package.json' with { type: 'json' };

/**
 * The `--version` line: this command's version, then the User-Agent it sends (the library's
 * version, Node's and the platform), as curl names its libcurl.
 *
 * @returns e.g. `gdhttp 0.1.0 (gdhttp/0.0.0 (Node.js 20.20.2; linux))`.
 */
export function versionText(): string {
  return `gdhttp ${pkg.version} (${USER_AGENT})`;
}
