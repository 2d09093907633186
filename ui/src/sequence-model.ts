// The sequence view's pure rules: where a shot moves (buttons and drops), what a shot's
// card says about its takes, which links a shot may have, and how "Generate all" states
// its price (reserved, and the settled figure where it differs). No DOM, no IPC.

import type { SequenceQuoteView } from './bindings/SequenceQuoteView';
import type { ShotLinkName } from './bindings/ShotLinkName';
import type { ShotView } from './bindings/ShotView';
import type { StateGroups } from './bindings/StateGroups';
import type { TakeView } from './bindings/TakeView';

/** The 1-based position a shot at `position` moves to, or null when it cannot move that way. */
export function movedPosition(position: number, direction: -1 | 1, count: number): number | null {
  const to = position + direction;
  return to < 1 || to > count ? null : to;
}

/**
 * The 1-based position for a shot dragged from index `from` and dropped on the card at
 * index `onto` (both 0-based): it takes that card's place. Null when nothing moves.
 */
export function dropPosition(from: number, onto: number): number | null {
  return from === onto || from < 0 || onto < 0 ? null : onto + 1;
}

/** The take the strip shows: the one the film uses, else the newest. */
export function shownTake(shot: ShotView): TakeView | null {
  const film = shot.takes.find((t) => t.task === shot.film_take);
  return film ?? shot.takes[shot.takes.length - 1] ?? null;
}

export type ShotStatus = 'no_take' | 'in_progress' | 'done' | 'failed' | 'needs_decision' | 'cancelled';

export function shotStatus(shot: ShotView, states: StateGroups): ShotStatus {
  const take = shownTake(shot);
  if (!take) return 'no_take';
  if (take.state === 'downloaded') return 'done';
  if (states.needs_decision.includes(take.state)) return 'needs_decision';
  if (states.failed.includes(take.state)) return 'failed';
  if (states.cancelled.includes(take.state)) return 'cancelled';
  return 'in_progress';
}

export const STATUS_LABEL: Record<ShotStatus, string> = {
  no_take: 'No take yet',
  in_progress: 'Generating',
  done: 'Done',
  failed: 'Failed',
  needs_decision: 'Needs your decision',
  cancelled: 'Cancelled',
};

export const LINK_LABEL: Record<ShotLinkName, string> = {
  none: 'None',
  keyframe: 'Keyframe from previous',
  extend: 'Extend previous',
};

/** The model an extension must use (the core refuses `extend` with any other). */
export const EXTEND_MODEL = 'seedance2-5-extend';

/** The links a shot at `position` may have: the first follows nothing. */
export function allowedLinks(position: number): ShotLinkName[] {
  return position <= 1 ? ['none'] : ['none', 'keyframe', 'extend'];
}

/** The model to keep when the link changes: extending needs the Extend model, and leaving it
 *  drops back to `fallback`. */
export function modelForLink(link: ShotLinkName, model: string, fallback: string): string {
  if (link === 'extend') return EXTEND_MODEL;
  return model === EXTEND_MODEL ? fallback : model;
}

const fmt = (credits: number) => {
  const rounded = Math.round(credits * 100) / 100;
  return `${rounded.toLocaleString('en-US')} ${rounded === 1 ? 'credit' : 'credits'}`;
};

/** "600 credits", or "400 credits reserved, 750 credits once settled". */
export function totalLabel(quote: SequenceQuoteView): string {
  if (!quote.settles_differently) return fmt(quote.credits);
  const most = quote.shots.some((s) => s.upper_bound) ? ' at most' : '';
  return `${fmt(quote.credits)} reserved, ${fmt(quote.settled_credits)}${most} once settled`;
}

/** The question asked before anything is paid; null when there is nothing to send. */
export function generateQuestion(quote: SequenceQuoteView): { question: string; detail: string } | null {
  const count = quote.shots.length;
  if (count === 0) return null;
  const skipped =
    quote.already_taken > 0
      ? ` ${quote.already_taken} shot${quote.already_taken === 1 ? ' already has' : 's already have'} a take and ${quote.already_taken === 1 ? 'is' : 'are'} not sent again.`
      : '';
  return {
    question: `Generate ${count} shot${count === 1 ? '' : 's'} for ${totalLabel(quote)}?`,
    detail: `Shots that follow another are sent once the take before them is in the library.${skipped}`,
  };
}

/** A percentage for the stitch bar, 0 to 100. */
export const percent = (fraction: number) => Math.max(0, Math.min(100, Math.round(fraction * 100)));
