import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testCertificates } from './certificates.js';
import { canConnect } from './free-port.js';
import { sha256Hex } from './sha256-hex.js';
import { startSystemDaemon } from './system-daemon.js';
import { systemTool } from './system-tool.js';
import { startUploadReporter, type UploadReporter } from './upload-reporter.js';

/** The sizes of the files {@link startNginx} serves by default: around 16 KiB, and large. */
export const NGINX_FILE_SIZES: readonly number[] = [
  0,
  16_383,
  16_384,
  16_385,
  1024 * 1024,
  64 * 1024 * 1024,
];

/** Options of {@link startNginx}. */
export interface NginxOptions {
  /** Sizes of the random files served as `/files/<size>.bin` (default {@link NGINX_FILE_SIZES}). */
  readonly fileSizes?: readonly number[];
}

/** A file nginx serves, with what a client must receive. */
export interface NginxFile {
  /** Its URL path, e.g. `/files/16384.bin`. */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
  /** SHA-256 of its bytes, hex. */
  readonly sha256: string;
  /** Its `Content-Type`. */
  readonly contentType: string;
}

/** One line of nginx's access log (see {@link NginxServer.accessLog}). */
export interface NginxAccessLogEntry {
  /** nginx's `$connection`: the serial number of the TCP connection. */
  readonly connection: number;
  /** `$connection_requests`: this request's number on its connection, from 1. */
  readonly connectionRequests: number;
  /** `$status`. */
  readonly status: number;
  /** `$body_bytes_sent`. */
  readonly bodyBytesSent: number;
  /** `$request_length`: request line, header and body bytes received. */
  readonly requestLength: number;
  /** `$scheme`: `http` or `https`. */
  readonly scheme: string;
  /** The request method. */
  readonly method: string;
  /** The request target as sent (origin-form, or absolute-form from a proxy). */
  readonly target: string;
}

/** A running nginx (see {@link startNginx}). */
export interface NginxServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The plain HTTP port. */
  readonly port: number;
  /** The TLS port, serving the same locations. */
  readonly tlsPort: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `https://127.0.0.1:<tlsPort>`. */
  readonly tlsUrl: string;
  /** PEM of the test CA that issued the TLS certificate: `TLSOptions.client(ca)`, `curl --cacert`. */
  readonly ca: string;
  /** Path of that CA's PEM file. */
  readonly caPath: string;
  /** The nginx master's pid. */
  readonly pid: number;
  /** Its temp directory (configuration, files, logs); removed by `close()`. */
  readonly dir: string;
  /** The random files, in the order of `fileSizes`. */
  readonly files: readonly NginxFile[];
  /** A 256 KiB `text/plain` file (`/text/lines.txt`) that nginx gzips for `Accept-Encoding: gzip`. */
  readonly text: NginxFile;
  /** The upstream behind `/upload`: every request that reached it. */
  readonly uploads: UploadReporter;
  /** The random file of `size` bytes; throws if there is none. */
  file(size: number): NginxFile;
  /** The access log so far, one entry per finished request, oldest first. */
  accessLog(): Promise<NginxAccessLogEntry[]>;
  /**
   * The access-log entries whose target contains `marker`, once at least `count` are in: nginx
   * writes a line when it finalises a request, a moment after the client has the whole response.
   * Rejects after `timeoutMs` with how many were logged.
   */
  logged(marker: string, count: number, timeoutMs?: number): Promise<NginxAccessLogEntry[]>;
  /** Stops nginx by pid (SIGTERM, waits for it to exit), the upstream, and removes its files. */
  close(): Promise<void>;
}

// `$request` last: it is the only field with spaces.
const LOG_FORMAT =
  '$connection $connection_requests $status $body_bytes_sent $request_length $scheme "$request"';
const LOG_LINE = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\S+) "(\S+) (\S+)[^"]*"$/;

/**
 * Starts Debian's nginx in the foreground (`daemon off`, one worker) with a configuration
 * generated in a temp directory, listening on 127.0.0.1 on a plain and a TLS port. Both serve:
 *
 * - `/files/<size>.bin`: random bytes of each size in `fileSizes`, as nginx serves static files
 *   (ETag, Last-Modified, `Range` → 206, `If-None-Match` → 304, sendfile);
 * - `/text/lines.txt`: {@link NginxServer.text}, gzipped on the fly (`gzip on` for
 *   `text/plain` and `application/json`, chunked when gzipped);
 * - `/upload` and `/upload/…`: proxied to an {@link startUploadReporter | upload reporter}
 *   started in this process, which answers with the byte count and SHA-256 of the body it got.
 *   nginx reads the whole body first (`proxy_request_buffering on`, `client_max_body_size 0`),
 *   so the upload is checked against a real server's body handling, and the reporter hashes
 *   as it streams;
 * - `/redirect/<301|302|303|307|308>/<rest>`: `return <code>` to `/<rest>` with the query;
 *   prefixes nest, so `/redirect/301/redirect/307/files/0.bin` is a chain of two;
 * - `/to-https/<rest>` and `/to-http/<rest>`: 302 to the same path on the other port and scheme;
 * - `/status/204`: an empty 204.
 *
 * The TLS certificate is {@link testCertificates}' `valid` leaf (SANs `localhost`, `127.0.0.1`,
 * `::1`), issued by its openssl-made CA ({@link NginxServer.ca}). The access log records
 * `$connection` and `$connection_requests`, so a test can count kept-alive connections.
 *
 * nginx cannot listen on port 0, so the ports are picked free just before, and the start is
 * retried with new ports if one was taken meanwhile.
 *
 * @param options - the file sizes.
 * @returns the running server.
 * @throws naming the Debian package when nginx is not installed, or with nginx's stderr when it
 *   does not start.
 */
export async function startNginx(options: NginxOptions = {}): Promise<NginxServer> {
  const binary = systemTool('nginx').require();
  const sizes = options.fileSizes ?? NGINX_FILE_SIZES;
  const certs = await testCertificates();
  const contents = await Promise.all(
    sizes.map(
      (size) =>
        new Promise<Buffer>((resolve, reject) => {
          randomBytes(size, (error, bytes) => (error === null ? resolve(bytes) : reject(error)));
        }),
    ),
  );
  const text = textLines(256 * 1024);
  const files: NginxFile[] = sizes.map((size, i) => ({
    path: `/files/${size}.bin`,
    size,
    sha256: sha256Hex(contents[i]!),
    contentType: 'application/octet-stream',
  }));
  const textFile: NginxFile = {
    path: '/text/lines.txt',
    size: text.length,
    sha256: sha256Hex(text),
    contentType: 'text/plain',
  };
  const uploads = await startUploadReporter();
  let daemon: Awaited<ReturnType<typeof startSystemDaemon>>;
  try {
    daemon = await startSystemDaemon({
      name: 'nginx',
      ports: 2,
      // SIGTERM is nginx's fast shutdown: it does not wait for open client connections.
      stopSignal: 'SIGTERM',
      ready: async ([plain, tls]) => (await canConnect(plain!)) && canConnect(tls!),
      configure: async (dir, [plain, tls]) => {
        await mkdir(join(dir, 'www', 'files'), { recursive: true });
        await mkdir(join(dir, 'www', 'text'), { recursive: true });
        await mkdir(join(dir, 'tmp'), { recursive: true });
        await Promise.all([
          ...sizes.map((size, i) =>
            writeFile(join(dir, 'www', 'files', `${size}.bin`), contents[i]!),
          ),
          writeFile(join(dir, 'www', 'text', 'lines.txt'), text),
        ]);
        const conf = join(dir, 'nginx.conf');
        await writeFile(
          conf,
          config({
            dir,
            plain: plain!,
            tls: tls!,
            upstream: uploads.port,
            cert: certs.valid.certPath,
            key: certs.valid.keyPath,
          }),
        );
        return [binary, ['-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log')]];
      },
    });
  } catch (error) {
    await uploads.close();
    throw error;
  }
  const [port, tlsPort] = daemon.ports as [number, number];
  const logPath = join(daemon.dir, 'access.log');
  const accessLog = async () => parseAccessLog(await readFile(logPath, 'utf8').catch(() => ''));
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    url: `http://127.0.0.1:${port}`,
    tlsUrl: `https://127.0.0.1:${tlsPort}`,
    ca: certs.ca.cert,
    caPath: certs.ca.certPath,
    pid: daemon.pid,
    dir: daemon.dir,
    files,
    text: textFile,
    uploads,
    file: (size) => {
      const file = files.find((f) => f.size === size);
      if (file === undefined) throw new Error(`nginx serves no file of ${size} bytes`);
      return file;
    },
    accessLog,
    logged: async (marker, count, timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entries = (await accessLog()).filter((e) => e.target.includes(marker));
        if (entries.length >= count) return entries;
        if (Date.now() > deadline) {
          throw new Error(`nginx logged ${entries.length} of ${count} requests for ${marker}`);
        }
        // Waiting for nginx to write its log, not driving any client: a short sleep is enough.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      await daemon.close();
      await uploads.close();
    },
  };
}

interface ConfigInput {
  readonly dir: string;
  readonly plain: number;
  readonly tls: number;
  readonly upstream: number;
  readonly cert: string;
  readonly key: string;
}

function config(c: ConfigInput): string {
  const tmp = join(c.dir, 'tmp');
  // Only root may switch users; its default (nobody) could not read the 0700 temp directory.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const redirects = [301, 302, 303, 307, 308].map(
    (code) => `    location ~ ^/redirect/${code}(/.*)$ { return ${code} $1$is_args$args; }`,
  );
  return `# Generated by @gdhttp/testkit startNginx().
daemon off;
master_process on;
worker_processes 1;
${user}
pid ${join(c.dir, 'nginx.pid')};
lock_file ${join(c.dir, 'nginx.lock')};
error_log ${join(c.dir, 'error.log')} warn;
events { worker_connections 512; }
http {
    types {
        text/plain txt;
        text/html html;
        application/json json;
        application/octet-stream bin;
    }
    default_type application/octet-stream;
    log_format gdhttp '${LOG_FORMAT}';
    access_log ${join(c.dir, 'access.log')} gdhttp;
    client_body_temp_path ${tmp}/body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    sendfile on;
    keepalive_timeout 75s;
    keepalive_requests 10000;
    client_max_body_size 0;
    gzip on;
    gzip_types text/plain application/json;
    gzip_min_length 1;
    gzip_vary on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${c.cert};
    ssl_certificate_key ${c.key};
    server {
        listen 127.0.0.1:${c.plain};
        listen 127.0.0.1:${c.tls} ssl;
        server_name 127.0.0.1 localhost;
        root ${join(c.dir, 'www')};
        location /files/ { }
        location /text/ { }
        location /upload {
            proxy_pass http://127.0.0.1:${c.upstream};
            proxy_request_buffering on;
        }
${redirects.join('\n')}
        location ~ ^/to-https(/.*)$ { return 302 https://127.0.0.1:${c.tls}$1$is_args$args; }
        location ~ ^/to-http(/.*)$ { return 302 http://127.0.0.1:${c.plain}$1$is_args$args; }
        location = /status/204 { return 204; }
    }
}
`;
}

function parseAccessLog(log: string): NginxAccessLogEntry[] {
  const entries: NginxAccessLogEntry[] = [];
  for (const line of log.split('\n')) {
    const m = LOG_LINE.exec(line);
    if (m === null) continue;
    entries.push({
      connection: Number(m[1]),
      connectionRequests: Number(m[2]),
      status: Number(m[3]),
      bodyBytesSent: Number(m[4]),
      requestLength: Number(m[5]),
      scheme: m[6]!,
      method: m[7]!,
      target: m[8]!,
    });
  }
  return entries;
}

/** Numbered lines of text: compressible, and any misplaced byte shows. */
function textLines(size: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `${String(i).padStart(6, '0')} the quick brown fox jumps over the lazy dog\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('').slice(0, size));
}
