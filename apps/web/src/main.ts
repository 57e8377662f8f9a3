/**
 * `pnpm web` (or `pnpm --filter @gdhttp/web start [port]`): starts the demo's CORS server and
 * Vite's dev server on 127.0.0.1, prints the page's address, and runs until Ctrl-C.
 */
import { startWebDemo } from './web-demo.js';

const port = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error(`usage: web [port]  (1-65535, default 5173; got ${process.argv[2]})`);
  process.exit(2);
}
const web = await startWebDemo({ logLevel: 'warn', ...(port === undefined ? {} : { port }) });
console.log(`gdhttp web demo: HTTPClient polled on requestAnimationFrame, served by Vite`);
console.log(
  `  demo server (CORS): ${web.demo.origin}  ${web.demo.routes.map((r) => r.path).join(' ')}`,
);
console.log(`  open:               ${web.url}`);
console.log('  Ctrl-C to stop');
const stop = (): void => {
  void web.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
