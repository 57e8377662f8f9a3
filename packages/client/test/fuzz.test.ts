/**
 * Seeded fuzz of HTTPClient against llhttp over a real socket (issue #12).
 *
 * Each case is what one server connection sends: 1–3 generated responses (status lines, fields,
 * Content-Length / chunked / read-until-close bodies, trailers, 1xx interim responses, keep-alive
 * sequences, 101 and CONNECT tunnels), mutated at framing bytes for about two cases in three
 * (`fuzz-generate.ts`). Native llhttp parses the whole stream; its message boundaries decide
 * the delivery: the bytes of final response k are written after request k arrives, the last
 * request gets the rest, then FIN (`fuzz-oracle.ts`, `fuzz-server.ts`: one server, a connection
 * per run). An `HTTPClient` driven with poll()/news() (`drive.ts`) makes the requests over
 * 127.0.0.1, twice, with the stream cut into writes at two different split patterns (TCP_NODELAY,
 * 1 ms between writes; the first pattern often one write per request, cuts favour head ends,
 * message ends and error offsets; a quarter of the second runs read with `readChunkSize` 256).
 *
 * The policy checked (packages/client/README.md, packages/parser/README.md), per request:
 * - llhttp completed the final response: the client delivers the same code, fields (Godot's lines
 *   read back as name and OWS-trimmed value, decoded as UTF-8), body bytes and trailers (decoded as
 *   fields are), and ends CONNECTED (keep-alive) or DISCONNECTED (close, read-until-close); a
 *   trailer section's Connection and Transfer-Encoding count as llhttp counts them, found by
 *   probing llhttp with one more byte (`settleKeepAlive`); bytes after the response never cost
 *   it: then CONNECTED or DISCONNECTED, never CONNECTION_ERROR;
 * - 101 or a 2xx to CONNECT: BODY with the code and fields, every later byte raw, DISCONNECTED;
 * - llhttp completed the head and then failed (or EOF cut the body): status BODY with that code
 *   and those fields first, then exactly the body bytes llhttp gave before the fault, then
 *   CONNECTION_ERROR (data before error: "the bytes that did arrive still returned");
 * - llhttp never completed a final head (rejected it, or EOF came first): CONNECTION_ERROR with
 *   response code 0;
 * - both split patterns give the same outcome (bytes after a complete response may retire the
 *   connection at once or at the next poll: CONNECTED and DISCONNECTED count as the same there).
 * Where llhttp and gdhttp's parser part in a way `packages/parser/test/differential-classes.ts`
 * documents (each class is in the parser README's "Differences from llhttp"), the case is
 * classified, not failed, if the client does exactly what its own parser's verdict implies. No
 * class is added here: the client inherits the parser's, and the client-level policies above
 * (1xx skipped, data after close dropped, 101/CONNECT raw) are part of the expectation itself.
 *
 * A failure is reported once per kind (what was expected, which check broke, what the client did;
 * tagged when gdhttp's parser itself parts from llhttp, undocumented), with its count, the seed and
 * case index to replay it, and a reproduction shrunk by delta debugging: the bytes answering each
 * request, the cut offsets of the writes, llhttp's verdict.
 *
 * The oracle: `packages/parser/test/oracle/` (native llhttp through `process.binding`) and
 * `support/gdhttp-oracle.ts`, `support/compare.ts`, `differential-classes.ts` are imported in place
 * by relative path (all in `fuzz-oracle.ts`), not copied and not moved. `scripts/check-layers.ts`
 * governs package manifests and `@gdhttp/*` specifiers: a relative import from a test is outside
 * its rules, and this one points down the layers (client test → parser test), with no manifest or
 * lockfile change. Moving the oracle into `@gdhttp/testkit` would need a devDependency of parser
 * on testkit, and `gdhttp-oracle.ts` there would need testkit → parser: a workspace cycle (and
 * the wasm oracle would bring undici into testkit).
 *
 * Environment: `GDHTTP_FUZZ_SEED` (an integer; a fixed one by default), `GDHTTP_FUZZ_CASES` (default
 * 3000), `GDHTTP_FUZZ_CASE` (run only that case index: a reproduction), `GDHTTP_FUZZ_SHRINK=0`
 * (report failures without shrinking them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeCase,
  type Prepared,
  prepareCase,
  runCase,
  shrink,
  type Verdict,
} from './fuzz-harness.ts';
import { type FuzzServer, startFuzzServer } from './fuzz-server.ts';

/** CI's seed. The parser's fuzz reads `GDHTTP_FUZZ_SEED` too (and takes a clock seed without it). */
const DEFAULT_SEED = 0x5eed_0c12;

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer ≥ 0, got ${raw}`);
  return n;
}

const seed = integerFromEnv('GDHTTP_FUZZ_SEED', DEFAULT_SEED) >>> 0;
const count = integerFromEnv('GDHTTP_FUZZ_CASES', 3000);
const only = process.env.GDHTTP_FUZZ_CASE ? integerFromEnv('GDHTTP_FUZZ_CASE', 0) : undefined;
const shrinking = process.env.GDHTTP_FUZZ_SHRINK !== '0';
/** Connections in flight: enough to hide the 1 ms pauses between writes, few enough for 2 cores. */
const PARALLEL = 24;
/** Distinct failure kinds shrunk per run (each shrink is at most a few hundred runs). */
const SHRINK_KINDS = 12;

interface KindReport {
  signature: string;
  count: number;
  first: { p: Prepared; v: Verdict };
  shrunk: Prepared | null;
}

let server: FuzzServer;
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  await server?.close();
});

const replay = `GDHTTP_FUZZ_SEED=${seed}`;

describe('HTTPClient fuzz against llhttp over a loopback socket', () => {
  it(
    only === undefined
      ? `delivers what llhttp parses, at any split, for ${count} cases (seed ${seed})`
      : `case ${only} of seed ${seed}`,
    async () => {
      const t0 = performance.now();
      const indexes = only === undefined ? [...Array(count).keys()] : [only];
      const kinds = new Map<string, KindReport>();
      const explained: Record<string, number> = {};
      const shapes: Record<string, number> = {};
      let requests = 0;
      let failures = 0;

      let next = 0;
      const worker = async () => {
        while (next < indexes.length) {
          const index = indexes[next++]!;
          const p = prepareCase(seed, index);
          const v = await runCase(server, p);
          for (const e of p.want) shapes[e.kind] = (shapes[e.kind] ?? 0) + 1;
          requests += Math.max(...v.observed.map((o) => o.length));
          if (v.cls) explained[v.cls] = (explained[v.cls] ?? 0) + 1;
          if (v.failure) {
            failures++;
            const sig = v.failure.mismatch.signature;
            const kind = kinds.get(sig);
            if (kind) kind.count++;
            else kinds.set(sig, { signature: sig, count: 1, first: { p, v }, shrunk: null });
          }
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const runMs = performance.now() - t0;

      if (shrinking) {
        for (const kind of [...kinds.values()].slice(0, SHRINK_KINDS)) {
          kind.shrunk = await shrink(server, kind.first.p, kind.signature);
        }
      }

      const lines = [
        `client fuzz vs llhttp ${process.versions.llhttp}: seed=${seed} (${replay}) ` +
          `cases=${indexes.length} requests=${requests} in ${(runMs / 1000).toFixed(1)} s` +
          (shrinking && kinds.size > 0
            ? ` (+${((performance.now() - t0 - runMs) / 1000).toFixed(1)} s shrinking)`
            : ''),
        `  expected per request: ${Object.entries(shapes)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
      ];
      for (const [name, n] of Object.entries(explained)) lines.push(`  explained ${name}: ${n}`);
      lines.push(`  failing cases: ${failures}, distinct kinds: ${kinds.size}`);
      for (const kind of kinds.values()) {
        const { p, v } = kind.first;
        const f = v.failure!;
        lines.push(
          '',
          `  ✗ ${kind.signature} — ${kind.count} case(s); first: case ${p.index} ` +
            `(${replay} GDHTTP_FUZZ_CASE=${p.index})`,
          `    request ${f.mismatch.exchange + 1}, split pattern ${f.pattern + 1}: want ${f.mismatch.want}`,
          `    got ${f.mismatch.got}`,
        );
        if (f.note) lines.push(`    ${f.note}`);
        const shown = kind.shrunk ?? p;
        lines.push(
          `    ${kind.shrunk ? 'shrunk reproduction' : 'reproduction'}:`,
          ...describeCase(shown, kind.signature.startsWith('split') ? null : f.pattern)
            .split('\n')
            .map((l) => `      ${l}`),
        );
      }
      const report = lines.join('\n');
      console.log(report);

      expect(kinds.size, report).toBe(0);
      if (indexes.length >= 500) {
        // The generator must keep reaching every branch of the policy.
        expect(shapes.complete ?? 0).toBeGreaterThan(indexes.length * 0.2);
        expect(shapes['body-error'] ?? 0).toBeGreaterThan(indexes.length * 0.03);
        expect(shapes['head-error'] ?? 0).toBeGreaterThan(indexes.length * 0.1);
        expect(shapes.upgrade ?? 0).toBeGreaterThan(indexes.length * 0.01);
        expect(requests).toBeGreaterThan(indexes.length * 1.1);
      }
    },
    Math.max(60_000, count * 60),
  );
});
