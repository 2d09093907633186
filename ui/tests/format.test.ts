import { describe, expect, it } from 'vitest';
import type { TaskState } from '../src/bindings/TaskState';
import {
  charCount,
  clock,
  fileName,
  grouped,
  keyCheckMessage,
  progressLabel,
  stateLabel,
  when,
  progressOf,
} from '../src/format';

describe('format', () => {
  it('formats clocks and ignores nonsense', () => {
    expect(clock(7)).toBe('0:07');
    expect(clock(125)).toBe('2:05');
    expect(clock(3723)).toBe('1:02:03');
    expect(clock(-5)).toBe('0:00');
    expect(clock(Number.NaN)).toBe('0:00');
  });

  it('shows elapsed against the usual time', () => {
    expect(progressLabel(72_000, 0, { earliest: 120, latest: 240 })).toBe('1:12 · usually 2–4 min');
    expect(progressLabel(72_000, 0, null)).toBe('1:12');
    expect(progressLabel(72_000, null, null)).toBe('');
  });

  it('names states, and shows unknown ones as they are', () => {
    expect(stateLabel('submission_unknown')).toBe('Needs your decision');
    expect(stateLabel('brand_new_state' as TaskState)).toBe('brand new state');
  });

  it('counts characters and names files', () => {
    expect(charCount(1234, 10000)).toBe('1,234 / 10,000');
    expect(fileName('/a/b/c.png')).toBe('c.png');
    expect(fileName('C:\\x\\y.mp4')).toBe('y.mp4');
  });

  it('groups whole numbers by hand exactly as the en-US formatter does', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
    for (const n of [
      0,
      -0,
      1,
      -1,
      12,
      999,
      1000,
      -1000,
      12345,
      123456,
      1234567,
      -987654321,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      2 ** 60,
      0.5,
      -12.345,
    ]) {
      expect(grouped(n)).toBe(intl.format(n));
    }
  });

  it('groups digits the same way on every call (one formatter, reused)', () => {
    expect(grouped(10000)).toBe('10,000');
    expect(grouped(1234.567)).toBe('1,234.57');
    expect(grouped(1234.567)).toBe('1,234.57');
    expect(grouped(0)).toBe('0');
  });

  it('writes local times by hand exactly as the en-US formatter does, in any time zone', () => {
    const savedZone = process.env.TZ;
    try {
      // Whole and half-hour offsets, a 45-minute one, both hemispheres' summer time.
      for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Sydney']) {
        process.env.TZ = zone;
        const intl = new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
        });
        const start = Date.UTC(2025, 0, 1);
        // Steps of 7 h 13 min over two years: every hour of the day, noon and midnight,
        // every month, and the days the clocks change.
        for (let ms = start; ms < start + 2 * 365 * 86_400_000; ms += 433 * 60_000) {
          expect(when(ms)).toBe(intl.format(ms));
        }
      }
    } finally {
      if (savedZone === undefined) delete process.env.TZ;
      else process.env.TZ = savedZone;
    }
    expect(when(Date.UTC(2026, 10, 25, 21, 14))).not.toBe(when(Date.UTC(2026, 10, 26, 21, 14)));
    expect(when(Number.NaN)).toBe('');
  });

  it('explains every key check result', () => {
    const at = { status: null, detail: null, checked_at_ms: 0 };
    expect(keyCheckMessage({ ...at, result: 'valid' })).toBe('The key works.');
    expect(keyCheckMessage({ ...at, result: 'invalid' })).toMatch(/did not accept/);
    expect(keyCheckMessage({ ...at, result: 'unexpected', status: 502 })).toMatch(/HTTP 502/);
  });
});

describe('progress against the usual window', () => {
  const window = { earliest: 120, latest: 240 };
  const start = 1_000_000;
  it('is the share of the window’s upper end, with the label of progressLabel', () => {
    const p = progressOf(start + 60_000, start, window);
    expect(p).toEqual({ fraction: 0.25, overdue: false, label: '1:00 · usually 2–4 min' });
  });

  it('says overdue past the window, and stays full', () => {
    const p = progressOf(start + 300_000, start, window);
    expect(p?.fraction).toBe(1);
    expect(p?.overdue).toBe(true);
  });

  it('has no bar without a window or a start', () => {
    expect(progressOf(start + 5_000, start, null)).toEqual({ fraction: 0, overdue: false, label: '0:05' });
    expect(progressOf(start, null, window)).toBeNull();
  });
});
