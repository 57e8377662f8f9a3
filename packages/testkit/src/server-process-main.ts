/**
 * The child side of {@link startServerProcess}: starts the server the parent asked for (in its
 * IPC message), reports the port, answers `requests` queries, and exits when told or orphaned.
 */
import { startEchoServer } from './echo-server.js';
import { type ScriptedServer, startScriptedServer } from './scripted-server.js';
import type { ServerProcessRequest } from './server-process.js';

const send = (message: unknown): void => {
  process.send?.(message);
};

process.once('message', async (request: ServerProcessRequest) => {
  const server =
    request.kind === 'echo'
      ? await startEchoServer(request.options)
      : await startScriptedServer(request.options);
  process.on('message', (query: { type: string }) => {
    if (query.type === 'requests') {
      const requests = (server as ScriptedServer).requests ?? [];
      send({
        type: 'requests',
        requests: requests.map((r) => ({
          ...r,
          raw: r.raw.toString('base64'),
          body: r.body.toString('base64'),
        })),
        connections: server.connections,
      });
    } else if (query.type === 'close') {
      void server.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', port: server.port });
});
// The parent went away: do not linger.
process.on('disconnect', () => process.exit(0));
