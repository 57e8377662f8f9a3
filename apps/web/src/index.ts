/**
 * @packageDocumentation
 * `@gdhttp/web` (private app): the web demo behind `pnpm web`. Godot's HTTPClient in a browser,
 * polled on requestAnimationFrame, against its own CORS server on 127.0.0.1. See README.md.
 */
export type { DemoRoute, DemoServer, DemoServerOptions } from './demo-server.js';
export { DEMO_ROUTES, largeBody, startDemoServer } from './demo-server.js';
export type { WebRun, WebStatusChange } from './page.js';
export type { WebDemo, WebDemoOptions } from './web-demo.js';
export { APP_ROOT, startWebDemo, WEB_CONDITIONS, webConfig } from './web-demo.js';
