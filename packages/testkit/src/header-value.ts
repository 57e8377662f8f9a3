/**
 * The value of the field `name` in Godot-style `"Name: value"` header lines (what
 * `HTTPClient.getResponseHeaders()` and `HTTPRequest`'s result hold), compared
 * case-insensitively; several lines are combined with `, ` as RFC 9110 §5.3 allows.
 *
 * @param lines - the header lines.
 * @param name - the field name.
 * @returns the value, or `undefined` when no line has the field.
 */
export function headerValue(lines: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === lower) {
      values.push(line.slice(colon + 1).trim());
    }
  }
  return values.length === 0 ? undefined : values.join(', ');
}
