// Tasks in flight: state, elapsed against the model's usual time, queue position, upload
// progress, Cancel while still queued; a submission of unknown outcome asks the creator
// what to do. Failures from this session stay here with their card until dismissed. A
// retry links to the task it retries; a finished video that could not be saved says why
// with what to do. The clock ticks only while something is in flight (no idle CPU).

import type { StateGroups } from '../bindings/StateGroups';
import type { TaskView } from '../bindings/TaskView';
import { clear, h } from '../dom';
import { stateLabel } from '../format';
import { takeLabel } from '../gallery-model';
import type { Intent } from '../guidance';
import * as ipc from '../ipc';
import type { TaskNotes } from '../task-notes';
import { createTaskStore, type TaskStore } from '../task-store';
import { downloadNotice } from './download-notice';
import { failureCard } from './failure-card';
import { progressBar } from './progress';
import { taskActions } from './task-actions';
import { taskStateLabel } from './task-wait';

export interface TasksDeps {
  /** The catalog's state groups: which tasks have a running clock, which a failure card. */
  states: StateGroups;
  onIntent(
    task: TaskView,
    intent: Intent,
    context: { kind: import('../bindings/Kind').Kind | null; index: number | null },
  ): void;
  onReviewUnknown(task: TaskView): void;
  onError(error: ipc.IpcError): void;
  /** Retry links and download problems, shared with the gallery. */
  notes: TaskNotes;
  /** Shows a task that is not in this panel (the gallery's details). */
  onOpenTask(id: number): void;
  onChooseLibrary(): void;
  /** The window's one record of each task's state, shared with the gallery. */
  store?: TaskStore;
}

export interface TasksView {
  el: HTMLElement;
  refresh(): Promise<void>;
  upload(taskId: number, reference: number, sent: number, total: number): void;
  /** A task changed: refresh, and keep a failure on screen. */
  changed(task: TaskView): void;
}

export function createTasks(deps: TasksDeps): TasksView {
  const el = h('section', { class: 'tasks', 'aria-label': 'In progress', 'data-testid': 'tasks' });
  const store = deps.store ?? createTaskStore();
  /** Ids of the tasks the engine is still working on, oldest first; their views are the store's. */
  let inFlight: number[] = [];
  /** Failures of this session, kept on screen until dismissed. */
  const failures = new Set<number>();
  const uploads = new Map<number, { reference: number; sent: number; total: number }>();
  let timer: ReturnType<typeof setInterval> | null = null;

  /** Scrolls to the task's row when this panel has it, else asks for it elsewhere. */
  function showTask(id: number) {
    const target = el.querySelector<HTMLElement>(`[data-testid="task"][data-task-id="${id}"]`);
    if (!target) {
      deps.onOpenTask(id);
      return;
    }
    target.scrollIntoView?.({ block: 'nearest' });
    target.focus();
  }

  function row(task: TaskView): HTMLElement {
    const upload = uploads.get(task.id);
    const take = takeLabel(task);
    const meta: string[] = [task.model_label, task.resolution, `${task.duration_secs} s`];
    // Takes of one request wait side by side with the same prompt: the number tells them apart.
    if (take) meta.unshift(take);
    if (task.state === 'queued' && task.queue_position !== null) meta.push(`#${task.queue_position + 1} in line`);
    const problem = task.state === 'succeeded' ? deps.notes.downloadProblem(task.id) : null;
    const children: (HTMLElement | null)[] = [
      h('div', { class: 'task-prompt', title: task.prompt }, task.prompt || '(no prompt)'),
      h(
        'div',
        { class: `state ${problem ? 'not-saved' : task.state}`, 'data-testid': 'task-state', 'data-state': task.state },
        problem ? 'Not saved yet' : taskStateLabel(task),
      ),
      h('div', { class: 'task-meta' }, meta.join(' · ')),
      deps.states.on_service.includes(task.state)
        ? h('div', { style: 'grid-column:1/-1' }, progressBar(task))
        : h('div', { class: 'task-meta', 'data-testid': 'task-elapsed' }),
    ];
    if (task.retry_of !== null) {
      const of = task.retry_of;
      children.push(
        h(
          'div',
          { style: 'grid-column:1/-1' },
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              'data-testid': 'task-retry-of',
              'aria-label': 'Retry of an earlier attempt: show it',
              onclick: () => showTask(of),
            },
            'Retry of an earlier attempt',
          ),
        ),
      );
    }
    if (problem) children.push(downloadNotice(task, problem, deps));
    children.push(
      taskActions(task, { onChanged: () => void refresh(), onError: deps.onError, toast: () => undefined }),
    );
    if (upload && task.state === 'queued') {
      const pct = upload.total ? Math.round((upload.sent / upload.total) * 100) : 0;
      children.push(
        h(
          'div',
          {
            class: 'progress',
            style: 'grid-column:1/-1',
            role: 'progressbar',
            'aria-label': `Uploading reference ${upload.reference + 1}`,
            'aria-valuemin': 0,
            'aria-valuemax': 100,
            'aria-valuenow': pct,
          },
          h('div', { style: `width:${pct}%` }),
        ),
      );
    }
    if (task.state === 'queued') {
      children.push(
        h(
          'div',
          { style: 'grid-column:1/-1' },
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-testid': 'task-cancel',
              'aria-label': `Cancel “${task.prompt.slice(0, 40)}”`,
              onclick: () => void ipc.tasksCancel(task.id).then(refresh, (e) => deps.onError(ipc.IpcError.from(e))),
            },
            'Cancel',
          ),
        ),
      );
    }
    if (task.state === 'submission_unknown') {
      children.push(
        h(
          'div',
          { class: 'failure', style: 'border-left-color: var(--warn)' },
          h('h3', {}, 'Did this one go through?'),
          h(
            'p',
            {},
            'The connection broke while sending it, so the app cannot tell whether the service created (and charged) the task. Sending it again may charge twice.',
          ),
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'primary',
                'data-testid': 'review-unknown',
                onclick: () => deps.onReviewUnknown(task),
              },
              'Decide what to do',
            ),
          ),
        ),
      );
    }
    if (deps.states.failed.includes(task.state)) {
      children.push(
        failureCard(task.guidance, {
          onIntent: (intent, context) => deps.onIntent(task, intent, context),
          retriedAs: deps.notes.retriedAs(task.id),
          onShowTask: showTask,
        }),
      );
      children.push(
        h(
          'div',
          { style: 'grid-column:1/-1' },
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-testid': 'task-dismiss',
              onclick: () => {
                failures.delete(task.id);
                render();
              },
            },
            'Dismiss',
          ),
        ),
      );
    }
    return h(
      'article',
      {
        class: 'task',
        tabindex: -1,
        'data-testid': 'task',
        'data-task-id': task.id,
        'data-state': task.state,
        'aria-label': `${stateLabel(task.state)}${take ? `, ${take}` : ''}: ${task.prompt.slice(0, 60)}`,
      },
      ...children,
    );
  }

  function render() {
    clear(el);
    const running = inFlight.map((id) => store.get(id)).filter((t): t is TaskView => t !== null);
    const failed = [...failures]
      .filter((id) => !inFlight.includes(id))
      .map((id) => store.get(id))
      .filter((t): t is TaskView => t !== null);
    const shown = groupRetries([...running, ...failed]);
    if (running.length) el.appendChild(h('h2', {}, 'In progress'));
    else if (failed.length) el.appendChild(h('h2', {}, 'Failed'));
    for (const task of shown) el.appendChild(row(task));
    if (failed.length) {
      el.appendChild(
        h(
          'div',
          { class: 'tasks-footer' },
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-testid': 'tasks-dismiss-failures',
              onclick: () => {
                failures.clear();
                render();
              },
            },
            failed.length === 1 ? 'Dismiss the failure' : `Dismiss ${failed.length} failures`,
          ),
        ),
      );
    }
    const ticking = running.some((t) => deps.states.on_service.includes(t.state));
    if (ticking && timer === null) timer = setInterval(render, 1000);
    if (!ticking && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  async function refresh() {
    try {
      const list = await ipc.tasksInFlight();
      store.put(...list);
      inFlight = list.map((t) => t.id);
      deps.notes.noteTasks(...list);
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    }
    render();
  }

  // Every change to a task shown here shows at once, not at the next list refresh.
  store.subscribe((changed) => {
    if (changed.some((t) => inFlight.includes(t.id) || failures.has(t.id))) render();
  });
  deps.notes.subscribe(render);

  return {
    el,
    refresh,
    upload(taskId, reference, sent, total) {
      uploads.set(taskId, { reference, sent, total });
      render();
    },
    changed(task) {
      store.put(task);
      deps.notes.noteTasks(task);
      if (deps.states.failed.includes(task.state)) {
        failures.add(task.id);
        // The event's view may lack the guidance the failure card needs.
        void ipc.taskGet(task.id).then(
          (full) => store.put(full),
          () => undefined,
        );
      }
      void refresh();
    },
  };
}

/**
 * The panel's order: as given, except that a retry follows the task it retries when both
 * are shown, so an attempt and its retry read together.
 */
export function groupRetries<T extends { id: number; retry_of: number | null }>(tasks: T[]): T[] {
  const ids = new Set(tasks.map((t) => t.id));
  const followers = new Map<number, T[]>();
  const roots: T[] = [];
  for (const task of tasks) {
    if (task.retry_of !== null && ids.has(task.retry_of) && task.retry_of !== task.id) {
      followers.set(task.retry_of, [...(followers.get(task.retry_of) ?? []), task]);
    } else roots.push(task);
  }
  const out: T[] = [];
  const visit = (task: T) => {
    if (out.includes(task)) return;
    out.push(task);
    for (const next of followers.get(task.id) ?? []) visit(next);
  };
  for (const task of roots) visit(task);
  // A cycle (never made by the engine) still shows every task.
  for (const task of tasks) if (!out.includes(task)) out.push(task);
  return out;
}
