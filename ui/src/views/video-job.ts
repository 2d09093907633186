// The "2.0 way" choices of the compose panel: with a Seedance 2.0 model and a reference
// video, "Restyle", "Edit" and "Extend" (or none) for video 1, and the chosen job's
// lead-in shown at the head of the prompt, as the service will read it. The rules live
// in `video-job-model.ts`; the price comes from the core's check like any other.

import type { Catalog } from '../bindings/Catalog';
import type { Draft } from '../bindings/Draft';
import { clear, h } from '../dom';
import { chosenJob, jobDurationNote, videoJobsFor } from '../video-job-model';

export interface VideoJobChoice {
  /** The choices, shown only while the draft's model offers jobs and it has a video. */
  el: HTMLElement;
  /** The chosen job's lead-in, for the head of the prompt field. */
  leadIn: HTMLElement;
  render(draft: Draft): void;
}

/** Short button names; the catalogue's labels ("Restyle the video") are their titles. */
const SHORT: Record<string, string> = { restyle: 'Restyle', edit: 'Edit', extend: 'Extend' };

export function createVideoJobChoice(catalog: Catalog, onChange: (job: string | null) => void): VideoJobChoice {
  const group = h('div', {
    class: 'segmented',
    role: 'group',
    'aria-label': 'What to do with video 1',
    'data-testid': 'video-jobs',
  });
  const note = h('div', { class: 'hint', 'data-testid': 'video-job-note' });
  const el = h('div', { class: 'field', hidden: true }, h('label', {}, 'With video 1'), group, note);
  const leadIn = h('div', { class: 'hint lead-in', 'data-testid': 'prompt-lead-in', hidden: true });

  function render(draft: Draft) {
    const jobs = videoJobsFor(catalog, draft);
    el.hidden = jobs.length === 0;
    clear(group);
    const choice = (id: string | null, label: string, title: string) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String((draft.video_job ?? null) === id),
          'data-testid': `video-job-${id ?? 'none'}`,
          title,
          onclick: () => onChange(id),
        },
        label,
      );
    if (jobs.length) {
      group.appendChild(choice(null, 'Reference', 'Use the video as a reference only'));
      for (const job of jobs) group.appendChild(choice(job.id, SHORT[job.id] ?? job.label, job.label));
    }
    const job = chosenJob(catalog, draft);
    note.textContent = jobDurationNote(job) ?? '';
    leadIn.hidden = job === null;
    leadIn.textContent = job ? `Starts with: “${job.lead_in.trim()}”` : '';
  }

  return { el, leadIn, render };
}
