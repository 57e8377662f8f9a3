// Reads the web HTTPClient's body as an async loop would (drive() in drive.ts polls it): read,
// then await news() (the deadline only fails a test, it never makes progress).
import { Status as S } from '@gdhttp/constants';
import type { HTTPClient } from '../src/http-client-web.js';

/** Reads the body to its end with readResponseBodyChunk(), recording each piece's size. */
export async function readWebBody(
  client: HTTPClient,
  sizes: number[] = [],
  timeoutMs = 5000,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const deadline = Date.now() + timeoutMs;
  while (client.getStatus() === S.BODY) {
    if (Date.now() > deadline) throw new Error('readWebBody: timed out');
    const news = client.news();
    const chunk = client.readResponseBodyChunk();
    if (chunk.length > 0) {
      parts.push(chunk);
      sizes.push(chunk.length);
      continue;
    }
    if (client.getStatus() !== S.BODY) break;
    await withDeadline(news, deadline);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function withDeadline(promise: Promise<void>, deadline: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
    }),
  ]);
  clearTimeout(timer);
}
