const reverseMaps = new WeakMap<object, Map<number, string>>();

/**
 * The member name of an enum value, for logs: `nameOf(Status, 5)` is `'CONNECTED'`.
 *
 * Works with every gdhttp enum object. Where two names share a number (none do today) the first
 * declared wins.
 *
 * @param enumObject - an enum object such as `Status` or `ErrorCode`.
 * @param value - the number to name.
 * @returns the member name, or `undefined` if no member has that number.
 * @example
 * ```ts
 * import { ErrorCode, nameOf } from '@gdhttp/constants';
 * nameOf(ErrorCode, 31); // 'INVALID_PARAMETER'
 * ```
 */
export function nameOf<E extends Readonly<Record<string, number>>>(
  enumObject: E,
  value: number,
): (keyof E & string) | undefined {
  let reverse = reverseMaps.get(enumObject);
  if (reverse === undefined) {
    reverse = new Map();
    for (const [name, number] of Object.entries(enumObject)) {
      if (!reverse.has(number)) reverse.set(number, name);
    }
    reverseMaps.set(enumObject, reverse);
  }
  return reverse.get(value) as (keyof E & string) | undefined;
}
