/**
 * One `-F`/`--form` value read as curl 7.88 reads it (src/tool_formparse.c: formparse,
 * get_param_part, get_param_word): `name=value`, `name=@file` (a file part), `name=@a,b` (several
 * files in one `multipart/mixed` part), `name=<file` (the file's content as a field), each with
 * `;type=`, `;filename=` and `;headers=` (a line, or `@file`/`<file` of lines) after it, values
 * optionally in double quotes (`\"` and `\\` escaped). Pure: files, header files included, are
 * read when the body is laid out (form-body.ts).
 */

/**
 * What a part's bytes are: typed text, a file sent as a file, a file's content as a field, or
 * several files (`@a,b`: a `multipart/mixed` part holding one part per file, in `files`).
 */
export type FormPartKind = 'text' | 'file' | 'content' | 'files';

/** A `;headers=` value: a header line as typed, or a file of header lines (`@file`, `<file`). */
export type PartHeader = string | { file: string };

/** One multipart part, as the command line gave it. */
export interface FormPart {
  /** The field name (before the first `=`). */
  name: string;
  kind: FormPartKind;
  /** The text, or the file's path (`-` for stdin). */
  value: string;
  /** The `filename` parameter to send, or `null` for none. */
  filename: string | null;
  /** The part's `Content-Type`, or `null` for none. */
  type: string | null;
  /** Extra header lines of the part (`;headers=`), in order. */
  headers: PartHeader[];
  /**
   * `files` only: one part per file, each with its own `filename`, `type` and `headers` (the
   * parameters after a file belong to it, as in curl); the outer part has none of its own.
   */
  files?: FormPart[];
}

/**
 * curl's content types by file name (lib/mime.c, ContentTypeForFilename), matched on the end of
 * the name without regard to case.
 */
const TYPES: readonly (readonly [string, string])[] = [
  ['.gif', 'image/gif'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.png', 'image/png'],
  ['.svg', 'image/svg+xml'],
  ['.txt', 'text/plain'],
  ['.htm', 'text/html'],
  ['.html', 'text/html'],
  ['.pdf', 'application/pdf'],
  ['.xml', 'application/xml'],
];

/**
 * The content type curl gives a file name, or `null` when it knows none.
 *
 * @param filename - the name sent as `filename` (or the path it came from).
 */
export function contentTypeFor(filename: string): string | null {
  const lower = filename.toLowerCase();
  for (const [suffix, type] of TYPES) if (lower.endsWith(suffix)) return type;
  return null;
}

/** Why a `-F` value cannot be read; parse-args turns it into its UsageError. */
export class FormSyntaxError extends Error {
  override readonly name = 'FormSyntaxError';
}

/** A cursor over the text after `name=`. */
interface Cursor {
  text: string;
  at: number;
}

/**
 * Reads one `-F` value.
 *
 * @param input - the option's value, e.g. `photo=@cat.png;type=image/png`.
 * @param literal - `--form-string`: the value is text as it is (no `@`, `<` or `;` meaning).
 * @returns the part.
 * @throws {@link FormSyntaxError} for a value without `=`, a malformed `type=`, a part header
 *   holding CR, LF or NUL, or a nested multipart (`name=(`, not supported).
 */
export function parseFormPart(input: string, literal = false): FormPart {
  const eq = input.indexOf('=');
  if (eq < 0) throw new FormSyntaxError(`expected name=content, got '${input.slice(0, 40)}'`);
  const name = input.slice(0, eq);
  const rest = input.slice(eq + 1);
  const part: FormPart = {
    name,
    kind: 'text',
    value: rest,
    filename: null,
    type: null,
    headers: [],
  };
  if (literal) return part;
  const cursor: Cursor = { text: rest, at: 0 };
  if (rest.startsWith('('))
    throw new FormSyntaxError('multipart/mixed parts (-F "name=(") are not supported');
  if (rest.startsWith('@')) {
    // Files are separated by commas (curl's formparse loop): each file reads its own parameters,
    // and with more than one they become the parts of a multipart/mixed part named `name`. The
    // first character is skipped each time: the `@`, then each comma (`@a,@b` names "@b").
    const files: FormPart[] = [];
    let separator: string;
    do {
      cursor.at++;
      const file: FormPart = { ...part, kind: 'file', headers: [] };
      separator = readParams(cursor, ',', file);
      file.filename ??= baseName(file.value);
      files.push(file);
    } while (separator === ',');
    if (files.length === 1) return { ...files[0]!, name };
    return { ...part, kind: 'files', value: '', files: files.map((f) => ({ ...f, name: '' })) };
  }
  if (rest.startsWith('<')) {
    cursor.at = 1;
    readParams(cursor, '', part);
    // curl sends a `<file` part without a filename, even one given with `;filename=`.
    part.kind = 'content';
    part.filename = null;
    return part;
  }
  readParams(cursor, '', part);
  return part;
}

/**
 * The value, then `;type=`, `;filename=`, `;headers=` (others are skipped, as curl warns and
 * skips them). Returns the character that ended it: `;`-free end of text, or `end`.
 */
function readParams(cursor: Cursor, end: string, part: FormPart): string {
  skipSpaces(cursor);
  const { word, quoted } = readWord(cursor, end);
  part.value = quoted ? word : word.replace(/\s+$/, '');
  while (cursor.text[cursor.at] === ';') {
    cursor.at++;
    skipSpaces(cursor);
    const rest = cursor.text.slice(cursor.at);
    if (/^type=/i.test(rest)) {
      cursor.at += 5;
      const { word } = readWord(cursor, end);
      // curl checks `major/minor` (sscanf "%127[^/ ]/%127[^;, \n]") and stops at a space.
      const type = word.trim();
      if (!/^[^/\s]+\/[^;,\s]+$/.test(type)) {
        throw new FormSyntaxError(`malformed content type '${type}' (type=major/minor)`);
      }
      part.type = type;
    } else if (/^filename=/i.test(rest)) {
      cursor.at += 9;
      skipSpaces(cursor);
      part.filename = readValue(cursor, end);
    } else if (/^headers=/i.test(rest)) {
      cursor.at += 8;
      const from = cursor.text[cursor.at];
      if (from === '@' || from === '<') {
        // A file of header lines, read when the body is laid out (curl reads it here).
        cursor.at++;
        skipSpaces(cursor);
        part.headers.push({ file: readValue(cursor, end) });
      } else {
        skipSpaces(cursor);
        const line = readValue(cursor, end);
        // curl sends the line as it is; a CR or LF in it would end the part's head early.
        if (/[\r\n\0]/.test(line)) {
          throw new FormSyntaxError(
            `a part header cannot hold CR, LF or NUL: '${line.slice(0, 40)}'`,
          );
        }
        part.headers.push(line);
      }
    } else {
      // curl: "skip unknown form field".
      readWord(cursor, end);
    }
  }
  return cursor.text[cursor.at] ?? '';
}

/** A parameter's word: quoted as it is, unquoted without its trailing spaces (curl's rule). */
function readValue(cursor: Cursor, end: string): string {
  const { word, quoted } = readWord(cursor, end);
  return quoted ? word : word.replace(/\s+$/, '');
}

/** curl's get_param_word: a quoted word with `\"` and `\\`, else up to `;` or `end`. */
function readWord(cursor: Cursor, end: string): { word: string; quoted: boolean } {
  const { text } = cursor;
  const start = cursor.at;
  if (text[start] === '"') {
    let word = '';
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
        word += text[i + 1];
        i++;
      } else if (c === '"') {
        // Anything after the closing quote, up to the separator, is dropped (curl warns).
        let j = i + 1;
        while (j < text.length && text[j] !== ';' && (end === '' || text[j] !== end)) j++;
        cursor.at = j;
        return { word, quoted: true };
      } else {
        word += c;
      }
    }
    // No closing quote: the word is read as unquoted, quote included.
  }
  let j = start;
  while (j < text.length && text[j] !== ';' && (end === '' || text[j] !== end)) j++;
  cursor.at = j;
  return { word: text.slice(start, j), quoted: false };
}

function skipSpaces(cursor: Cursor): void {
  while (/\s/.test(cursor.text[cursor.at] ?? '')) cursor.at++;
}

/** The part of a path after its last `/` or `\`, as curl names a file part. */
function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * The value of the first `Content-Type` among a part's header lines (curl's search_header: the
 * name without regard to case, right before the colon; spaces after the colon skipped).
 *
 * @param lines - the part's header lines.
 * @param name - the field name, e.g. `Content-Type`.
 * @returns the value, or `null` when no line has that name.
 */
export function partHeaderValue(lines: readonly string[], name: string): string | null {
  const lower = name.toLowerCase();
  for (const line of lines) {
    if (line.slice(0, name.length).toLowerCase() === lower && line[name.length] === ':') {
      return line.slice(name.length + 1).replace(/^ +/, '');
    }
  }
  return null;
}

/**
 * The `Content-Type` curl gives a part (lib/mime.c, Curl_mime_prepare_headers): the `;type=` given;
 * else a `Content-Type` among its `;headers=` lines; else for a file from disk the type of its
 * filename, or of its path, or `application/octet-stream`; for text (and stdin sent as a file)
 * the type of its filename if it has one; for a `<file` field, none. (A `files` part is
 * `multipart/mixed`, with its boundary: form-body.ts.)
 *
 * @param part - the part.
 * @param headerLines - its `;headers=` lines, header files read (default: the lines typed).
 * @returns the type, or `null` to send no `Content-Type`.
 */
export function partContentType(
  part: FormPart,
  headerLines: readonly string[] = part.headers.filter((h) => typeof h === 'string'),
): string | null {
  if (part.type !== null) return part.type;
  const given = partHeaderValue(headerLines, 'Content-Type');
  if (given !== null) return given;
  const byName = part.filename === null ? null : contentTypeFor(part.filename);
  if (part.kind !== 'file' || part.value === '-') return byName;
  return byName ?? contentTypeFor(part.value) ?? 'application/octet-stream';
}
