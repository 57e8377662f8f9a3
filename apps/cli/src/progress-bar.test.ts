import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, ProgressBar } from './progress-bar.js';

/** A terminal double and a clock the test moves by hand. */
function setup(columns = 80) {
  const writes: string[] = [];
  let now = 0;
  const bar = new ProgressBar(
    { write: (text: string) => writes.push(text), columns },
    { now: () => now },
  );
  return {
    bar,
    writes,
    at(ms: number) {
      now = ms;
    },
  };
}

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100.0 MiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
  });
});

describe('formatDuration', () => {
  it('writes m:ss, and h:mm:ss from an hour', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(61.4)).toBe('1:01');
    expect(formatDuration(3600 + 125)).toBe('1:02:05');
    expect(formatDuration(-3)).toBe('0:00');
  });
});

describe('ProgressBar', () => {
  it('draws bytes, percentage, rate and ETA, redrawing in place at most every 100 ms', () => {
    const { bar, writes, at } = setup();
    const MiB = 1024 * 1024;
    at(0);
    bar.update(0, 100 * MiB);
    expect(writes).toEqual(['\r  0% [........................] 0 B / 100.0 MiB  0 B/s  ETA --:--']);
    at(50);
    bar.update(5 * MiB, 100 * MiB); // too soon: recorded, not drawn
    expect(writes).toHaveLength(1);
    at(1000);
    bar.update(10 * MiB, 100 * MiB); // 10 MiB in 1 s: 90 MiB left takes 9 s
    expect(writes[1]).toBe(
      '\r 10% [##......................] 10.0 MiB / 100.0 MiB  10.0 MiB/s  ETA 0:09',
    );
    at(4000);
    bar.update(100 * MiB, 100 * MiB);
    at(4000);
    bar.finish();
    expect(writes.slice(2)).toEqual([
      '\r100% [########################] 100.0 MiB / 100.0 MiB  25.0 MiB/s  ETA 0:00',
      // The final line shows the elapsed time; a space erases the end of the longer ETA text.
      '\r100% [########################] 100.0 MiB / 100.0 MiB  25.0 MiB/s  in 0:04 ',
      '\n',
    ]);
  });

  it('shows bytes and rate without a bar when the size is unknown', () => {
    const { bar, writes, at } = setup();
    at(0);
    bar.update(512, -1);
    at(2000);
    bar.update(4096, -1);
    expect(writes[1]).toBe('\r4.0 KiB  2.0 KiB/s  ETA --:--');
  });

  it('never draws wider than the terminal: a narrow one loses the bar, not the numbers', () => {
    const { bar, at } = setup(40);
    at(0);
    bar.update(0, 10);
    at(1000);
    bar.update(5, 10);
    const line = bar.render(1000, false);
    expect(line).toBe(' 50% 5 B / 10 B  5 B/s  ETA 0:01');
    const wider = setup(50);
    wider.at(0);
    wider.bar.update(5, 10);
    expect(wider.bar.render(1000, false)).toBe(' 50% [#######.......] 5 B / 10 B  5 B/s  ETA 0:01');
    expect(wider.bar.render(1000, false)).toHaveLength(49);
  });

  it('writes nothing on finish when no byte came, and ends a drawn line on abandon', () => {
    const quiet = setup();
    quiet.bar.finish();
    quiet.bar.abandon();
    expect(quiet.writes).toEqual([]);
    const drawn = setup();
    drawn.bar.update(1, 2);
    drawn.bar.abandon();
    expect(drawn.writes.at(-1)).toBe('\n');
  });
});
