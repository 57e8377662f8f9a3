// A page that must not bundle for the browser: it takes a Node built-in.
import { createServer } from 'node:net';

(globalThis as unknown as { server: unknown }).server = createServer;
