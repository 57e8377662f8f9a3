import { ErrorCode, Method, Status } from '@gdhttp/constants';
import { type ScriptedServer, startScriptedServer } from '@gdhttp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPClient } from '../src/index.js';
import { connect, drive, readBody } from './drive.js';

const servers: ScriptedServer[] = [];
async function server(...replies: string[]): Promise<ScriptedServer> {
  const s = await startScriptedServer({ replies: replies.map((r) => [r]) });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('HTTPClient status sequence', () => {
  it('goes CONNECTING → CONNECTED for an IP literal, without RESOLVING', async () => {
    const s = await server(ok('hi'));
    const client = new HTTPClient();
    expect(client.connectToHost(s.host, s.port)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    expect(await drive(client, (st) => st === Status.CONNECTED)).toEqual([
      Status.CONNECTING,
      Status.CONNECTED,
    ]);
    client.close();
  });

  it('goes RESOLVING → CONNECTING → CONNECTED for a host name', async () => {
    const s = await server(ok('hi'));
    const client = new HTTPClient();
    expect(client.connectToHost('localhost', s.port)).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.RESOLVING);
    const seen = await drive(client, (st) => st === Status.CONNECTED || st === Status.CANT_CONNECT);
    expect(seen[0]).toBe(Status.RESOLVING);
    expect(seen).toContain(Status.CONNECTING);
    expect(seen.at(-1)).toBe(Status.CONNECTED);
    client.close();
  });

  it('moves one step per poll, as Godot: the poll that sees the address only starts connecting', async () => {
    const s = await server(ok('hi'));
    const client = new HTTPClient();
    client.connectToHost('localhost', s.port);
    // Let the lookup and the connect both finish before the first poll.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    // Nothing new will arrive from the socket: news() must still settle, since a poll has work.
    await client.news();
    expect(await drive(client, (st) => st !== Status.CONNECTING)).toEqual([
      Status.CONNECTING,
      Status.CONNECTED,
    ]);
    client.close();
  });

  it('shows CONNECTING before CANT_CONNECT when a resolved name refuses', async () => {
    const s = await server(ok('hi'));
    const port = s.port;
    await s.close();
    servers.pop();
    const client = new HTTPClient();
    client.connectToHost('localhost', port);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(client.poll()).toBe(ErrorCode.OK);
    expect(client.getStatus()).toBe(Status.CONNECTING);
    const seen = await drive(client, (st) => st !== Status.CONNECTING);
    expect(seen.at(-1)).toBe(Status.CANT_CONNECT);
  });

  it('goes REQUESTING → BODY → CONNECTED for a Content-Length body, and reuses the socket', async () => {
    const s = await server(ok('hello'), ok('world!'));
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    for (const expected of ['hello', 'world!']) {
      expect(client.request(Method.GET, '/', [])).toBe(ErrorCode.OK);
      expect(client.getStatus()).toBe(Status.REQUESTING);
      expect(await drive(client, (st) => st !== Status.REQUESTING)).toEqual([
        Status.REQUESTING,
        Status.BODY,
      ]);
      expect(client.getResponseCode()).toBe(200);
      expect(client.getResponseBodyLength()).toBe(expected.length);
      expect(text(await readBody(client))).toBe(expected);
      expect(client.getStatus()).toBe(Status.CONNECTED);
    }
    expect(s.connections).toBe(1);
    expect(s.requests.map((r) => r.connection)).toEqual([0, 0]);
    client.close();
  });

  it('ends DISCONNECTED after a read-until-close body, keeping code and headers', async () => {
    const s = await startScriptedServer({
      replies: [['HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close', { destroy: true }]],
    });
    servers.push(s);
    const client = new HTTPClient();
    await connect(client, s.host, s.port);
    client.request(Method.GET, '/', []);
    await drive(client, (st) => st !== Status.REQUESTING);
    expect(client.getStatus()).toBe(Status.BODY);
    expect(client.getResponseBodyLength()).toBe(-1);
    expect(text(await readBody(client))).toBe('until close');
    expect(client.getStatus()).toBe(Status.DISCONNECTED);
    expect(client.getResponseCode()).toBe(200);
    expect(client.getResponseHeaders()).toEqual(['X-A: 1']);
  });
});
