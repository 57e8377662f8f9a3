/** Helpers that cut one input into the pieces a parser is fed. */

/** Pieces of `size` bytes (the last may be shorter), as llhttp's md-test "scan" does. */
export function scanSplit(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  if (out.length === 0) out.push(input);
  return out;
}

/** Cuts at the given offsets (sorted, clamped); empty pieces are kept, like a 0-byte read. */
export function splitAt(input: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...points].map((p) => Math.max(0, Math.min(input.length, p))).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(input.subarray(prev, c));
    prev = c;
  }
  out.push(input.subarray(prev));
  return out;
}
