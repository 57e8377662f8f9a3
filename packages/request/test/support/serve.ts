// The scripted servers of one test file: `serve()` starts one on 127.0.0.1, and every server
// started (or handed to `track()`) is closed after the test that started it. Each test file gets
// its own copy of this module, so the list never mixes files.
import {
  type Action,
  type RecordedRequest,
  type ScriptedServer,
  startScriptedServer,
} from '@gdhttp/testkit';
import { afterEach } from 'vitest';

const started: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** Closes `server` after the current test, with the servers `serve()` started. */
export function track<T extends ScriptedServer>(server: T): T {
  started.push(server);
  return server;
}

/**
 * Starts a scripted server that answers request i with `replies[i]` (the last one repeats), or
 * with what `replies` returns for each request; it is closed after the current test.
 */
export async function serve(
  replies: readonly Action[][] | ((request: RecordedRequest) => Action[]),
): Promise<ScriptedServer> {
  return track(await startScriptedServer({ replies }));
}
