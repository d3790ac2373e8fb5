import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatRate, type ProgressInfo } from '../../src/train/progress.js';

function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => { writes.push(s); return true; } } };
}
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}
const info = (step: number, over: Partial<ProgressInfo> = {}): ProgressInfo =>
  ({ step, loss: 2, lr: 0.003, mode: 'real', tokens: 1000, ...over });

describe('formatDuration', () => {
  it('formats h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00:00');
    expect(formatDuration(59.4)).toBe('0:00:59');
    expect(formatDuration(59.6)).toBe('0:01:00');
    expect(formatDuration(3661)).toBe('1:01:01');
    expect(formatDuration(100 * 3600 + 5 * 60 + 7)).toBe('100:05:07');
    expect(formatDuration(NaN)).toBe('--:--:--');
    expect(formatDuration(Infinity)).toBe('--:--:--');
    expect(formatDuration(-1)).toBe('--:--:--');
  });
  it('formats rates', () => {
    expect(formatRate(12.34)).toBe('12.3');
    expect(formatRate(512)).toBe('512');
    expect(formatRate(12345)).toBe('12.3k');
    expect(formatRate(1234567)).toBe('1.23M');
  });
});

describe('createProgress on a TTY', () => {
  it('redraws one line, throttled to one draw per 100 ms', () => {
    const { writes, stream } = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 1000, stream, now: clock.now });
    for (let s = 0; s < 100; s++) { clock.advance(10); p.update(info(s)); }
    // 100 updates over 1 s: the first draws at once, then every 10th.
    expect(writes.length).toBe(10);
    for (const w of writes) {
      expect(w.startsWith('\r\x1b[2K')).toBe(true);
      expect(w).not.toContain('\n');
    }
    p.done();
    expect(writes.at(-1)).toBe('\n');
    expect(writes.at(-2)).toContain('step  100/1000');
  });

  it('shows step/total, smoothed loss, lr, mode, tokens/s and ETA', () => {
    const { writes, stream } = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 100, stream, now: clock.now, label: 'ptb' });
    for (let s = 0; s < 10; s++) { clock.advance(1000); p.update(info(s, { mode: 'synthetic', loss: s === 3 ? NaN : 2 })); }
    const line = writes.at(-1)!;
    expect(line).toContain('ptb');
    expect(line).toContain('step  10/100');
    expect(line).toContain('10.0%');
    expect(line).toContain('loss 2.0000');
    expect(line).toContain('lr 3.00e-3');
    expect(line).toContain('synthetic');
    expect(line).toContain('1.00k tok/s');
    expect(line).toContain('ETA 0:01:30');
  });

  it('shows the latest sg_true_cos once a step has one, until the next', () => {
    const { writes, stream } = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 100, stream, now: clock.now });
    clock.advance(1000); p.update(info(0));
    expect(writes.at(-1)!).not.toContain('cos(ĝ,g)');
    clock.advance(1000); p.update({ ...info(1), sgTrueCos: 0.41234 });
    clock.advance(1000); p.update(info(2));
    expect(writes.at(-1)!).toContain('cos(ĝ,g) 0.412');
    clock.advance(1000); p.update({ ...info(3), sgTrueCos: null });
    expect(writes.at(-1)!).toContain('cos(ĝ,g) -');
  });

  it('always draws the final step and ends the line on done, with a summary', () => {
    const { writes, stream } = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress({ total: 3, stream, now: clock.now });
    p.update(info(0)); p.update(info(1)); p.update(info(2)); // no time passes
    expect(writes.length).toBe(2);
    expect(writes[1]).toContain('step 3/3');
    expect(writes[1]).toContain('ETA 0:00:00');
    p.done('finished: valid ppl 5.1');
    p.done('again');
    expect(writes.slice(-2)).toEqual(['\n', 'finished: valid ppl 5.1\n']);
    p.update(info(3));
    expect(writes.at(-1)).toBe('finished: valid ppl 5.1\n');
  });

  it('fits the line into the terminal width and copes with an unknown total', () => {
    const { writes, stream } = fakeStream(true, 30);
    const clock = fakeClock();
    const p = createProgress({ total: null, stream, now: clock.now, label: 'a-rather-long-label' });
    clock.advance(2000);
    p.update(info(41));
    expect(writes[0]!.length).toBe('\r\x1b[2K'.length + 29);
    const wide = fakeStream(true);
    const q = createProgress({ total: null, stream: wide.stream, now: clock.now });
    clock.advance(5000);
    q.update(info(41));
    expect(wide.writes[0]).toContain('step 42 ');
    expect(wide.writes[0]).not.toContain('ETA');
    expect(wide.writes[0]).toContain('elapsed 0:00:05');
  });
});

describe('createProgress off a TTY', () => {
  it('prints nothing per step and only the summary at the end', () => {
    const { writes, stream } = fakeStream(false);
    const clock = fakeClock();
    const p = createProgress({ total: 50, stream, now: clock.now });
    for (let s = 0; s < 50; s++) { clock.advance(500); p.update(info(s)); }
    expect(writes).toEqual([]);
    p.done();
    expect(writes).toEqual([]);
    p.done('summary');
    expect(writes).toEqual([]);
    const q = createProgress({ total: 50, stream, now: clock.now });
    q.done('summary');
    expect(writes).toEqual(['summary\n']);
  });

  it('prints one line every logEvery percent', () => {
    const { writes, stream } = fakeStream(false);
    const clock = fakeClock();
    const p = createProgress({ total: 200, stream, now: clock.now, logEvery: 25 });
    for (let s = 0; s < 200; s++) { clock.advance(10); p.update(info(s)); }
    expect(writes).toHaveLength(4);
    expect(writes.map((w) => /step\s+(\d+)\//.exec(w)![1])).toEqual(['50', '100', '150', '200']);
    for (const w of writes) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w).not.toContain('\r');
    }
  });

  it('logs once per threshold even when steps jump past several', () => {
    const { writes, stream } = fakeStream(false);
    const p = createProgress({ total: 100, stream, now: fakeClock().now, logEvery: 10 });
    p.update(info(34));
    p.update(info(35));
    p.update(info(39));
    p.update(info(99));
    expect(writes).toHaveLength(3);
  });
});
