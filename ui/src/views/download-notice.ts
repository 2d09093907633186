// The notice on a finished video that could not be put in the library (the engine's
// `download_failed` event): the engine's sentence as it is, "Download again", and when
// the library folder is the cause, "Choose library folder" first. The video is not lost:
// it stays on the service, and "Watch in browser" plays it from there meanwhile.

import type { TaskView } from '../bindings/TaskView';
import { h, uid } from '../dom';
import * as ipc from '../ipc';
import type { DownloadProblem, TaskNotes } from '../task-notes';

export interface DownloadNoticeDeps {
  notes: TaskNotes;
  /** Lets the creator pick another library folder (the engine then retries by itself). */
  onChooseLibrary(): void;
  onError(error: ipc.IpcError): void;
}

export function downloadNotice(
  task: Pick<TaskView, 'id' | 'output_url'>,
  problem: DownloadProblem,
  deps: DownloadNoticeDeps,
): HTMLElement {
  const titleId = uid('download-problem');
  const again = h(
    'button',
    {
      type: 'button',
      class: problem.libraryFolder ? '' : 'primary',
      'data-testid': 'download-again',
      disabled: problem.retrying,
      onclick: async () => {
        deps.notes.downloadRetrying(task.id);
        try {
          await ipc.tasksDownloadAgain(task.id);
        } catch (error) {
          // Refused (say, already saved): show why; the next event or refresh settles the notice.
          deps.onError(ipc.IpcError.from(error));
        }
      },
    },
    problem.retrying ? 'Downloading again…' : 'Download again',
  );
  const choose = problem.libraryFolder
    ? h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'download-choose-library',
          onclick: () => deps.onChooseLibrary(),
        },
        'Choose library folder',
      )
    : null;
  const watch = task.output_url?.startsWith('https://')
    ? h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          'data-testid': 'download-watch',
          onclick: () => void ipc.galleryOpenUrl(task.id).catch((e) => deps.onError(ipc.IpcError.from(e))),
        },
        'Watch in browser',
      )
    : null;
  return h(
    'section',
    {
      class: 'failure download-problem',
      role: 'group',
      'aria-labelledby': titleId,
      'data-testid': 'download-problem',
      'data-library-folder': String(problem.libraryFolder),
    },
    h('h3', { id: titleId }, 'Not saved to your library yet'),
    h('p', { 'data-testid': 'download-problem-message' }, problem.message),
    h('div', { class: 'actions' }, choose, again, watch),
  );
}
