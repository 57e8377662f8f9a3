/**
 * @packageDocumentation
 * Private test kit shared by every gdhttp package's socket tests: a scripted raw-TCP HTTP
 * server, certificates made at test time with openssl, echo servers, a listener whose connects
 * hang, real proxies (npm `proxy`, tinyproxy, squid), and real servers (nginx, httpbin under
 * gunicorn) on 127.0.0.1, with the system curl as the reference client.
 */

// Playwright's page type, so a test that drives a page needs no playwright-core of its own.
export type { Page } from 'playwright-core';
export type { BlackholeListener } from './blackhole-listener.js';
export { startBlackholeListener } from './blackhole-listener.js';
export type {
  BrowserBundle,
  BrowserEntry,
  BundleForBrowserOptions,
} from './bundle-for-browser.js';
export { BROWSER_CONDITIONS, bundleForBrowser } from './bundle-for-browser.js';
export type { CertificatePair, TestCertificates } from './certificates.js';
export { testCertificates } from './certificates.js';
export type { CurlHead, CurlResult, CurlTransfer } from './curl.js';
export { curl, curlEach } from './curl.js';
export type { Pollable } from './drive-until.js';
export { driveUntil } from './drive-until.js';
export type { EchoServer, EchoServerOptions } from './echo-server.js';
export { startEchoServer } from './echo-server.js';
export { canConnect, freePort } from './free-port.js';
export { headerValue } from './header-value.js';
export type { HttpbinOptions, HttpbinServer } from './httpbin-server.js';
export { startHttpbin } from './httpbin-server.js';
export type { LaunchBrowserOptions, LaunchedBrowser } from './launch-browser.js';
export { CHROMIUM_ARGS, launchBrowser } from './launch-browser.js';
export { listenLoopback } from './listen-loopback.js';
export type {
  NginxAccessLogEntry,
  NginxFile,
  NginxOptions,
  NginxServer,
} from './nginx-server.js';
export { NGINX_FILE_SIZES, startNginx } from './nginx-server.js';
export type { OpenTestPageOptions, TestPage } from './open-test-page.js';
export { openTestPage } from './open-test-page.js';
export type { ProxyCredentials, ProxyFixture, ProxyFixtureOptions } from './proxies.js';
export { startNpmProxy, startSquid, startTinyproxy } from './proxies.js';
export type {
  Action,
  RecordedRequest,
  Script,
  ScriptedServer,
  ScriptedServerOptions,
} from './scripted-server.js';
export { startScriptedServer } from './scripted-server.js';
export type { ServedPage, ServePageOptions } from './serve-page.js';
export { servePage } from './serve-page.js';
export type { ServerProcess, ServerProcessRequest } from './server-process.js';
export { startServerProcess } from './server-process.js';
export { sha256Hex } from './sha256-hex.js';
export type { SystemDaemon, SystemDaemonSpec } from './system-daemon.js';
export { startSystemDaemon } from './system-daemon.js';
export type { SystemTool, SystemToolName } from './system-tool.js';
export { DEBIAN_PACKAGE, INSTALL_HINT, systemTool, systemTools } from './system-tool.js';
export type {
  ReceivedUpload,
  UploadH2Server,
  UploadH2ServerOptions,
} from './upload-h2-server.js';
export { startUploadH2Server } from './upload-h2-server.js';
export type { UploadReport, UploadReporter } from './upload-reporter.js';
export { startUploadReporter } from './upload-reporter.js';
export type {
  EchoAnswer,
  EndlessState,
  UploadEcho,
  WebTestServer,
  WebTestServerOptions,
} from './web-test-server.js';
export {
  CHUNKS,
  ENDLESS_CAP,
  GZIP_TEXT,
  LARGE_SIZE,
  NDJSON_PARTS,
  PLAIN,
  pattern,
  SLOW_SENT,
  SLOW_SIZE,
  STREAM_PARTS,
  startWebTestServer,
  TEST_HEADER,
} from './web-test-server.js';
