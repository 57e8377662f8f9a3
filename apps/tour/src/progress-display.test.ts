import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from './progress-display.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

const MiB = 1024 * 1024;

describe('ProgressDisplay', () => {
  it('draws a bar in place on a terminal, at most once per redraw interval', () => {
    const out = sink(true);
    let now = 0;
    const display = new ProgressDisplay(out, { indent: '  ', redrawMs: 50, now: () => now });
    display.update(MiB, 4 * MiB);
    now = 10;
    display.update(2 * MiB, 4 * MiB); // too soon: not drawn
    now = 60;
    display.update(3 * MiB, 4 * MiB);
    display.finish();

    expect(out.writes).toHaveLength(4);
    expect(out.writes[0]).toMatch(/^\r {2}\[#{8}-{22}\] {2}25% {2}1\.0 MiB \/ 4\.0 MiB +$/);
    expect(out.writes[1]).toContain(' 75%  3.0 MiB / 4.0 MiB');
    expect(out.writes[2]).toContain(' 75%'); // finish redraws the last state…
    expect(out.writes[3]).toBe('\n'); // …and ends the line
  });

  it('writes one line per quarter elsewhere, so a log stays short', () => {
    const out = sink(false);
    const display = new ProgressDisplay(out, { indent: '  ' });
    for (let bytes = 64 * 1024; bytes <= 8 * MiB; bytes += 64 * 1024)
      display.update(bytes, 8 * MiB);
    display.finish();
    expect(out.writes).toEqual([
      '   25%  2.0 MiB / 8.0 MiB\n',
      '   50%  4.0 MiB / 8.0 MiB\n',
      '   75%  6.0 MiB / 8.0 MiB\n',
      '  100%  8.0 MiB / 8.0 MiB\n',
    ]);
  });

  it('writes a line a second when the size is unknown', () => {
    const out = sink(false);
    let now = 0;
    const display = new ProgressDisplay(out, { now: () => now });
    display.update(100, -1);
    now = 500;
    display.update(200, -1);
    now = 1100;
    display.update(2048, -1);
    display.finish();
    expect(out.writes).toEqual(['100 B\n', '2.0 KiB\n', '2.0 KiB\n']);
  });

  it('shows bytes without a percentage on a terminal when the size is unknown', () => {
    const out = sink(true);
    const display = new ProgressDisplay(out);
    display.update(1536, -1);
    expect(out.writes[0]).toMatch(/^\r\[\?{30}\] {2}1\.5 KiB +$/);
  });
});
