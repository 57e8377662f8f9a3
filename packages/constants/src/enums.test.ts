import { describe, expect, it } from 'vitest';
import {
  CONNECT_TIMEOUT_SECONDS,
  DefaultPort,
  HTTPRequestDefaults,
  Method,
  MIN_HOST_LENGTH,
  methodToken,
  ReadChunkSize,
  Result,
  Status,
  StreamPeerTCPStatus,
  StreamPeerTLSStatus,
} from './index.js';

/** Turns a `NUMBER NAME` table into the `[NAME, NUMBER]` pairs an enum object must hold. */
function table(text: string, prefix: string): Array<[string, number]> {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [number, name] = line.trim().split(/\s+/);
      return [name!.replace(prefix, ''), Number(number)];
    });
}

describe('Method', () => {
  // docs/godot-behavior.md#method
  const spec = table(
    `0 METHOD_GET
     1 METHOD_HEAD
     2 METHOD_POST
     3 METHOD_PUT
     4 METHOD_DELETE
     5 METHOD_OPTIONS
     6 METHOD_TRACE
     7 METHOD_CONNECT
     8 METHOD_PATCH
     9 METHOD_MAX`,
    'METHOD_',
  );

  it('matches HTTPClient.Method exactly', () => {
    expect(Object.entries(Method)).toEqual(spec);
  });

  it('names each method with its request-line token and MAX with none', () => {
    for (const [name, number] of spec.slice(0, 9)) expect(methodToken(number)).toBe(name);
    expect(methodToken(Method.MAX)).toBeUndefined();
    expect(methodToken(-1)).toBeUndefined();
    expect(methodToken(0.5)).toBeUndefined();
  });
});

describe('Status', () => {
  // docs/godot-behavior.md#status
  it('matches HTTPClient.Status exactly', () => {
    expect(Object.entries(Status)).toEqual(
      table(
        `0 STATUS_DISCONNECTED
         1 STATUS_RESOLVING
         2 STATUS_CANT_RESOLVE
         3 STATUS_CONNECTING
         4 STATUS_CANT_CONNECT
         5 STATUS_CONNECTED
         6 STATUS_REQUESTING
         7 STATUS_BODY
         8 STATUS_CONNECTION_ERROR
         9 STATUS_TLS_HANDSHAKE_ERROR`,
        'STATUS_',
      ),
    );
  });
});

describe('Result', () => {
  // docs/godot-behavior.md#result
  it('matches HTTPRequest.Result exactly', () => {
    expect(Object.entries(Result)).toEqual(
      table(
        `0 RESULT_SUCCESS
         1 RESULT_CHUNKED_BODY_SIZE_MISMATCH
         2 RESULT_CANT_CONNECT
         3 RESULT_CANT_RESOLVE
         4 RESULT_CONNECTION_ERROR
         5 RESULT_TLS_HANDSHAKE_ERROR
         6 RESULT_NO_RESPONSE
         7 RESULT_BODY_SIZE_LIMIT_EXCEEDED
         8 RESULT_BODY_DECOMPRESS_FAILED
         9 RESULT_REQUEST_FAILED
         10 RESULT_DOWNLOAD_FILE_CANT_OPEN
         11 RESULT_DOWNLOAD_FILE_WRITE_ERROR
         12 RESULT_REDIRECT_LIMIT_REACHED
         13 RESULT_TIMEOUT`,
        'RESULT_',
      ),
    );
  });
});

describe('StreamPeerTCPStatus and StreamPeerTLSStatus', () => {
  // docs/godot-behavior.md#stream-peer-statuses
  it('match Godot exactly', () => {
    expect(Object.entries(StreamPeerTCPStatus)).toEqual(
      table('0 NONE\n1 CONNECTING\n2 CONNECTED\n3 ERROR', ''),
    );
    expect(Object.entries(StreamPeerTLSStatus)).toEqual(
      table('0 DISCONNECTED\n1 HANDSHAKING\n2 CONNECTED\n3 ERROR\n4 ERROR_HOSTNAME_MISMATCH', ''),
    );
  });
});

describe('defaults', () => {
  it('are Godot 4 defaults', () => {
    expect(DefaultPort).toEqual({ HTTP: 80, HTTPS: 443 });
    expect(ReadChunkSize).toEqual({ DEFAULT: 65536, MIN: 256, MAX: 16777216 });
    expect(MIN_HOST_LENGTH).toBe(4);
    expect(CONNECT_TIMEOUT_SECONDS).toBe(30);
    // docs/godot-behavior.md#properties
    expect(HTTPRequestDefaults).toEqual({
      acceptGzip: true,
      bodySizeLimit: -1,
      downloadChunkSize: 65536,
      downloadFile: '',
      maxRedirects: 8,
      timeout: 0,
      useThreads: false,
    });
  });

  it('are frozen at the type level and plain at run time', () => {
    // `as const` objects: the value of each member is a literal type, and the objects are plain
    // data a logger can print.
    const port: 80 = DefaultPort.HTTP;
    expect(JSON.parse(JSON.stringify(DefaultPort))).toEqual({ HTTP: port, HTTPS: 443 });
  });
});
