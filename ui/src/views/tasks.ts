// Tasks in flight: state, elapsed against the model's usual time, queue position, upload
// progress, Cancel while still queued; a submission of unknown outcome asks the creator
// what to do. Failures from this session stay here with their card until dismissed. A
// retry links to the task it retries; a finished video that could not be saved says why
// with what to do. The clock ticks only while something is in flight (no idle CPU).

import type { StateGroups } from '../bindings/StateGroups';
import type { TaskView } from '../bindings/TaskView';
import { clear, h } from '../dom';
import { progressLabel } from '../format';
import type { Intent } from '../guidance';
import * as ipc from '../ipc';
import type { TaskNotes } from '../task-notes';
import { downloadNotice } from './download-notice';
import { failureCard } from './failure-card';
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
  let inFlight: TaskView[] = [];
  const failures = new Map<number, TaskView>();
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
    const meta: string[] = [task.model_label, task.resolution, `${task.duration_secs} s`];
    if (task.state === 'queued' && task.queue_position !== null) meta.push(`#${task.queue_position + 1} in line`);
    const elapsed = deps.states.on_service.includes(task.state)
      ? progressLabel(Date.now(), task.submitted_at_ms ?? task.created_at_ms, task.expected_secs)
      : '';
    const problem = task.state === 'succeeded' ? deps.notes.downloadProblem(task.id) : null;
    const children: (HTMLElement | null)[] = [
      h('div', { class: 'task-prompt', title: task.prompt }, task.prompt || '(no prompt)'),
      h(
        'div',
        { class: `state ${problem ? 'not-saved' : task.state}`, 'data-testid': 'task-state', 'data-state': task.state },
        problem ? 'Not saved yet' : taskStateLabel(task),
      ),
      h('div', { class: 'task-meta' }, meta.join(' · ')),
      h('div', { class: 'task-meta', 'data-testid': 'task-elapsed' }, elapsed),
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
              'aria-label': `Retry of task #${of}: show it`,
              onclick: () => showTask(of),
            },
            `Retry of #${of}`,
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
        'aria-label': `Task #${task.id}: ${task.prompt.slice(0, 60)}`,
      },
      ...children,
    );
  }

  function render() {
    clear(el);
    const shown = [...inFlight, ...[...failures.values()].filter((f) => !inFlight.some((t) => t.id === f.id))];
    if (shown.length) el.appendChild(h('h2', {}, 'In progress'));
    for (const task of shown) el.appendChild(row(task));
    const ticking = inFlight.some((t) => deps.states.on_service.includes(t.state));
    if (ticking && timer === null) timer = setInterval(render, 1000);
    if (!ticking && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  async function refresh() {
    try {
      inFlight = await ipc.tasksInFlight();
      deps.notes.noteTasks(...inFlight);
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    }
    render();
  }

  deps.notes.subscribe(render);

  return {
    el,
    refresh,
    upload(taskId, reference, sent, total) {
      uploads.set(taskId, { reference, sent, total });
      render();
    },
    changed(task) {
      deps.notes.noteTasks(task);
      if (task.state === 'failed') {
        void ipc.taskGet(task.id).then(
          (full) => {
            failures.set(task.id, full);
            render();
          },
          () => undefined,
        );
      }
      void refresh();
    },
  };
}
