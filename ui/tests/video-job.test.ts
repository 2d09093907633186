// The "2.0 way" choices: offered only with a video and a model that has jobs, dropped when
// no longer offered, the lead-in as the core puts it on the wire, and the view's buttons.
import { describe, expect, it, vi } from 'vitest';
import type { Draft } from '../src/bindings/Draft';
import { defaultDraft, withModel } from '../src/compose-model';
import {
  chosenJob,
  EXTEND_MODEL,
  extendFromRow,
  jobDurationNote,
  keepOfferedJob,
  promptWithLeadIn,
  videoJobsFor,
} from '../src/video-job-model';
import { createVideoJobChoice } from '../src/views/video-job';
import { CATALOG, VIDEO_JOBS } from './helpers.test-util';

const NO_JOBS = {
  ...CATALOG,
  models: [
    ...CATALOG.models,
    { ...(CATALOG.models[0] as (typeof CATALOG.models)[0]), id: 'seedance2-5', video_jobs: [] },
  ],
};

function withVideo(draft: Draft): Draft {
  return {
    ...draft,
    references: [{ kind: 'video', path: '/clips/source.mp4', url: null, duration_ms: 4000 }],
  };
}

describe('video jobs (the 2.0 way)', () => {
  it('are offered once a reference video is attached to a model that has them', () => {
    const draft = defaultDraft(CATALOG);
    expect(videoJobsFor(CATALOG, draft)).toEqual([]);
    expect(videoJobsFor(CATALOG, withVideo(draft)).map((j) => j.id)).toEqual(['restyle', 'edit', 'extend']);
    expect(videoJobsFor(NO_JOBS, withVideo({ ...draft, model: 'seedance2-5' }))).toEqual([]);
  });

  it('a job no longer offered is dropped, never sent', () => {
    const extending = { ...withVideo(defaultDraft(CATALOG)), video_job: 'extend' };
    expect(keepOfferedJob(CATALOG, extending).video_job).toBe('extend');
    expect(keepOfferedJob(CATALOG, { ...extending, references: [] }).video_job).toBeNull();
    expect(keepOfferedJob(NO_JOBS, withModel(NO_JOBS, extending, 'seedance2-5')).video_job).toBeNull();
    expect(keepOfferedJob(CATALOG, { ...extending, video_job: 'dub' }).video_job).toBeNull();
  });

  it('puts the lead-in before the words once, as the core does on the wire', () => {
    const extend = VIDEO_JOBS[2] ?? null;
    expect(promptWithLeadIn(extend, 'The boat sails on.')).toBe(
      'Continue this video from its final frame. The boat sails on.',
    );
    expect(promptWithLeadIn(extend, 'continue this video from its final frame. The boat')).toBe(
      'continue this video from its final frame. The boat',
    );
    expect(promptWithLeadIn(null, 'The boat')).toBe('The boat');
  });

  it('says how the length is counted for edit and extend', () => {
    const draft = withVideo(defaultDraft(CATALOG));
    expect(jobDurationNote(chosenJob(CATALOG, { ...draft, video_job: 'edit' }))).toMatch(/as long as video 1/);
    expect(jobDurationNote(chosenJob(CATALOG, { ...draft, video_job: 'extend' }))).toMatch(/new footage only/);
    expect(jobDurationNote(chosenJob(CATALOG, { ...draft, video_job: 'restyle' }))).toBeNull();
  });

  it('the view shows the choices with a video, the lead-in of the chosen one, and reports a click', () => {
    const onChange = vi.fn();
    const view = createVideoJobChoice(CATALOG, onChange);
    const draft = defaultDraft(CATALOG);
    view.render(draft);
    expect(view.el.hidden).toBe(true);
    view.render({ ...withVideo(draft), video_job: 'extend' });
    expect(view.el.hidden).toBe(false);
    const buttons = [...view.el.querySelectorAll('button')];
    expect(buttons.map((b) => b.textContent)).toEqual(['Reference', 'Restyle', 'Edit', 'Extend']);
    expect(buttons.find((b) => b.textContent === 'Extend')?.getAttribute('aria-pressed')).toBe('true');
    expect(view.leadIn.hidden).toBe(false);
    expect(view.leadIn.textContent).toBe('Starts with: “Continue this video from its final frame.”');
    buttons.find((b) => b.textContent === 'Edit')?.click();
    expect(onChange).toHaveBeenCalledWith('edit');
    buttons[0]?.click();
    expect(onChange).toHaveBeenCalledWith(null);
  });
});

describe('extend a clip dropped in', () => {
  const WITH_EXTEND = {
    ...CATALOG,
    models: [
      ...CATALOG.models,
      {
        ...(CATALOG.models[0] as (typeof CATALOG.models)[0]),
        id: EXTEND_MODEL,
        label: 'Seedance 2.5 Extend',
        resolutions: ['480p', '720p', '1080p'],
        max_duration_secs: 30,
        video_jobs: [],
      },
    ],
  };
  const rows = [
    { ref: { kind: 'image' as const, path: '/x/a.png', url: null, duration_ms: null } },
    { ref: { kind: 'video' as const, path: '/x/clip.mp4', url: null, duration_ms: 4000 } },
  ];

  it('moves the draft to the extend model with that video first, as its source', () => {
    const draft = { ...defaultDraft(WITH_EXTEND), video_job: 'edit', mode: 'keyframe' as const };
    const next = extendFromRow(WITH_EXTEND, draft, rows, 1);
    expect(next?.draft.model).toBe(EXTEND_MODEL);
    expect(next?.draft.video_job).toBeNull();
    expect(next?.draft.mode).toBeNull();
    expect(next?.rows.map((r) => r.ref.path)).toEqual(['/x/clip.mp4', '/x/a.png']);
  });

  it('is not offered for an image, nor by a catalogue without an extend model', () => {
    expect(extendFromRow(WITH_EXTEND, defaultDraft(WITH_EXTEND), rows, 0)).toBeNull();
    expect(extendFromRow(CATALOG, defaultDraft(CATALOG), rows, 1)).toBeNull();
  });
});
