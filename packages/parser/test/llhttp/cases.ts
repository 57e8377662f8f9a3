/**
 * Loader and types for llhttp's response test cases translated by `translate.ts` into
 * `cases/*.http` + `cases/index.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A message as llhttp's event log describes it (header values with trailing OWS trimmed). */
export interface LlhttpExpectedMessage {
  status: number;
  version: string;
  reason: string;
  headers: [string, string][];
  trailers: [string, string][];
  /** Body bytes as a latin1 string (one char per byte). */
  body: string;
  complete: boolean;
}

export interface LlhttpCase {
  /** `<md file stem>-<nn>-<title slug>`; the input is `cases/<id>.http`. */
  id: string;
  /** Path of the md file in nodejs/llhttp. */
  source: string;
  title: string;
  /** The md meta `type` (`response`, `response-finish`, `response-lenient-*`). */
  type: string;
  /** llhttp lenient flag bits the type selects. */
  lenient: number;
  /** `HEAD` when the md case sets `skipBody` (on_headers_complete returns 1). */
  method: 'GET' | 'HEAD';
  /** `llhttp_finish()` is called after the input (`response-finish`). */
  eof: boolean;
  /** Run at every scan size 1..len (false when the md case sets `noScan`). */
  scan: boolean;
  /** llhttp pauses in this callback; pausing has no effect on the coarse events. */
  pause?: string;
  expect: {
    messages: LlhttpExpectedMessage[];
    error: { code: string; at: number } | null;
    /** Offset of `HPE_PAUSED_UPGRADE`, or -1. */
    upgradeAt: number;
  };
}

const dir = join(import.meta.dirname, 'cases');

/** Loads every translated case with its input bytes. */
export function loadLlhttpCases(): { meta: LlhttpCase; input: Uint8Array }[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as LlhttpCase[];
  const files = new Set(readdirSync(dir));
  return index.map((meta) => {
    if (!files.has(`${meta.id}.http`)) throw new Error(`missing fixture ${meta.id}.http`);
    return { meta, input: new Uint8Array(readFileSync(join(dir, `${meta.id}.http`))) };
  });
}
