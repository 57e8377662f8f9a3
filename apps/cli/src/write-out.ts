/** What a finished transfer reports to `-w`. */
export interface TransferInfo {
  /** The last response's status code; 0 when none arrived. */
  httpCode: number;
  /** Body bytes received for the last response, on the wire (before decoding, as curl counts). */
  sizeDownload: number;
  /** Seconds from the start to the end of the transfer. */
  timeTotal: number;
  /** The URL of the last request. */
  urlEffective: string;
  /** Redirects followed. */
  numRedirects: number;
  /** The last response's Content-Type, or `''`. */
  contentType: string;
  /** The exit code. */
  exitCode: number;
}

/** A piece of `-w` output and where it goes: curl's `%{stderr}` switches to stderr. */
export interface WriteOutPiece {
  to: 'stdout' | 'stderr';
  text: string;
}

/**
 * Expands a `-w` format as curl does: `%{variable}` for the variables in {@link TransferInfo}
 * (with curl's names, `http_code` printed as three digits, `time_total` in seconds with six
 * decimals), `%%` for `%`, `\n` `\r` `\t` `\\` escapes, and `%{stdout}`/`%{stderr}` to switch the
 * stream. An unknown variable prints nothing, with a warning, as in curl.
 *
 * @param format - the `-w` value (a `@file` already read).
 * @param info - the transfer's figures.
 * @returns the pieces in order, and the unknown variable names.
 */
export function expandWriteOut(
  format: string,
  info: TransferInfo,
): { pieces: WriteOutPiece[]; unknown: string[] } {
  const pieces: WriteOutPiece[] = [];
  const unknown: string[] = [];
  let to: WriteOutPiece['to'] = 'stdout';
  let text = '';
  const flush = () => {
    if (text !== '') pieces.push({ to, text });
    text = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%' && format[i + 1] === '%') {
      text += '%';
      i++;
    } else if (c === '%' && format[i + 1] === '{') {
      const end = format.indexOf('}', i + 2);
      if (end < 0) {
        text += format.slice(i);
        break;
      }
      const name = format.slice(i + 2, end);
      i = end;
      if (name === 'stdout' || name === 'stderr') {
        flush();
        to = name;
        continue;
      }
      const value = variable(name, info);
      if (value === undefined) unknown.push(name);
      else text += value;
    } else if (c === '\\' && i + 1 < format.length) {
      const next = format[i + 1]!;
      const escaped = next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : null;
      if (escaped !== null || next === '\\') {
        text += escaped ?? '\\';
        i++;
      } else {
        text += c;
      }
    } else {
      text += c;
    }
  }
  flush();
  return { pieces, unknown };
}

function variable(name: string, info: TransferInfo): string | undefined {
  switch (name) {
    case 'http_code':
    case 'response_code':
      return String(info.httpCode).padStart(3, '0');
    case 'size_download':
      return String(info.sizeDownload);
    case 'time_total':
      return info.timeTotal.toFixed(6);
    case 'url_effective':
      return info.urlEffective;
    case 'num_redirects':
      return String(info.numRedirects);
    case 'content_type':
      return info.contentType;
    case 'exitcode':
      return String(info.exitCode);
    default:
      return undefined;
  }
}
