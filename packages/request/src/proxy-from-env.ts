// Proxies from the environment, by curl's rules: the one implementation, used by HTTPRequest's
// `proxyFromEnv` and by the gdhttp CLI (which adds `-x` and `--noproxy`). Why curl's rules and not
// the `proxy-from-env` package: docs/decisions/0013-proxy-environment-as-curl.md.
import { isIP } from 'node:net';

/** The environment, as `process.env` is. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/**
 * What overrides the environment, as curl's `-x` and `--noproxy` do; each `null` when not given.
 */
export interface ProxyChoice {
  /** A proxy URL that replaces the variables (`-x`); `''` means no proxy at all, as in curl. */
  proxy: string | null;
  /** An exemption list that replaces `no_proxy`/`NO_PROXY` (`--noproxy`). */
  noProxy: string | null;
}

/** A proxy URL taken apart: what `setHttpProxy()` / `setHttpsProxy()` take. */
export interface ProxyUrl {
  host: string;
  port: number;
  /** Percent-decoded user name, or `undefined` when the URL has no userinfo. */
  username: string | undefined;
  /** Percent-decoded password (`''` when only a user name is given), or `undefined`. */
  password: string | undefined;
}

const NO_CHOICE: ProxyChoice = { proxy: null, noProxy: null };

/**
 * The proxy curl would use for `url`, as typed, or `null` for none. curl's rules (lib/url.c):
 * first the exemption list, `--noproxy` or else `no_proxy` then `NO_PROXY` (see
 * {@link isNoProxy}), which applies to `-x` too; then `-x`; then the environment:
 * `http_proxy` in lower case only for http (the upper-case name can be set by a CGI server from a
 * request's `Proxy:` header, "httpoxy"), `https_proxy` then `HTTPS_PROXY` for https, then
 * `all_proxy` then `ALL_PROXY`. The first variable set wins; set but empty means no proxy.
 *
 * @param url - the request's URL (each redirect hop decides again).
 * @param env - the environment (default `process.env`).
 * @param choice - what overrides it: a command line's `-x` and `--noproxy`.
 * @returns the proxy's URL text, or `null`.
 * @example
 * ```ts
 * proxyFor(new URL('https://example.com/'), { https_proxy: 'http://proxy:3128' }); // 'http://proxy:3128'
 * proxyFor(new URL('http://example.com/'), { HTTP_PROXY: 'http://proxy:3128' }); // null (httpoxy)
 * ```
 */
export function proxyFor(
  url: URL | { protocol: string; hostname: string },
  env: ProxyEnv = process.env,
  choice: ProxyChoice = NO_CHOICE,
): string | null {
  const exempt = choice.noProxy ?? env.no_proxy ?? env.NO_PROXY ?? '';
  if (exempt !== '' && isNoProxy(url.hostname, exempt)) return null;
  const own = url.protocol === 'http:' ? env.http_proxy : (env.https_proxy ?? env.HTTPS_PROXY);
  const proxy = choice.proxy ?? own ?? env.all_proxy ?? env.ALL_PROXY;
  return proxy === undefined || proxy === '' ? null : proxy;
}

/**
 * Whether `host` is exempt from the proxy by a `no_proxy` list, as curl decides
 * (lib/noproxy.c): the whole list `*` exempts every host; entries are separated by commas and
 * blanks; a name matches itself and its subdomains (`example.com` and `.example.com` both match
 * `www.example.com`, never `notexample.com`), case-insensitively and ignoring a trailing dot; an IP
 * literal host matches an address entry, with an optional CIDR prefix length (`10.0.0.0/8`,
 * `::1`). An entry with a port, such as `localhost:8080`, never matches, as in curl.
 *
 * @param host - the URL's host name (IPv6 with or without brackets).
 * @param list - the `no_proxy` value.
 * @returns true when the proxy must not be used.
 */
export function isNoProxy(host: string, list: string): boolean {
  if (list === '*') return true;
  let name = host.startsWith('[') ? host.slice(1, -1) : host;
  const family = isIP(name);
  if (family === 0 && name.endsWith('.')) name = name.slice(0, -1);
  name = name.toLowerCase();
  for (let entry of list.split(/[\s,]+/)) {
    if (entry === '') continue;
    if (family !== 0) {
      if (cidrMatch(name, family, entry)) return true;
      continue;
    }
    entry = entry.toLowerCase();
    if (entry.endsWith('.')) entry = entry.slice(0, -1);
    if (entry.startsWith('.')) entry = entry.slice(1);
    if (entry === '') continue;
    if (name === entry) return true;
    if (name.length > entry.length && name.endsWith(entry) && name.at(-entry.length - 1) === '.') {
      return true;
    }
  }
  return false;
}

function cidrMatch(address: string, family: number, entry: string): boolean {
  const slash = entry.indexOf('/');
  const network = slash < 0 ? entry : entry.slice(0, slash);
  if (isIP(network) !== family) return false;
  const width = family === 4 ? 32 : 128;
  // curl reads the length with atoi: junk is 0, which means "the whole address".
  let bits = slash < 0 ? 0 : Number.parseInt(entry.slice(slash + 1), 10) || 0;
  if (bits === 0 || bits > width) bits = width;
  const a = toBits(address, family);
  const b = toBits(network, family);
  return a.slice(0, bits) === b.slice(0, bits);
}

function toBits(address: string, family: number): string {
  if (family === 4) {
    return address
      .split('.')
      .map((part) => Number(part).toString(2).padStart(8, '0'))
      .join('');
  }
  // Expand `::` and an embedded IPv4 tail into eight 16-bit groups.
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const n = v4.split('.').map(Number);
    text = `${text.slice(0, -v4.length)}${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`;
  }
  const [left = '', right] = text.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups =
    right === undefined
      ? head
      : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.map((g) => Number.parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/**
 * Takes a proxy URL apart as curl reads it: `http://[user:pass@]host[:port]`, or `host[:port]`
 * without a scheme; port 1080 when none is given, credentials percent-decoded.
 *
 * @param raw - the proxy URL, as in `http_proxy`.
 * @returns the parts, or why the URL cannot be used (HTTPClient speaks to HTTP proxies only).
 */
export function parseProxyUrl(raw: string): ProxyUrl | string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `malformed proxy URL '${redact(raw)}'`;
  }
  if (url.protocol !== 'http:') {
    return `unsupported proxy scheme '${url.protocol.slice(0, -1)}' (http only)`;
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return `no host in proxy URL '${redact(raw)}'`;
  // Read the port from the text: WHATWG URL drops a scheme's default port, so `url.port` is ''
  // for an explicit `:80`, which must not become curl's default 1080.
  const explicit = /^[^:]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/.exec(withScheme)?.[1];
  const port = explicit === undefined ? 1080 : Number(explicit);
  if (port < 1 || port > 65535) return `no usable port in proxy URL '${redact(raw)}'`;
  return {
    host,
    port,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.username === '' ? undefined : decodeURIComponent(url.password),
  };
}

/** A proxy URL without its userinfo, for messages (which never carry secrets). */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
