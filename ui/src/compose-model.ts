// The compose panel's state rules, pure so they are tested without a window: defaults from
// the catalog, keeping choices inside what the chosen model offers, reference numbering,
// and the Generate button's label and disabled reason. Limits come from the core (via
// `catalog`) and problems from `compose_check`; nothing here re-validates a request.

import type { Catalog } from './bindings/Catalog';
import type { ComposeCheck } from './bindings/ComposeCheck';
import type { Draft } from './bindings/Draft';
import type { DraftReference } from './bindings/DraftReference';
import type { InputProblem } from './bindings/InputProblem';
import type { ModelInfo } from './bindings/ModelInfo';
import type { ProblemField } from './bindings/ProblemField';
import type { StateGroups } from './bindings/StateGroups';
import type { TaskState } from './bindings/TaskState';
import { grouped } from './format';

export function modelInfo(catalog: Catalog, id: string): ModelInfo | null {
  return catalog.models.find((m) => m.id === id) ?? null;
}

/** A fresh text-to-video draft for the first model, at its documented defaults. */
export function defaultDraft(catalog: Catalog): Draft {
  const model = catalog.models[0];
  return {
    model: model?.id ?? '',
    prompt: '',
    references: [],
    mode: null,
    duration_secs: model?.default_duration_secs ?? 5,
    resolution: model?.resolutions.includes('720p') ? '720p' : (model?.resolutions[0] ?? '720p'),
    aspect_ratio: null,
    generate_audio: true,
    high_bitrate: false,
    seed: null,
  };
}

/**
 * The draft with another model: a resolution the new model lacks falls back to its
 * closest offer (720p, else its first), and the duration is kept inside its range.
 */
export function withModel(catalog: Catalog, draft: Draft, id: string): Draft {
  const model = modelInfo(catalog, id);
  if (!model) return { ...draft, model: id };
  const resolution = model.resolutions.includes(draft.resolution)
    ? draft.resolution
    : model.resolutions.includes('720p')
      ? '720p'
      : (model.resolutions[model.resolutions.length - 1] ?? draft.resolution);
  const duration = Math.min(model.max_duration_secs, Math.max(model.min_duration_secs, draft.duration_secs));
  return { ...draft, model: id, resolution, duration_secs: duration };
}

/** 1-based number of `references[position]` among references of its kind ("image 2"). */
export function indexWithinKind(references: DraftReference[], position: number): number {
  const kind = references[position]?.kind;
  if (!kind) return 0;
  return references.slice(0, position + 1).filter((r) => r.kind === kind).length;
}

/** Position of the `index`-th (1-based) reference of `kind`, or -1. */
export function positionOf(references: DraftReference[], kind: string, index: number): number {
  let seen = 0;
  for (let i = 0; i < references.length; i += 1) {
    if (references[i]?.kind === kind) {
      seen += 1;
      if (seen === index) return i;
    }
  }
  return -1;
}

/** Moves the reference at `from` by `delta` places, clamped to the list. */
export function moveReference<T>(list: T[], from: number, delta: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, from + delta));
  if (to === from || from < 0 || from >= list.length) return list;
  const copy = list.slice();
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item as T);
  return copy;
}

export interface GenerateButton {
  label: string;
  disabled: boolean;
  /** Why Generate is disabled, in the creator's words; null when enabled. */
  reason: string | null;
}

/** The most takes one "Generate ×N" makes (the engine's `MAX_TAKES`; it refuses more). */
export const MAX_TAKES = 4;

/** The choices of the takes selector: 1 to {@link MAX_TAKES}. */
export const TAKE_CHOICES: number[] = Array.from({ length: MAX_TAKES }, (_, i) => i + 1);

/**
 * The price of `takes` takes of one draft, stated before anything is paid: "600 credits ≈
 * $2.82". One take keeps the core's own label.
 */
export function takesPriceLabel(estimate: { credits: number; usd: number; label: string }, takes: number): string {
  if (takes <= 1) return estimate.label;
  const credits = Math.round(estimate.credits * takes * 100) / 100;
  return `${grouped(credits)} credits ≈ $${(estimate.usd * takes).toFixed(2)}`;
}

/**
 * "Generate · 200 credits ≈ $0.94" (or "Generate 3 takes · 600 credits ≈ $2.82"), disabled
 * with the first blocking problem as the reason. While the check is pending (`check ===
 * null`) the button waits rather than guessing.
 */
export function generateButton(check: ComposeCheck | null, busy = false, takes = 1): GenerateButton {
  const what = takes > 1 ? `Generate ${takes} takes` : 'Generate';
  if (busy)
    return {
      label: 'Sending…',
      disabled: true,
      reason: takes > 1 ? `Recording ${takes} takes.` : 'Sending this generation.',
    };
  if (!check) return { label: what, disabled: true, reason: 'Checking the request…' };
  const label = check.estimate ? `${what} · ${takesPriceLabel(check.estimate, takes)}` : what;
  const first = check.problems[0];
  if (first) return { label, disabled: true, reason: first.message };
  if (!check.estimate) return { label, disabled: true, reason: 'This request has no price, so it cannot be sent.' };
  // The engine would refuse it (the spending cap): greyed before a click, not after.
  if (check.cap_refusal) return { label, disabled: true, reason: check.cap_refusal };
  return { label, disabled: false, reason: null };
}

/** Problems (then warnings) for one field, for the message under it. */
export function problemsFor(
  check: ComposeCheck | null,
  field: ProblemField,
  reference: number | null = null,
): { problems: InputProblem[]; warnings: InputProblem[] } {
  if (!check) return { problems: [], warnings: [] };
  const match = (p: InputProblem) => p.field === field && (reference === null || p.reference === reference);
  return { problems: check.problems.filter(match), warnings: check.warnings.filter(match) };
}

/** Prompt length in characters as the service counts them (code points). */
export function promptLength(prompt: string): number {
  return Array.from(prompt).length;
}

/**
 * Whether a task reaching `state` changes what counts against today's cap: a video made
 * (its settled price), a failure (refunded) or a task withdrawn (its reservation freed).
 */
export function spendingSettled(states: StateGroups, state: TaskState): boolean {
  return states.finished.includes(state) || states.failed.includes(state) || states.cancelled.includes(state);
}
