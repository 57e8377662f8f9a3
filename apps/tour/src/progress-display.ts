import { formatBytes } from '@gdhttp/cli/progress-bar';

/** Where the tour writes: `process.stdout`, or anything with `write(text)` and maybe `isTTY`. */
export interface TourOutput {
  /** Writes text as given; the tour ends its lines with `\n` itself. */
  write(text: string): unknown;
  /** True for a terminal: progress is then a bar redrawn in place. */
  readonly isTTY?: boolean;
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** Text before each line (default none). */
  readonly indent?: string;
  /** Least milliseconds between two redraws of the bar (default 50). */
  readonly redrawMs?: number;
  /** Clock in milliseconds (default `performance.now`), for tests. */
  readonly now?: () => number;
}

const BAR_WIDTH = 30;

/**
 * Shows download progress: on a terminal a bar redrawn in place with `\r`; elsewhere (a pipe, a
 * CI log) one line per quarter of a known size, or one every second when the size is unknown, so
 * a log gets a few lines and not thousands of redraws.
 *
 * @example
 * ```ts
 * const display = new ProgressDisplay(process.stdout);
 * http.on('progress', ({ downloadedBytes, bodySize }) => display.update(downloadedBytes, bodySize));
 * await http.request(url);
 * display.finish();
 * ```
 */
export class ProgressDisplay {
  readonly #output: TourOutput;
  readonly #tty: boolean;
  readonly #indent: string;
  readonly #redrawMs: number;
  readonly #now: () => number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #quarter = 0;
  #bytes = 0;
  #total = -1;

  /**
   * @param output - where to write; its `isTTY` picks the bar or the lines.
   * @param options - indent, redraw interval and clock.
   */
  constructor(output: TourOutput, options: ProgressDisplayOptions = {}) {
    this.#output = output;
    this.#tty = output.isTTY === true;
    this.#indent = options.indent ?? '';
    this.#redrawMs = options.redrawMs ?? 50;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Records progress and draws it when due.
   *
   * @param bytes - bytes received so far.
   * @param total - the expected total, or -1 when unknown.
   */
  update(bytes: number, total: number): void {
    this.#bytes = bytes;
    this.#total = total;
    const now = this.#now();
    if (this.#tty) {
      if (now - this.#lastDraw < this.#redrawMs) return;
      this.#lastDraw = now;
      this.#drawBar();
    } else if (total > 0) {
      // A line each time a new quarter is reached, the last quarter by finish().
      const quarter = Math.min(3, Math.floor((bytes / total) * 4));
      if (quarter > this.#quarter) {
        this.#quarter = quarter;
        this.#line();
      }
    } else if (now - this.#lastDraw >= 1000) {
      this.#lastDraw = now;
      this.#line();
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.#tty) {
      this.#drawBar();
      this.#output.write('\n');
    } else {
      this.#line();
    }
  }

  #describe(): string {
    const done = formatBytes(this.#bytes);
    return this.#total > 0 ? `${done} / ${formatBytes(this.#total)}` : done;
  }

  #drawBar(): void {
    let bar: string;
    if (this.#total > 0) {
      const fraction = Math.min(1, this.#bytes / this.#total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
      bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}  ${this.#describe()}`;
    } else {
      bar = `[${'?'.repeat(BAR_WIDTH)}]  ${this.#describe()}`;
    }
    // `\r` returns to the start; padding wipes what a longer previous line left.
    this.#output.write(`\r${this.#indent}${bar.padEnd(BAR_WIDTH + 28)}`);
  }

  #line(): void {
    const percent =
      this.#total > 0
        ? `${Math.floor(Math.min(1, this.#bytes / this.#total) * 100)}%`.padStart(4)
        : '';
    const text = percent === '' ? this.#describe() : `${percent}  ${this.#describe()}`;
    this.#output.write(`${this.#indent}${text}\n`);
  }
}
