// A pure stand-in for `node:net`'s `isIP`, so the Godot rules shared by the Node and the web
// HTTPClient import no Node module. It accepts exactly what Node 20's `isIP` accepts (the tests
// compare the two on generated addresses): strict dotted-decimal IPv4 (no leading zeros), and
// IPv6 with at most one `::`, an optional trailing IPv4 part and an optional `%zone`.

/** One dotted-decimal octet as Node writes the rule: 0–255 without leading zeros. */
function isOctet(text: string): boolean {
  if (text.length === 0 || text.length > 3) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return false;
  return Number(text) <= 255;
}

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every(isOctet);
}

/** One IPv6 group: 1–4 hexadecimal digits. */
function isHexGroup(text: string): boolean {
  return /^[0-9a-fA-F]{1,4}$/.test(text);
}

/**
 * Counts the 16-bit groups of a `:`-separated run (an IPv4 part, allowed last when `v4Last`,
 * counts as two); -1 when a group is malformed. An empty run has no group.
 */
function groupCount(run: string, v4Last: boolean): number {
  if (run === '') return 0;
  const groups = run.split(':');
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (isHexGroup(group)) count += 1;
    else if (v4Last && i === groups.length - 1 && isIPv4(group)) count += 2;
    else return -1;
  }
  return count;
}

function isIPv6(text: string): boolean {
  let address = text;
  const percent = text.indexOf('%');
  if (percent >= 0) {
    // Node accepts any non-empty zone of letters, digits, `-`, `.` and `:`.
    if (!/^[0-9a-zA-Z.:-]+$/.test(text.slice(percent + 1))) return false;
    address = text.slice(0, percent);
  }
  const gap = address.indexOf('::');
  if (gap < 0) return groupCount(address, true) === 8;
  if (address.indexOf('::', gap + 1) >= 0) return false;
  const left = groupCount(address.slice(0, gap), false);
  const right = groupCount(address.slice(gap + 2), true);
  // `::` stands for at least one zero group.
  return left >= 0 && right >= 0 && left + right <= 7;
}

/**
 * The IP version of a textual address: 4, 6, or 0 when it is not one (a host name, a bracketed
 * literal). Same answers as `node:net`'s `isIP`, without importing it.
 */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (isIPv4(host)) return 4;
  return host.includes(':') && isIPv6(host) ? 6 : 0;
}
