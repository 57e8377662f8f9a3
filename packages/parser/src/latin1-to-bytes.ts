/**
 * The bytes of a latin-1 string, such as a header name or value from {@link ResponseParser}: each
 * code unit becomes one byte, so this recovers exactly the bytes the server sent.
 *
 * @param s - a string whose code units are all ≤ 0xFF.
 * @returns a new array, one byte per code unit.
 * @throws RangeError when a code unit is above 0xFF (the string did not come from the parser).
 * @example
 * ```ts
 * latin1ToBytes('caf\u00e9'); // Uint8Array [0x63, 0x61, 0x66, 0xe9]
 * ```
 */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`Code unit ${c} at index ${i} is not latin-1`);
    out[i] = c;
  }
  return out;
}
