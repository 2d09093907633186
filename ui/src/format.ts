// Pure formatting for the views: durations, states, file names, key-check results.
// No DOM, no IPC; unit-tested in tests/format.test.ts.

import type { KeyCheck } from './bindings/KeyCheck';
import type { Kind } from './bindings/Kind';
import type { TaskState } from './bindings/TaskState';

/** "0:07", "2:05", "1:02:03". Negative or NaN reads as "0:00". */
export function clock(totalSeconds: number): string {
  const s = Number.isFinite(totalSeconds) && totalSeconds > 0 ? Math.floor(totalSeconds) : 0;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "usually 2–4 min" from a window in seconds. */
export function expectedLabel(window: { earliest: number; latest: number } | null): string | null {
  if (!window) return null;
  const lo = Math.round(window.earliest / 60);
  const hi = Math.round(window.latest / 60);
  return lo === hi ? `usually about ${hi} min` : `usually ${lo}–${hi} min`;
}

/** Elapsed since `fromMs`, against the expected window: "1:12 of usually 2–4 min". */
export function progressLabel(
  nowMs: number,
  fromMs: number | null,
  window: { earliest: number; latest: number } | null,
): string {
  if (fromMs === null) return '';
  const elapsed = clock((nowMs - fromMs) / 1000);
  const expected = expectedLabel(window);
  return expected ? `${elapsed} · ${expected}` : elapsed;
}

const STATE_LABELS: Record<TaskState, string> = {
  draft: 'Draft',
  queued: 'Waiting for a free slot',
  submitting: 'Sending',
  waiting: 'In the queue',
  generating: 'Generating',
  succeeded: 'Saving to your library',
  downloaded: 'Done',
  failed: 'Failed',
  submission_unknown: 'Needs your decision',
  stuck: 'Taking unusually long',
  not_found: 'Unknown to the service',
  cancelled: 'Cancelled',
};

/** A creator-facing name for a task's state; one this build does not know is shown as it is. */
export function stateLabel(state: TaskState): string {
  return (STATE_LABELS as Partial<Record<string, string>>)[state] ?? state.replace(/_/g, ' ');
}

export function kindLabel(kind: Kind | null): string {
  switch (kind) {
    case 'image':
      return 'Image';
    case 'video':
      return 'Video';
    case 'audio':
      return 'Audio';
    default:
      return 'Unsupported';
  }
}

/** The last path component, for either separator. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** "4.5 s" from milliseconds. */
export function seconds(ms: number | null): string | null {
  if (ms === null) return null;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

// Made on first use, then reused: `toLocaleString` with arguments builds a new ICU
// formatter on every call (docs/benchmarks.md, "Figures behind the code's comments").
let groupedFormat: Intl.NumberFormat | null = null;

/** "10,000": digits grouped the way the rest of the app's English text is. */
export function grouped(n: number): string {
  // Whole numbers (counts, credits, the prompt counter) are grouped by hand: the first
  // Intl formatter of the page loads ICU's number data during start-up.
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
    const digits = String(Math.abs(n));
    let out = digits.slice(0, digits.length % 3 || 3);
    for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
    return n < 0 ? `-${out}` : out;
  }
  groupedFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  return groupedFormat.format(n);
}

/** "1,234 / 10,000". */
export function charCount(used: number, max: number): string {
  return `${grouped(used)} / ${grouped(max)}`;
}

/** One sentence about a key check. */
export function keyCheckMessage(check: KeyCheck): string {
  switch (check.result) {
    case 'valid':
      return 'The key works.';
    case 'invalid':
      return 'The service did not accept this key. Copy it again from your account page.';
    case 'no_api_access':
      return 'The key is right, but API access is not enabled for this account.';
    case 'unreachable':
      return 'The service could not be reached, so the key was not checked. Check your connection.';
    case 'unexpected':
      return `The service answered in an unexpected way${check.status ? ` (HTTP ${check.status})` : ''}; the key may still work.`;
    default:
      return 'The key check gave a result this version does not know.';
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const twoDigits = (n: number) => String(n).padStart(2, '0');

/**
 * "Nov 25, 09:14 PM": local time, written the way US English writes it, like the rest of
 * the app's words and numbers (unit-tested against the en-US `Intl` formatter). By hand
 * because the page's first `Intl` date formatter loads ICU's calendar and locale data on
 * the first card of every start-up (docs/benchmarks.md, "Figures behind the code's
 * comments"). An unreadable time reads as "".
 */
export function when(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '';
  const hours = date.getHours();
  const meridiem = hours < 12 ? 'AM' : 'PM';
  return `${MONTHS[date.getMonth()]} ${date.getDate()}, ${twoDigits(hours % 12 || 12)}:${twoDigits(date.getMinutes())} ${meridiem}`;
}

/** Where a running task stands against its model's usual window, for the progress bar. */
export interface Progress {
  /** 0..1 of the window's upper end; 1 once past it. */
  fraction: number;
  /** Past the window's upper end: the row says so, with what happens next. */
  overdue: boolean;
  /** "1:12 · usually 2–4 min", as {@link progressLabel}. */
  label: string;
}

export function progressOf(
  nowMs: number,
  fromMs: number | null,
  window: { earliest: number; latest: number } | null,
): Progress | null {
  if (fromMs === null) return null;
  const elapsed = Math.max(0, (nowMs - fromMs) / 1000);
  const label = progressLabel(nowMs, fromMs, window);
  if (!window || window.latest <= 0) return { fraction: 0, overdue: false, label };
  return { fraction: Math.min(1, elapsed / window.latest), overdue: elapsed > window.latest, label };
}

/** What the app does about a task past its usual time, in the creator's words. */
export const OVERDUE_NOTE =
  'Taking longer than usual. The app keeps checking on it; if it is still not done a few minutes from now it is marked as taking unusually long and still checked, and nothing more is charged.';
