/**
 * The web demo's page: Godot's HTTPClient (the fetch-backed web build, picked by the `browser`
 * export condition) driven by `requestAnimationFrame`, the browser's frame loop. Each frame does
 * what one iteration of Godot's HTTPClient example does: `poll()` while connecting or
 * requesting, then `readResponseBodyChunk()` until a read comes back empty. Every status change
 * is printed with its frame number; the progress bar, headers and body follow the reads.
 */
import { HTTPClient } from '@gdhttp/client';
import { ErrorCode, Method, nameOf, Status } from '@gdhttp/constants';

/** Set by Vite's `define` (see `vite-server.ts`): the demo server's origin and routes. */
declare const __GDHTTP_DEMO__: {
  readonly origin: string;
  readonly routes: readonly { readonly path: string; readonly label: string }[];
};

/** One status change as the page saw it. */
export interface WebStatusChange {
  /** Frames since Send, from 0 (the frame that called `connectToHost()`). */
  readonly frame: number;
  /** The status name, e.g. `BODY`. */
  readonly name: string;
}

/** What the last run saw, as `window.gdhttpWeb` (read by the test through `page.evaluate`). */
export interface WebRun {
  /** The URL sent. */
  readonly url: string;
  /** True once the sequence has ended (DISCONNECTED after the body, or an error status). */
  done: boolean;
  /** Why it failed, or `null`. */
  error: string | null;
  /** Every status change in order. */
  readonly statuses: WebStatusChange[];
  /** The response code (0 without one). */
  responseCode: number;
  /** `getResponseHeaders()`. */
  headers: string[];
  /** `getResponseBodyLength()` (-1 when the browser does not tell). */
  bodyLength: number;
  /** Bytes read so far. */
  received: number;
  /** How many reads returned bytes. */
  reads: number;
  /** The body decoded as UTF-8, whole. */
  text: string;
  /** Frames the run took. */
  frames: number;
}

declare global {
  interface Window {
    gdhttpWeb?: WebRun;
  }
}

const BODY_PREVIEW = 3000;
const MAX_READS_PER_FRAME = 16;

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};
const form = $<HTMLFormElement>('form');
const urlBox = $<HTMLInputElement>('url');
const send = $<HTMLButtonElement>('send');
const routes = $<HTMLDivElement>('routes');
const progress = $<HTMLProgressElement>('progress');
const progressText = $<HTMLSpanElement>('progress-text');
const statusesView = $<HTMLPreElement>('statuses');
const headersView = $<HTMLPreElement>('headers');
const bodyView = $<HTMLPreElement>('body');
const resultView = $<HTMLSpanElement>('result');

const demo = __GDHTTP_DEMO__;
urlBox.value = `${demo.origin}${demo.routes[0]?.path ?? '/'}`;
for (const route of demo.routes) {
  const link = document.createElement('a');
  link.href = `${demo.origin}${route.path}`;
  link.textContent = route.path;
  link.title = route.label;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    urlBox.value = link.href;
  });
  routes.append(link);
}

const statusName = (status: Status): string => nameOf(Status, status) ?? String(status);
const codeName = (code: ErrorCode): string => nameOf(ErrorCode, code) ?? String(code);
const FAILED: readonly Status[] = [
  Status.CANT_RESOLVE,
  Status.CANT_CONNECT,
  Status.CONNECTION_ERROR,
  Status.TLS_HANDSHAKE_ERROR,
];

function formatBytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1048576).toFixed(2)} MiB`;
}

/** Runs one request on the frame loop; resolves when the status sequence has ended. */
function run(address: string): Promise<WebRun> {
  const state: WebRun = {
    url: address,
    done: false,
    error: null,
    statuses: [],
    responseCode: 0,
    headers: [],
    bodyLength: -1,
    received: 0,
    reads: 0,
    text: '',
    frames: 0,
  };
  window.gdhttpWeb = state;
  statusesView.textContent = '';
  headersView.textContent = '';
  bodyView.textContent = '';
  resultView.textContent = '';
  resultView.className = '';
  progress.max = 1;
  progress.value = 0;
  progressText.textContent = 'connecting…';

  const client = new HTTPClient();
  const decoder = new TextDecoder();
  let frame = 0;
  let requested = false;
  let sawBody = false;

  const say = (line: string): void => {
    statusesView.textContent += `${line}\n`;
  };
  /** Prints the status when it changed since the last call, with what caused it. */
  const note = (action = ''): void => {
    const name = statusName(client.getStatus());
    const changed = state.statuses.at(-1)?.name !== name;
    if (changed) state.statuses.push({ frame, name });
    if (changed || action !== '')
      say(`frame ${String(frame).padStart(4)}  ${(changed ? name : '').padEnd(14)}${action}`);
  };
  const showProgress = (): void => {
    if (state.bodyLength >= 0) {
      progress.max = Math.max(state.bodyLength, 1);
      progress.value = state.received;
      progressText.textContent = `${formatBytes(state.received)} of ${formatBytes(state.bodyLength)}`;
    } else {
      progress.removeAttribute('value'); // indeterminate: the browser does not tell the size
      progressText.textContent = `${formatBytes(state.received)} (length unknown)`;
    }
  };
  const showBody = (): void => {
    const text = state.text;
    bodyView.textContent =
      text.length > BODY_PREVIEW
        ? `${text.slice(0, BODY_PREVIEW)}\n… ${formatBytes(state.received)} in all, ${state.reads} reads`
        : text;
  };

  return new Promise((resolve) => {
    const finish = (error: string | null): void => {
      state.error = error;
      state.done = true;
      state.frames = frame + 1;
      state.text += decoder.decode();
      showBody();
      if (error === null) {
        progress.max = Math.max(state.received, 1);
        progress.value = progress.max;
        progressText.textContent = `${formatBytes(state.received)} in ${frame + 1} frames`;
      } else {
        progressText.textContent = 'failed';
      }
      resultView.textContent =
        error === null ? `— ${state.responseCode}, ${frame + 1} frames` : `— ${error}`;
      resultView.className = error === null ? 'ok' : 'failed';
      client.close();
      resolve(state);
    };

    const parsed = URL.canParse(address) ? new URL(address) : null;
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      say(`not an http:// or https:// URL: ${address}`);
      finish('bad URL');
      return;
    }
    const host = `${parsed.protocol}//${parsed.hostname}`;
    const port = parsed.port === '' ? -1 : Number(parsed.port);
    const target = `${parsed.pathname}${parsed.search}`;

    note('new HTTPClient()');
    const err = client.connectToHost(host, port);
    note(`connectToHost("${host}", ${port}) = ${codeName(err)}`);
    if (err !== ErrorCode.OK) {
      finish(`connectToHost: ${codeName(err)}`);
      return;
    }

    const tick = (): void => {
      frame += 1;
      const status = client.getStatus();
      if (status === Status.RESOLVING || status === Status.CONNECTING) {
        client.poll();
        note();
      } else if (status === Status.CONNECTED && !requested) {
        requested = true;
        const code = client.request(Method.GET, target, ['Accept: text/plain, */*']);
        note(`request(GET, "${target}") = ${codeName(code)}`);
        if (code !== ErrorCode.OK) {
          finish(`request: ${codeName(code)}`);
          return;
        }
      } else if (status === Status.REQUESTING) {
        client.poll();
        if (client.getStatus() === Status.BODY) {
          sawBody = true;
          state.responseCode = client.getResponseCode();
          state.headers = client.getResponseHeaders();
          state.bodyLength = client.getResponseBodyLength();
          headersView.textContent = state.headers.join('\n');
          note(
            `${state.responseCode}, ${client.isResponseChunked() ? 'chunked' : `length ${state.bodyLength}`}`,
          );
          showProgress();
        } else note();
      } else if (status === Status.BODY) {
        client.poll();
        for (let i = 0; i < MAX_READS_PER_FRAME; i++) {
          const chunk = client.readResponseBodyChunk();
          if (chunk.length === 0) break;
          state.reads += 1;
          state.received += chunk.length;
          state.text += decoder.decode(chunk, { stream: true });
        }
        note();
        showProgress();
        if (state.text.length <= BODY_PREVIEW || frame % 10 === 0) showBody();
      }
      const now = client.getStatus();
      if (FAILED.includes(now)) {
        finish(`${statusName(now)}${client.lastError ? `: ${client.lastError.message}` : ''}`);
        return;
      }
      if (sawBody && (now === Status.DISCONNECTED || now === Status.CONNECTED)) {
        finish(null);
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  send.disabled = true;
  void run(urlBox.value.trim()).finally(() => {
    send.disabled = false;
  });
});
document.body.dataset.ready = 'true';
