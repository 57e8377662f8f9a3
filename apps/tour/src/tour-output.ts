/** Where the tour writes: `process.stdout`, or anything with `write(text)` and maybe `isTTY`. */
export interface TourOutput {
  /** Writes text as given; the tour ends its lines with `\n` itself. */
  write(text: string): unknown;
  /** True for a terminal: download progress is then a bar redrawn in place, else a few lines. */
  readonly isTTY?: boolean;
  /** A terminal's width, for the progress bar. */
  readonly columns?: number;
}
