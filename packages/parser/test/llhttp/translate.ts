/**
 * Translates llhttp's response test suite (`test/response/*.md`, MIT, nodejs/llhttp) into gdhttp
 * fixtures: one raw `.http` file per case plus `cases/index.json` with the coarse expectations
 * (messages with status, version, reason, header pairs, body bytes, completion; the error code and
 * offset; the upgrade offset). The md format and normalisation follow llhttp's `test/md-test.ts`
 * (docs/references.md#llhttp-test-suite); this is an independent implementation.
 *
 * Usage: `tsx test/llhttp/translate.ts <dir with the *.md files> [out dir]`
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lenient } from '../oracle/types.ts';
import type { LlhttpCase, LlhttpExpectedMessage } from './cases.ts';

/** llhttp error numbers (`src/llhttp/constants.ts` `ERROR`) used by the response suite. */
const ERROR_NAMES: Record<number, string> = {
  1: 'HPE_INTERNAL',
  2: 'HPE_STRICT',
  3: 'HPE_LF_EXPECTED',
  4: 'HPE_UNEXPECTED_CONTENT_LENGTH',
  5: 'HPE_CLOSED_CONNECTION',
  6: 'HPE_INVALID_METHOD',
  7: 'HPE_INVALID_URL',
  8: 'HPE_INVALID_CONSTANT',
  9: 'HPE_INVALID_VERSION',
  10: 'HPE_INVALID_HEADER_TOKEN',
  11: 'HPE_INVALID_CONTENT_LENGTH',
  12: 'HPE_INVALID_CHUNK_SIZE',
  13: 'HPE_INVALID_STATUS',
  14: 'HPE_INVALID_EOF_STATE',
  15: 'HPE_INVALID_TRANSFER_ENCODING',
  21: 'HPE_PAUSED',
  22: 'HPE_PAUSED_UPGRADE',
  25: 'HPE_CR_EXPECTED',
  30: 'HPE_UNEXPECTED_SPACE',
};
const PAUSED_UPGRADE = 22;

/** `type` in a case's meta → llhttp lenient flags (llhttp `test/fixtures/extra.c`). */
const LENIENT_BY_TYPE: Record<string, number> = {
  response: Lenient.NONE,
  'response-finish': Lenient.NONE,
  'response-lenient-all': Lenient.ALL,
  'response-lenient-headers': Lenient.HEADERS,
  'response-lenient-chunked-length': Lenient.CHUNKED_LENGTH,
  'response-lenient-keep-alive': Lenient.KEEP_ALIVE,
  'response-lenient-transfer-encoding': Lenient.TRANSFER_ENCODING,
  'response-lenient-version': Lenient.VERSION,
  'response-lenient-data-after-close': Lenient.DATA_AFTER_CLOSE,
  'response-lenient-optional-lf-after-cr': Lenient.OPTIONAL_LF_AFTER_CR,
  'response-lenient-optional-crlf-after-chunk': Lenient.OPTIONAL_CRLF_AFTER_CHUNK,
  'response-lenient-optional-cr-before-lf': Lenient.OPTIONAL_CR_BEFORE_LF,
  'response-lenient-spaces-after-chunk-size': Lenient.SPACES_AFTER_CHUNK_SIZE,
};

interface RawCase {
  file: string;
  title: string;
  meta: Record<string, unknown>;
  http: string;
  log: string[];
}

/** Splits one md file into cases: heading → meta comment → ```http block → ```log block. */
export function parseMd(file: string, md: string): RawCase[] {
  const lines = md.split('\n');
  const out: RawCase[] = [];
  let title = '';
  let meta: Record<string, unknown> | null = null;
  let http: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^#{2,3}\s+(.*)$/.exec(line);
    if (heading) {
      title = heading[1]!.trim();
      meta = null;
      http = null;
      continue;
    }
    const m = /^<!--\s*meta=(\{.*\})\s*-->$/.exec(line.trim());
    if (m) {
      meta = JSON.parse(m[1]!) as Record<string, unknown>;
      continue;
    }
    if (line === '```http' || line === '```log') {
      const block: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) block.push(lines[i]!);
      if (line === '```http') {
        http = `${block.join('\n')}\n`;
      } else if (meta && http !== null) {
        out.push({ file, title, meta, http, log: block });
        meta = null;
        http = null;
      }
    }
  }
  return out;
}

/** llhttp md-test input normalisation (docs/references.md#llhttp-test-suite). Returns UTF-8 bytes. */
export function normaliseInput(raw: string): Uint8Array {
  let s = raw.replace(/\n$/, '');
  s = s.replace(/\\(\r\n|\r|\n)/g, '');
  s = s.replace(/\r\n|\r|\n/g, '\r\n');
  s = s.replace(/\\r/g, '\r');
  s = s.replace(/\\n/g, '\n');
  s = s.replace(/\\t/g, '\t');
  s = s.replace(/\\f/g, '\f');
  s = s.replace(/\\x([0-9a-fA-F]+)/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  s = s.replace(/\\0(\d+)/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
  if (s.includes('$' + '{'))
    throw new Error('evaluated template inputs are not in the response suite');
  return new TextEncoder().encode(s);
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const trimOWS = (s: string) => s.replace(/[ \t]+$/, '');

/** Reads the coarse expectation out of an llhttp event log. Span bytes come from the input. */
export function interpretLog(input: Uint8Array, log: string[], where: string) {
  interface Building extends LlhttpExpectedMessage {
    headersDone: boolean;
    valueOpen: boolean;
  }
  const messages: Building[] = [];
  let error: { code: string; at: number } | null = null;
  let upgradeAt = -1;
  const cur = () => {
    const m = messages[messages.length - 1];
    if (!m) throw new Error(`${where}: event before message begin`);
    return m;
  };
  for (const line of log) {
    if (line.startsWith('/')) throw new Error(`${where}: regex log lines are not supported`);
    const off = /^off=(\d+|NULL) (.*)$/.exec(line);
    if (!off) throw new Error(`${where}: unreadable log line ${line}`);
    const at = off[1] === 'NULL' ? -1 : Number(off[1]);
    const ev = off[2]!;
    const span = /^len=(\d+) span\[(\w+)\]=(.*)$/.exec(ev);
    if (span) {
      const len = Number(span[1]);
      const bytes = input.subarray(at, at + len);
      const shown = span[3]!;
      // cross-check our transcription where the log shows a plain string
      if (/^"[^"\\]*"$/.test(shown) && !/^"\(.*\)"$/.test(shown)) {
        const text = new TextDecoder().decode(bytes);
        if (`"${text}"` !== shown) throw new Error(`${where}: span ${shown} != input ${text}`);
      }
      const kind = span[2]!;
      const m = kind === 'protocol' || kind === 'version' ? null : cur();
      if (kind === 'status') m!.reason += latin1(bytes);
      else if (kind === 'header_field') {
        const list = m!.headersDone ? m!.trailers : m!.headers;
        const last = list[list.length - 1];
        if (!last || m!.valueOpen) {
          list.push([latin1(bytes), '']);
          m!.valueOpen = false;
        } else last[0] += latin1(bytes);
      } else if (kind === 'header_value') {
        const list = m!.headersDone ? m!.trailers : m!.headers;
        list[list.length - 1]![1] += latin1(bytes);
        m!.valueOpen = true;
      } else if (kind === 'body') m!.body += latin1(bytes);
      // protocol, version, chunk_extension_* spans carry nothing we compare
      continue;
    }
    if (ev === 'message begin') {
      messages.push({
        status: 0,
        version: '',
        reason: '',
        headers: [],
        trailers: [],
        body: '',
        complete: false,
        headersDone: false,
        valueOpen: false,
      });
      continue;
    }
    const hc = /^headers complete status=(\d+) v=(\d+)\/(\d+) /.exec(ev);
    if (hc) {
      const m = cur();
      m.status = Number(hc[1]);
      m.version = `${hc[2]}.${hc[3]}`;
      m.headersDone = true;
      m.valueOpen = false;
      continue;
    }
    if (ev === 'message complete' || ev.startsWith('finish=')) {
      cur().complete = true;
      continue;
    }
    const err = /^error code=(\d+) reason=/.exec(ev);
    if (err) {
      const code = Number(err[1]);
      if (code === PAUSED_UPGRADE) upgradeAt = at;
      else error = { code: ERROR_NAMES[code] ?? `HPE_${code}`, at };
      continue;
    }
    if (
      ev === 'pause' ||
      ev === 'reset' ||
      ev === 'skip body' ||
      ev === 'chunk complete' ||
      ev.startsWith('chunk header') ||
      / complete$/.test(ev)
    ) {
      continue;
    }
    throw new Error(`${where}: unknown event ${ev}`);
  }
  return {
    // a message that never reached headers-complete is not reported by any oracle
    messages: messages
      .filter((m) => m.headersDone)
      .map(({ headersDone: _h, valueOpen: _v, ...m }) => ({
        ...m,
        headers: m.headers.map(([n, v]): [string, string] => [n, trimOWS(v)]),
        trailers: m.trailers.map(([n, v]): [string, string] => [n, trimOWS(v)]),
      })),
    error,
    upgradeAt,
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** Translates every `*.md` in `mdDir` into `.http` fixtures and `index.json` in `outDir`. */
export function translate(mdDir: string, outDir: string): LlhttpCase[] {
  mkdirSync(outDir, { recursive: true });
  const cases: LlhttpCase[] = [];
  for (const file of readdirSync(mdDir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const raw = parseMd(file, readFileSync(join(mdDir, file), 'utf8'));
    raw.forEach((c, i) => {
      const stem = file.replace(/\.md$/, '');
      const id = `${stem}-${String(i + 1).padStart(2, '0')}-${slug(c.title)}`;
      const type = String(c.meta.type);
      const lenient = LENIENT_BY_TYPE[type];
      if (lenient === undefined) throw new Error(`${id}: unsupported type ${type}`);
      const input = normaliseInput(c.http);
      const expect = interpretLog(input, c.log, id);
      writeFileSync(join(outDir, `${id}.http`), input);
      cases.push({
        id,
        source: `test/response/${file}`,
        title: c.title,
        type,
        lenient,
        method: c.meta.skipBody === true ? 'HEAD' : 'GET',
        eof: type === 'response-finish',
        scan: c.meta.noScan !== true,
        ...(typeof c.meta.pause === 'string' ? { pause: c.meta.pause } : {}),
        expect,
      });
    });
  }
  writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(cases, null, 2)}\n`);
  return cases;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const mdDir = process.argv[2];
  if (!mdDir) throw new Error('usage: translate.ts <md dir> [out dir]');
  const outDir = process.argv[3] ?? join(import.meta.dirname, 'cases');
  const cases = translate(mdDir, outDir);
  console.log(`translated ${cases.length} cases into ${outDir}`);
}
