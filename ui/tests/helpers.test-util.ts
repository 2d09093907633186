// Shared fixtures for the UI tests: a catalog as the shell sends it.
import type { Catalog } from '../src/bindings/Catalog';
import type { VideoJobInfo } from '../src/bindings/VideoJobInfo';
import type { TaskView } from '../src/bindings/TaskView';
import { vi } from 'vitest';
import type { GalleryDeps } from '../src/views/gallery';
import { createTaskNotes } from '../src/task-notes';
import { STATE_GROUPS } from './state-groups.generated';

/** The "2.0 way" jobs as `core/catalog/models.json` words them. */
export const VIDEO_JOBS: VideoJobInfo[] = [
  {
    id: 'restyle',
    label: 'Restyle the video',
    lead_in: 'Follow the movement and camera framing of the reference video, but ',
    placeholder: 'restyle it as claymation with warm studio lighting.',
    duration: 'any',
  },
  {
    id: 'edit',
    label: 'Edit the video',
    lead_in: 'Edit this video. ',
    placeholder: 'Keep the same people, movements and camera framing, but change the jacket to deep red.',
    duration: 'source',
  },
  {
    id: 'extend',
    label: 'Extend the video',
    lead_in: 'Continue this video from its final frame. ',
    placeholder: 'Describe only what happens next.',
    duration: 'new_footage',
  },
];

export const CATALOG: Catalog = {
  models: [
    {
      id: 'seedance-20',
      label: 'Seedance 2.0',
      resolutions: ['480p', '720p', '1080p', '4k'],
      prompt_max_chars: 10000,
      min_duration_secs: 4,
      max_duration_secs: 15,
      default_duration_secs: 5,
      max_images: 9,
      max_videos: 3,
      max_audios: 3,
      max_combined_video_secs: 15,
      max_combined_audio_secs: 15,
      seed_max: 4294967295,
      output_formats: ['mp4'],
      video_jobs: VIDEO_JOBS,
    },
    {
      id: 'seedance2-fast',
      label: 'Seedance 2.0 Fast',
      resolutions: ['480p', '720p'],
      prompt_max_chars: 10000,
      min_duration_secs: 4,
      max_duration_secs: 15,
      default_duration_secs: 5,
      max_images: 9,
      max_videos: 3,
      max_audios: 3,
      max_combined_video_secs: 15,
      max_combined_audio_secs: 15,
      seed_max: 4294967295,
      output_formats: ['mp4'],
      video_jobs: VIDEO_JOBS,
    },
  ],
  aspect_ratios: ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'],
  states: STATE_GROUPS,
};

/** A task row as the shell sends it; override what the test is about. */
export function taskView(overrides: Partial<TaskView> = {}): TaskView {
  return {
    id: 1,
    state: 'downloaded',
    prompt: 'A lighthouse in a storm',
    model: 'seedance-20',
    model_label: 'Seedance 2.0',
    resolution: '720p',
    duration_secs: 5,
    created_at_ms: 1_700_000_000_000,
    submitted_at_ms: null,
    completed_at_ms: null,
    expected_secs: null,
    queue_position: null,
    credits: 200,
    video_path: null,
    poster_path: null,
    output_url: null,
    failure_category: null,
    guidance: null,
    retry_of: null,
    retried_as: null,
    waiting_for: null,
    service: null,
    dismissed: false,
    reserved_credits: null,
    settled_credits: null,
    settlement_pending: false,
    output_mismatch: null,
    source_task: null,
    joined_path: null,
    take: null,
    verdict: null,
    ...overrides,
  };
}

/** Lets pending promises and IPC answers settle. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/** `[data-testid="id"]` inside `root`; throws when missing so a test cannot pass on nothing. */
export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const el = root.querySelector(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no [data-testid="${id}"]`);
  return el as T;
}

/** Whether `[data-testid="id"]` exists inside `root`. */
export const hasTestId = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) !== null;

/** A gallery's dependencies with every callback a mock; `overrides` for the rest. */
export function galleryDeps(overrides: Partial<GalleryDeps> = {}): GalleryDeps {
  return {
    states: STATE_GROUPS,
    onRemix: vi.fn(),
    onContinue: vi.fn(),
    onIntent: vi.fn(),
    onError: vi.fn(),
    toast: vi.fn(),
    notes: createTaskNotes(),
    onChooseLibrary: vi.fn(),
    ...overrides,
  };
}
