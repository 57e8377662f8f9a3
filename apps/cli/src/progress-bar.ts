/** Where the bar is drawn: a stream with `write`, and its width when it is a terminal. */
export interface BarTarget {
  write(text: string): unknown;
  /** Terminal width; 80 when absent or 0. */
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Least time between two redraws, in milliseconds (default 100). */
  intervalMs?: number;
  /** The clock, in milliseconds (default `performance.now`); tests pass a fake one. */
  now?: () => number;
  /**
   * `bar` (default) redraws one line in place with `\r`, for a terminal. `lines` writes a line
   * per quarter of a known size (every second when the size is unknown) and one at the end, for a
   * pipe or a CI log, which would otherwise get thousands of redraws.
   */
  mode?: 'bar' | 'lines';
  /** Text before each line (default none); the tour indents its steps. */
  indent?: string;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Formats a byte count with binary units.
 *
 * @param n - bytes.
 * @returns e.g. `1536` → `1.5 KiB`, `512` → `512 B`.
 */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * Formats a duration for the ETA and elapsed time.
 *
 * @param seconds - the duration.
 * @returns `m:ss`, or `h:mm:ss` from one hour.
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * A one-line download progress bar redrawn in place with `\r`: percentage and bar (when the size
 * is known), bytes, average rate and ETA, then the elapsed time once done.
 *
 * Redraws at most every `intervalMs`, because HTTPRequest reports progress for every chunk it reads
 * (thousands of times per 100 MiB) and painting each would cost more than receiving it.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr);
 * http.on('progress', ({ downloadedBytes, bodySize }) => bar.update(downloadedBytes, bodySize));
 * await http.request(url);
 * bar.finish();
 * ```
 */
export class ProgressBar {
  readonly #target: BarTarget;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #lines: boolean;
  readonly #indent: string;
  #quarter = 0;
  #start = -1;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #bytes = 0;
  #total = -1;
  #drawnLength = -1;

  /**
   * @param target - where to draw (a terminal's stderr).
   * @param options - redraw interval and clock.
   */
  constructor(target: BarTarget, options: ProgressBarOptions = {}) {
    this.#target = target;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? (() => performance.now());
    this.#lines = options.mode === 'lines';
    this.#indent = options.indent ?? '';
  }

  /**
   * Records progress, and redraws when `intervalMs` has passed since the last drawing.
   *
   * @param bytes - body bytes received so far.
   * @param total - the body's size, or -1 when unknown (chunked, or read until close).
   */
  update(bytes: number, total: number): void {
    const now = this.#now();
    if (this.#start < 0) this.#start = now;
    this.#bytes = bytes;
    this.#total = total;
    if (this.#lines) {
      // A line each time a new quarter is reached (the last one by finish()), or every second.
      const quarter = total > 0 ? Math.min(3, Math.floor((bytes / total) * 4)) : 0;
      if (total > 0 ? quarter > this.#quarter : now - this.#lastDraw >= 1000) {
        this.#quarter = quarter;
        this.#lastDraw = now;
        this.#target.write(`${this.#indent}${this.render(now, false)}\n`);
      }
      return;
    }
    if (now - this.#lastDraw >= this.#intervalMs) {
      this.#lastDraw = now;
      this.#draw(this.render(now, false));
    }
  }

  /** Draws the final state (with the elapsed time) and ends the line; nothing if no byte came. */
  finish(): void {
    if (this.#start < 0) return;
    if (this.#lines) {
      this.#target.write(`${this.#indent}${this.render(this.#now(), true)}\n`);
      return;
    }
    this.#draw(this.render(this.#now(), true));
    this.#target.write('\n');
    this.#drawnLength = -1;
  }

  /** Ends a drawn line as it stands, so an error message starts on a line of its own. */
  abandon(): void {
    if (this.#drawnLength >= 0) this.#target.write('\n');
    this.#drawnLength = -1;
  }

  /**
   * The text of the bar, without `\r` or padding.
   *
   * @param now - the time, on the bar's clock.
   * @param done - whether to show the elapsed time instead of the ETA.
   * @returns the line, never wider than the target's columns minus one.
   */
  render(now: number, done: boolean): string {
    const elapsed = Math.max(0.001, (now - Math.max(this.#start, 0)) / 1000);
    const rate = this.#bytes / elapsed;
    const known = this.#total >= 0;
    const size = known
      ? `${formatBytes(this.#bytes)} / ${formatBytes(this.#total)}`
      : formatBytes(this.#bytes);
    const speed = `${formatBytes(Math.round(rate))}/s`;
    let tail: string;
    if (done) tail = `in ${formatDuration(elapsed)}`;
    else if (known && rate > 0) tail = `ETA ${formatDuration((this.#total - this.#bytes) / rate)}`;
    else tail = 'ETA --:--';
    const info = `${size}  ${speed}  ${tail}`;
    if (!known) return info;
    const fraction = this.#total === 0 ? 1 : Math.min(1, this.#bytes / this.#total);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    // A log line needs no drawn bar: the percentage says it.
    if (this.#lines) return `${percent}  ${info}`;
    // `100% [` + bar + `] ` + info must fit in columns - 1: a line that wraps cannot be redrawn
    // with `\r`. 24 cells leave room for the longest numbers on 80 columns, so the bar keeps its
    // width while they change; narrow terminals lose the bar before they lose the numbers.
    // A pseudo-terminal nobody sized reports 0 columns: draw for 80.
    const room = (this.#target.columns || 80) - 1 - this.#indent.length - info.length - 8;
    if (room < 10) return `${percent} ${info}`;
    const width = Math.min(24, room);
    const filled = Math.floor(fraction * width);
    return `${percent} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${info}`;
  }

  #draw(line: string): void {
    // Spaces erase what is left of a longer line drawn before (the rate and ETA change width).
    const erase = ' '.repeat(Math.max(0, this.#drawnLength - line.length));
    this.#target.write(`\r${this.#indent}${line}${erase}`);
    this.#drawnLength = line.length;
  }
}
