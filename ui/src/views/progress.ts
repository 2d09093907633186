// The running task's progress as the tasks panel, the card and the details draw it:
// elapsed time against the model's usual window (from the catalogue's timing, sent as
// `expected_secs`) as a bar, and past the window a visible note saying what happens next.

import type { StateGroups } from '../bindings/StateGroups';
import type { TaskView } from '../bindings/TaskView';
import { h } from '../dom';
import { OVERDUE_NOTE, progressOf, stateLabel } from '../format';

/** The bar with its label; the overdue note under it once past the usual window. */
export function progressBar(task: TaskView, nowMs = Date.now()): HTMLElement {
  const p = progressOf(nowMs, task.submitted_at_ms ?? task.created_at_ms, task.expected_secs);
  const pct = Math.round((p?.fraction ?? 0) * 100);
  return h(
    'div',
    { class: `run-progress${p?.overdue ? ' overdue' : ''}`, 'data-testid': 'run-progress' },
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-label': 'Time so far against the usual time',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': pct,
        'aria-valuetext': p?.label ?? '',
      },
      h('div', { style: `width:${pct}%` }),
    ),
    h('div', { class: 'task-meta', 'data-testid': 'task-elapsed' }, p?.label ?? ''),
    p?.overdue ? h('div', { class: 'warning', 'data-testid': 'task-overdue' }, OVERDUE_NOTE) : null,
  );
}

/**
 * The card's picture before there is a frame: the state, and for a task being made its
 * progress, in the poster's place and shape.
 */
export function placeholderPoster(task: TaskView, groups: StateGroups): HTMLElement {
  const running = groups.on_service.includes(task.state);
  return h(
    'div',
    { class: `noposter placeholder ${task.state}`, 'data-testid': 'card-placeholder', 'aria-hidden': 'true' },
    h('span', { class: 'placeholder-state' }, stateLabel(task.state)),
    running ? progressBar(task) : null,
  );
}
