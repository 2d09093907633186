// Tasks in flight: state, elapsed against the model's usual time, queue position, upload
// progress, Cancel while still queued; a submission of unknown outcome asks the creator
// what to do. Failures from this session stay here with their card until dismissed.
// The clock ticks only while something is in flight (no idle CPU).

import type { TaskView } from '../bindings/TaskView';
import { clear, h } from '../dom';
import { progressLabel, stateLabel } from '../format';
import type { Intent } from '../guidance';
import * as ipc from '../ipc';
import { failureCard } from './failure-card';

export interface TasksDeps {
  onIntent(task: TaskView, intent: Intent, context: { kind: import('../bindings/Kind').Kind | null; index: number | null }): void;
  onReviewUnknown(task: TaskView): void;
  onError(error: ipc.IpcError): void;
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

  function row(task: TaskView): HTMLElement {
    const upload = uploads.get(task.id);
    const meta: string[] = [task.model_label, task.resolution, `${task.duration_secs} s`];
    if (task.state === 'queued' && task.queue_position !== null) meta.push(`#${task.queue_position + 1} in line`);
    const elapsed = ['waiting', 'generating', 'stuck'].includes(task.state)
      ? progressLabel(Date.now(), task.submitted_at_ms ?? task.created_at_ms, task.expected_secs)
      : '';
    const children: (HTMLElement | null)[] = [
      h('div', { class: 'task-prompt', title: task.prompt }, task.prompt || '(no prompt)'),
      h('div', { class: `state ${task.state}`, 'data-testid': 'task-state', 'data-state': task.state }, stateLabel(task.state)),
      h('div', { class: 'task-meta' }, meta.join(' · ')),
      h('div', { class: 'task-meta', 'data-testid': 'task-elapsed' }, elapsed),
    ];
    if (upload && task.state === 'queued') {
      const pct = upload.total ? Math.round((upload.sent / upload.total) * 100) : 0;
      children.push(h('div', { class: 'progress', style: 'grid-column:1/-1', role: 'progressbar', 'aria-label': `Uploading reference ${upload.reference + 1}`, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct }, h('div', { style: `width:${pct}%` })));
    }
    if (task.state === 'queued') {
      children.push(h('div', { style: 'grid-column:1/-1' }, h('button', {
        type: 'button', class: 'ghost', 'data-testid': 'task-cancel', 'aria-label': `Cancel “${task.prompt.slice(0, 40)}”`,
        onclick: () => void ipc.tasksCancel(task.id).then(refresh, (e) => deps.onError(ipc.IpcError.from(e))),
      }, 'Cancel')));
    }
    if (task.state === 'submission_unknown') {
      children.push(h('div', { class: 'failure', style: 'border-left-color: var(--warn)' },
        h('h3', {}, 'Did this one go through?'),
        h('p', {}, 'The connection broke while sending it, so the app cannot tell whether the service created (and charged) the task. Sending it again may charge twice.'),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'data-testid': 'review-unknown', onclick: () => deps.onReviewUnknown(task) }, 'Decide what to do'))));
    }
    if (task.state === 'failed' || task.state === 'not_found') {
      children.push(failureCard(task.guidance, { onIntent: (intent, context) => deps.onIntent(task, intent, context) }));
      children.push(h('div', { style: 'grid-column:1/-1' }, h('button', {
        type: 'button', class: 'ghost', 'data-testid': 'task-dismiss',
        onclick: () => { failures.delete(task.id); render(); },
      }, 'Dismiss')));
    }
    return h('article', { class: 'task', 'data-testid': 'task', 'data-task-id': task.id, 'aria-label': `Task: ${task.prompt.slice(0, 60)}` }, ...children);
  }

  function render() {
    clear(el);
    const shown = [...inFlight, ...[...failures.values()].filter((f) => !inFlight.some((t) => t.id === f.id))];
    if (shown.length) el.appendChild(h('h2', {}, 'In progress'));
    for (const task of shown) el.appendChild(row(task));
    const ticking = inFlight.some((t) => ['waiting', 'generating', 'stuck'].includes(t.state));
    if (ticking && timer === null) timer = setInterval(render, 1000);
    if (!ticking && timer !== null) { clearInterval(timer); timer = null; }
  }

  async function refresh() {
    try {
      inFlight = await ipc.tasksInFlight();
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    }
    render();
  }

  return {
    el,
    refresh,
    upload(taskId, reference, sent, total) {
      uploads.set(taskId, { reference, sent, total });
      render();
    },
    changed(task) {
      if (task.state === 'failed') {
        void ipc.taskGet(task.id).then((full) => { failures.set(task.id, full); render(); }, () => undefined);
      }
      void refresh();
    },
  };
}
