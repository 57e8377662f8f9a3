/**
 * Loader for the conformance corpus in `test/fixtures/**.http`.
 *
 * Format: a JSON block (UTF-8, LF line ends) with `title`, `options` and `expect`, then a line
 * holding exactly `%%`, then the raw response bytes to the end of the file, byte for byte (CRLF
 * kept: `.gitattributes` marks `*.http -text`). `expect` holds `error` (a ParseError reason or
 * null), `messages` (checked field by field, only the fields given) and optionally `upgradeAt`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LenientFlags } from '../../src/index.js';

/** What a fixture says one message must look like; absent fields are not checked. */
export interface ExpectedMessage {
  status: number;
  body: string;
  keepAlive?: boolean;
  complete?: boolean;
  upgrade?: boolean;
  reason?: string;
  version?: string;
  headers?: [string, string][];
  trailers?: [string, string][];
}

/** One conformance case. */
export interface Fixture {
  name: string;
  title: string;
  options: {
    method?: string;
    lenient?: boolean | LenientFlags;
    maxHeaderSize?: number;
    maxHeaderCount?: number;
    eof?: boolean;
  };
  expect: { error: string | null; messages: ExpectedMessage[]; upgradeAt?: number };
  input: Uint8Array;
}

const ROOT = join(import.meta.dirname, '..', 'fixtures');
const SEPARATOR = [0x0a, 0x25, 0x25, 0x0a]; // "\n%%\n"

function split(bytes: Uint8Array): [string, Uint8Array] {
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (SEPARATOR.every((b, k) => bytes[i + k] === b)) {
      return [new TextDecoder().decode(bytes.subarray(0, i)), bytes.subarray(i + 4)];
    }
  }
  throw new Error('fixture without a %% separator line');
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.http') ? [join(dir, e.name)] : [],
  );
}

/** Every fixture, sorted by name. */
export function loadFixtures(): Fixture[] {
  return walk(ROOT)
    .sort()
    .map((path) => {
      const [json, input] = split(new Uint8Array(readFileSync(path)));
      const meta = JSON.parse(json) as Omit<Fixture, 'name' | 'input'>;
      return { ...meta, name: relative(ROOT, path).replace(/\.http$/, ''), input };
    });
}
