// What the window says of a task's money and file beyond its first estimate: reserved
// and settled credits of a task that settles after success, and whether this window can
// play the saved file. Pure, so the rules are tested without a DOM.

import type { TaskView } from './bindings/TaskView';

type Money = Pick<TaskView, 'reserved_credits' | 'settled_credits' | 'settlement_pending'>;

const whole = (n: number) => `${Math.round(n)}`;

/**
 * "reserved 175 · settled 525", "reserved 175 · settles after success", or null when the
 * task's charge was never more than what it reserved (the usual credits line says it).
 */
export function settlementLine(task: Money): string | null {
  if (task.reserved_credits === null) return null;
  if (task.settled_credits !== null) {
    if (!task.settlement_pending && Math.abs(task.settled_credits - task.reserved_credits) < 0.005) return null;
    return `reserved ${whole(task.reserved_credits)} · settled ${whole(task.settled_credits)}`;
  }
  if (task.settlement_pending) return `reserved ${whole(task.reserved_credits)} · settles after success`;
  return null;
}

/** Extension lengths offered, in seconds (the 2.5 extend model's range). */
export const EXTEND_SECONDS = { min: 4, max: 30, initial: 5 } as const;

/** A length the creator typed, or the problem with it. */
export function extendSeconds(text: string): { seconds: number } | { problem: string } {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < EXTEND_SECONDS.min || n > EXTEND_SECONDS.max)
    return { problem: `Seconds: a whole number from ${EXTEND_SECONDS.min} to ${EXTEND_SECONDS.max}.` };
  return { seconds: n };
}

/**
 * Whether the window's player can be trusted with the file: `.mov` results are not played
 * here (the webview on Linux and Windows does not decode them); HEVC in an `.mp4` is only
 * found out when playing fails.
 */
export function playableHere(path: string): boolean {
  return !/\.mov$/i.test(path);
}

/** Whether `task` can be the source of an Extend or Edit: a finished video in the library. */
export function canChangeClip(task: Pick<TaskView, 'state' | 'video_path'>): boolean {
  return task.state === 'downloaded' && task.video_path !== null;
}
