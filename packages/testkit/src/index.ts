/**
 * @packageDocumentation
 * Private test kit shared by every gdhttp package's socket tests: a scripted raw-TCP HTTP
 * server, certificates made at test time with openssl, echo servers, a listener whose connects
 * hang, and real proxies (npm `proxy`, tinyproxy, squid) on 127.0.0.1.
 */

export type { BlackholeListener } from './blackhole-listener.js';
export { startBlackholeListener } from './blackhole-listener.js';
export type { CertificatePair, TestCertificates } from './certificates.js';
export { testCertificates } from './certificates.js';
export type { Pollable } from './drive-until.js';
export { driveUntil } from './drive-until.js';
export type { EchoServer, EchoServerOptions } from './echo-server.js';
export { startEchoServer } from './echo-server.js';
export { listenLoopback } from './listen-loopback.js';
export type {
  ProxyCredentials,
  ProxyFixture,
  ProxyFixtureOptions,
  SystemTool,
} from './proxies.js';
export {
  INSTALL_HINT,
  startNpmProxy,
  startSquid,
  startTinyproxy,
  systemTool,
} from './proxies.js';
export type {
  Action,
  RecordedRequest,
  Script,
  ScriptedServer,
  ScriptedServerOptions,
} from './scripted-server.js';
export { startScriptedServer } from './scripted-server.js';
