// The "2.0 way" in the compose panel, pure so it is tested without a window: with a model
// that offers video jobs (Seedance 2.0) and a reference video in the draft, the creator
// can restyle, edit or extend that video. The job's documented lead-in goes before the
// prompt (the core puts it on the wire) and the core prices the reference-video tier;
// nothing here computes a price or sends anything.

import type { Catalog } from './bindings/Catalog';
import type { Draft } from './bindings/Draft';
import type { VideoJobInfo } from './bindings/VideoJobInfo';
import { modelInfo, withModel } from './compose-model';

/** The jobs offered for this draft: the model's, once a reference video is attached. */
export function videoJobsFor(catalog: Catalog, draft: Draft): VideoJobInfo[] {
  if (!draft.references.some((r) => r.kind === 'video')) return [];
  return modelInfo(catalog, draft.model)?.video_jobs ?? [];
}

/**
 * The draft with its job kept only while it is still offered (another model, the video
 * removed): a job the draft can no longer have is dropped, never sent.
 */
export function keepOfferedJob(catalog: Catalog, draft: Draft): Draft {
  if (!draft.video_job) return draft;
  const offered = videoJobsFor(catalog, draft).some((j) => j.id === draft.video_job);
  return offered ? draft : { ...draft, video_job: null };
}

/** The chosen job's details, or null. */
export function chosenJob(catalog: Catalog, draft: Draft): VideoJobInfo | null {
  if (!draft.video_job) return null;
  return videoJobsFor(catalog, draft).find((j) => j.id === draft.video_job) ?? null;
}

/**
 * What the creator sees about the chosen job's length: an edit follows its video's
 * length, an extension's duration is the new footage only.
 */
export function jobDurationNote(job: VideoJobInfo | null): string | null {
  if (!job) return null;
  if (job.duration === 'source') return 'The result is as long as video 1; the price counts its length.';
  if (job.duration === 'new_footage') return 'Duration is the new footage only, after video 1 ends.';
  return null;
}

/**
 * The prompt as the service will read it: the lead-in, then the creator's words (the
 * core's rule: not led in twice when the words already open with it, in any case).
 */
export function promptWithLeadIn(job: VideoJobInfo | null, prompt: string): string {
  if (!job) return prompt;
  const words = prompt.trimStart();
  const lead = job.lead_in.trimEnd();
  if (words.slice(0, lead.length).toLowerCase() === lead.toLowerCase()) return prompt;
  return `${job.lead_in}${words}`;
}

/** The model that continues a clip with new footage (Seedance 2.5 Extend). */
export const EXTEND_MODEL = 'seedance2-5-extend';

/**
 * "Extend…" on a video the creator dropped or picked (a clip from outside the library):
 * the draft moves to the extend model with that video first, so it is the source the
 * service continues (the engine uploads it like any reference). `null` when the row is
 * not a video or this build's catalogue has no extend model.
 */
export function extendFromRow<T extends { ref: { kind: string } }>(
  catalog: Catalog,
  draft: Draft,
  rows: T[],
  position: number,
): { draft: Draft; rows: T[] } | null {
  const chosen = rows[position];
  if (chosen?.ref.kind !== 'video' || !modelInfo(catalog, EXTEND_MODEL)) return null;
  return {
    draft: withModel(catalog, { ...draft, video_job: null, mode: null, aspect_ratio: null }, EXTEND_MODEL),
    rows: [chosen, ...rows.filter((_, i) => i !== position)],
  };
}
