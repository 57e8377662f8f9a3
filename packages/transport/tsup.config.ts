import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.ts';

// Two entries: the package, and the worker half of StreamPeerWorker, which runs in its own thread
// and is loaded from `dist/peer-worker.js` by file URL (never imported, so not in `exports`).
export default defineConfig({
  ...packageBuild('node'),
  entry: { index: 'src/index.ts', 'peer-worker': 'src/internal/peer-worker.ts' },
});
