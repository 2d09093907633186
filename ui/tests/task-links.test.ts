// Retry links and download problems, in the tasks panel and the gallery, through
// mockIPC as the shell would answer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';
import type { GuidanceView } from '../src/bindings/GuidanceView';
import type { TaskView } from '../src/bindings/TaskView';
import { createTaskNotes } from '../src/task-notes';
import { createGallery } from '../src/views/gallery';
import { createTasks } from '../src/views/tasks';
import { byTestId, flush, galleryDeps, hasTestId, taskView } from './helpers.test-util';
import { STATE_GROUPS } from './state-groups.generated';

afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
});

const TRANSIENT: GuidanceView = {
  category: 'transient',
  retryable: true,
  refund: 'refunded',
  refund_note: 'Your credits were refunded.',
  title: 'Generation failed, try again',
  explanation: 'The service failed on its side.',
  action: { type: 'retry' },
  detail: null,
  field_problems: [],
};

/** A shell with these tasks: answers task_get, tasks_in_flight and gallery_list, and records every call. */
function shell(tasks: TaskView[], inFlight: () => TaskView[] = () => []) {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    switch (cmd) {
      case 'task_get':
        return tasks.find((t) => t.id === (args as { id: number }).id);
      case 'tasks_in_flight':
        return inFlight();
      case 'gallery_list':
        return { items: tasks, total: tasks.length, offset: 0 };
      case 'extend_made_from':
        // The details ask which clips were made from this one: none here.
        return [];
      default:
        return null;
    }
  });
  return calls;
}

function tasksPanel() {
  const deps = {
    states: STATE_GROUPS,
    onIntent: vi.fn(),
    onReviewUnknown: vi.fn(),
    onError: vi.fn(),
    onOpenTask: vi.fn(),
    onChooseLibrary: vi.fn(),
    notes: createTaskNotes(),
  };
  const view = createTasks(deps);
  document.body.appendChild(view.el);
  return { view, deps };
}

function gallery() {
  const deps = galleryDeps();
  const view = createGallery(deps);
  document.body.appendChild(view.el);
  return { view, deps };
}

const row = (root: ParentNode, id: number) =>
  root.querySelector(`[data-testid="task"][data-task-id="${id}"]`) as HTMLElement;
const drawer = () => byTestId(document.body, 'details');

describe('retry links in the tasks panel', () => {
  it('a retry links to its original, and the retried failure leads to the retry instead of Retry', async () => {
    const original = taskView({ id: 3, state: 'failed', guidance: TRANSIENT });
    const retry = taskView({ id: 5, state: 'waiting', retry_of: 3 });
    shell([original, retry], () => [retry]);
    const { view, deps } = tasksPanel();
    view.changed(original);
    await flush();
    await flush();

    const link = byTestId(row(view.el, 5), 'task-retry-of');
    expect(link.textContent).toBe('Retry of an earlier attempt');
    expect(link.getAttribute('aria-label')).toBe('Retry of an earlier attempt: show it');
    link.click();
    expect(document.activeElement).toBe(row(view.el, 3));

    const card = byTestId(row(view.el, 3), 'failure-card');
    expect(byTestId(card, 'failure-retried').textContent).toBe('Already sent again as a new attempt.');
    const action = byTestId(card, 'failure-action');
    expect(action.textContent).toBe('Show the retry');
    expect(card.querySelectorAll('button')).toHaveLength(1);
    action.click();
    expect(document.activeElement).toBe(row(view.el, 5));
    expect(deps.onIntent).not.toHaveBeenCalled();
  });

  it('a retry of a task not in the panel opens it elsewhere', async () => {
    shell([], () => [taskView({ id: 6, state: 'generating', retry_of: 1 })]);
    const { view, deps } = tasksPanel();
    await view.refresh();
    byTestId(row(view.el, 6), 'task-retry-of').click();
    expect(deps.onOpenTask).toHaveBeenCalledWith(1);
  });

  it('a failure not known to be retried still offers Retry', async () => {
    const original = taskView({ id: 3, state: 'failed', guidance: TRANSIENT });
    shell([original]);
    const { view, deps } = tasksPanel();
    view.changed(original);
    await flush();
    await flush();
    const action = byTestId(row(view.el, 3), 'failure-action');
    expect(action.textContent).toBe('Retry');
    action.click();
    expect(deps.onIntent).toHaveBeenCalledWith(expect.objectContaining({ id: 3 }), 'retry', {
      kind: null,
      index: null,
    });
  });
});

describe('takes in the tasks panel', () => {
  it('each take of one request says which it is, in its row and its label', async () => {
    const takes = [1, 2, 3].map((number) =>
      taskView({ id: 20 + number, state: 'generating', prompt: 'a fox', take: { group: 21, number, of: 3 } }),
    );
    const alone = taskView({ id: 30, state: 'generating', prompt: 'a fox' });
    shell([...takes, alone], () => [...takes, alone]);
    const { view } = tasksPanel();
    await view.refresh();
    for (const number of [1, 2, 3]) {
      const el = row(view.el, 20 + number);
      expect(el.querySelector('.task-meta')?.textContent).toMatch(new RegExp(`^Take ${number} of 3 · `));
      expect(el.getAttribute('aria-label')).toContain(`Take ${number} of 3: a fox`);
    }
    expect(row(view.el, 30).querySelector('.task-meta')?.textContent).not.toContain('Take');
    expect(row(view.el, 30).getAttribute('aria-label')).not.toContain('Take');
  });
});

describe('download failures in the tasks panel', () => {
  const saving = taskView({ id: 7, state: 'succeeded', output_url: 'https://static.example/v.mp4' });

  it('shows the message plainly with Choose library folder, Download again and Watch in browser', async () => {
    let inFlight = [saving];
    const calls = shell([saving], () => inFlight);
    const { view, deps } = tasksPanel();
    await view.refresh();
    expect(hasTestId(view.el, 'download-problem')).toBe(false);

    deps.notes.downloadFailed(7, {
      message: 'The library folder is not a folder: choose another one in Settings.',
      libraryFolder: true,
    });
    const notice = byTestId(row(view.el, 7), 'download-problem');
    expect(byTestId(row(view.el, 7), 'task-state').textContent).toBe('Not saved yet');
    expect(byTestId(notice, 'download-problem-message').textContent).toBe(
      'The library folder is not a folder: choose another one in Settings.',
    );
    expect(byTestId(notice, 'download-choose-library').className).toBe('primary');
    byTestId(notice, 'download-choose-library').click();
    expect(deps.onChooseLibrary).toHaveBeenCalledTimes(1);
    byTestId(notice, 'download-watch').click();
    await flush();
    expect(calls).toContainEqual(['gallery_open_url', { id: 7 }]);

    byTestId(notice, 'download-again').click();
    await flush();
    expect(calls).toContainEqual(['tasks_download_again', { id: 7 }]);
    const again = byTestId<HTMLButtonElement>(row(view.el, 7), 'download-again');
    expect(again.disabled).toBe(true);
    expect(again.textContent).toBe('Downloading again…');

    // Saved at last: the notice goes with the row.
    inFlight = [];
    view.changed({ ...saving, state: 'downloaded' });
    await flush();
    expect(deps.notes.downloadProblem(7)).toBeNull();
    expect(hasTestId(view.el, 'download-problem')).toBe(false);
  });

  it('a problem that is not the folder offers Download again as the primary action, and reports a refusal', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'tasks_in_flight') return [{ ...saving, output_url: null }];
      if (cmd === 'tasks_download_again') throw { code: 'not_allowed', message: 'This task is downloaded.' };
      if (cmd === 'extend_made_from') return [];
      return null;
    });
    const { view, deps } = tasksPanel();
    await view.refresh();
    deps.notes.downloadFailed(7, { message: 'The video could not be downloaded yet.', libraryFolder: false });
    const notice = byTestId(row(view.el, 7), 'download-problem');
    expect(hasTestId(notice, 'download-choose-library')).toBe(false);
    expect(hasTestId(notice, 'download-watch')).toBe(false);
    expect(byTestId(notice, 'download-again').className).toBe('primary');
    byTestId(notice, 'download-again').click();
    await flush();
    await flush();
    expect(deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'not_allowed' }));
  });
});

describe('gallery details', () => {
  it('link a retry and its original both ways, and a retried failure leads to its retry', async () => {
    const original = taskView({ id: 2, state: 'failed', guidance: TRANSIENT });
    const retry = taskView({ id: 8, state: 'downloaded', retry_of: 2 });
    const calls = shell([retry, original]);
    const { view } = gallery();
    await flush();
    const caption = view.el.querySelector('[data-testid="gallery-card"][data-task-id="8"]')?.textContent ?? '';
    expect(caption).toContain('· retry');

    await view.open(2);
    expect(byTestId(drawer(), 'details-retried-as').textContent).toBe('Sent again: show the new attempt');
    expect(hasTestId(drawer(), 'details-retry-of')).toBe(false);
    const action = byTestId(drawer(), 'failure-action');
    expect(action.textContent).toBe('Show the retry');
    action.click();
    await flush();
    expect(calls.filter(([c]) => c === 'task_get').map(([, a]) => a)).toEqual([{ id: 2 }, { id: 8 }]);
    expect(byTestId(drawer(), 'details-retry-of').textContent).toBe('Retry of an earlier attempt');
    expect(document.querySelectorAll('[data-testid="details"]')).toHaveLength(1);

    byTestId(drawer(), 'details-retry-of').click();
    await flush();
    expect(byTestId(drawer(), 'details-prompt').textContent).toBe(original.prompt);
    expect(hasTestId(drawer(), 'details-retried-as')).toBe(true);
  });

  it('a card shows its thumbnail by task id, and says so when the picture cannot load', async () => {
    mockConvertFileSrc('linux');
    shell([taskView({ id: 5, poster_path: '/library/clip_lastframe.png', video_path: '/library/clip.mp4' })]);
    const { view } = gallery();
    await flush();
    const card = view.el.querySelector('[data-testid="gallery-card"][data-task-id="5"]') as HTMLElement;
    const img = card.querySelector('img.poster') as HTMLImageElement;
    // Not the full last frame: the small copy the shell's thumb: scheme makes.
    expect(img.getAttribute('src')).toBe('thumb://localhost/5');
    expect(hasTestId(card, 'card-no-preview')).toBe(false);
    img.dispatchEvent(new Event('error'));
    expect(byTestId(card, 'card-no-preview').textContent).toBe('No preview');
    expect(card.querySelector('img')).toBeNull();
  });

  it('a video not saved says so on its card and in its details, until it is saved', async () => {
    const saving = taskView({ id: 7, state: 'succeeded', output_url: 'https://static.example/v.mp4' });
    shell([saving]);
    const { view, deps } = gallery();
    await flush();
    await view.open(7);
    expect(hasTestId(drawer(), 'download-problem')).toBe(false);

    deps.notes.downloadFailed(7, { message: 'The disk is full.', libraryFolder: true });
    const card = view.el.querySelector('[data-testid="gallery-card"][data-task-id="7"]') as HTMLElement;
    expect(byTestId(card, 'card-download-problem').textContent).toBe('The disk is full.');
    expect(card.getAttribute('aria-label')).toContain('Not saved to your library');
    expect(card.querySelector('.task-meta')?.textContent).toMatch(/^Not saved yet · /);
    expect(byTestId(drawer(), 'download-problem-message').textContent).toBe('The disk is full.');
    byTestId(drawer(), 'download-choose-library').click();
    expect(deps.onChooseLibrary).toHaveBeenCalledTimes(1);

    deps.notes.noteTasks({ ...saving, state: 'downloaded' });
    expect(hasTestId(drawer(), 'download-problem')).toBe(false);
  });

  it('Delete from history asks inline; No and Escape keep the video, Yes removes it', async () => {
    const done = taskView({ id: 4 });
    const calls = shell([done]);
    const { view } = gallery();
    await flush();
    await view.open(4);
    const deleted = () => calls.filter(([c]) => c === 'gallery_delete');

    byTestId(drawer(), 'action-delete').click();
    const question = byTestId(drawer(), 'confirm-delete');
    expect(document.getElementById(question.getAttribute('aria-labelledby') ?? '')?.textContent).toBe(
      'Remove this video from the history?',
    );
    expect(document.activeElement).toBe(byTestId(question, 'confirm-delete-no'));
    byTestId(question, 'confirm-delete-no').click();
    expect(document.activeElement).toBe(byTestId(drawer(), 'action-delete'));

    byTestId(drawer(), 'action-delete').click();
    byTestId(drawer(), 'confirm-delete-no').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }),
    );
    expect(hasTestId(document.body, 'details')).toBe(true);
    expect(hasTestId(drawer(), 'confirm-delete')).toBe(false);
    expect(deleted()).toEqual([]);

    byTestId(drawer(), 'action-delete').click();
    byTestId(drawer(), 'confirm-delete-yes').click();
    await flush();
    expect(deleted()).toEqual([['gallery_delete', { id: 4 }]]);
    expect(hasTestId(document.body, 'details')).toBe(false);
  });

  it('a delete the shell refuses is reported and the button comes back', async () => {
    mockIPC((cmd) => {
      if (cmd === 'task_get') return taskView({ id: 4 });
      if (cmd === 'gallery_list') return { items: [], total: 0, offset: 0 };
      if (cmd === 'gallery_delete') throw { code: 'not_found', message: 'Task #4 is not in the history.' };
      if (cmd === 'extend_made_from') return [];
      return null;
    });
    const { view, deps } = gallery();
    await view.open(4);
    byTestId(drawer(), 'action-delete').click();
    byTestId(drawer(), 'confirm-delete-yes').click();
    await flush();
    await flush();
    expect(deps.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'not_found' }));
    expect(document.activeElement).toBe(byTestId(drawer(), 'action-delete'));
  });
});
