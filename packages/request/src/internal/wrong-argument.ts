/**
 * Why the arguments of a request cannot be used, or `null`. Each argument of the wrong type is
 * refused with INVALID_PARAMETER by the caller: a script ported from GDScript must get a code,
 * never an exception (both builds of HTTPRequest share this rule).
 *
 * @param url - the URL argument.
 * @param headers - the headers argument.
 * @param body - the body, as bytes (`request()` has encoded a string body already).
 * @param options - the options argument.
 * @returns a message naming the argument, or `null` when all have the right type.
 */
export function wrongArgument(
  url: unknown,
  headers: unknown,
  body: unknown,
  options: unknown,
): string | null {
  if (typeof url !== 'string') return 'url must be a string';
  if (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string')) {
    return 'headers must be an array of "Name: value" strings';
  }
  if (!(body instanceof Uint8Array)) return 'body must be a string (request) or bytes (requestRaw)';
  if (typeof options !== 'object' || options === null) return 'options must be an object';
  return null;
}
