// The few actions a task held or lost needs, each explicit: move a queued task made for
// another service to the one in use (after its cost is shown), dismiss a stuck task
// (it keeps its task id), check a task the service did not know again. The engine decides
// what each may do; a refusal comes back as its message.

import type { TaskView } from '../bindings/TaskView';
import { h } from '../dom';
import * as ipc from '../ipc';
import { askInline } from './confirm';
import { serviceHost } from './task-wait';

export interface TaskActionDeps {
  onChanged(): void;
  onError(error: ipc.IpcError): void;
  toast(message: string): void;
}

function credits(n: number | null): string {
  return n === null ? 'an unknown number of credits' : `about ${Math.round(n)} credits`;
}

/** The buttons that apply to `task` as it stands, or null when none does. */
export function taskActions(task: TaskView, deps: TaskActionDeps): HTMLElement | null {
  const buttons: HTMLElement[] = [];
  const run = (work: () => Promise<unknown>, done?: string) => async () => {
    try {
      await work();
      if (done) deps.toast(done);
      deps.onChanged();
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    }
  };

  if (task.state === 'queued' && task.waiting_for?.reason === 'other_service') {
    const move: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        'data-testid': 'task-retarget',
        onclick: async () => {
          move.disabled = true;
          try {
            // The quote first: nothing moves until the creator has seen where and for what.
            const quote = await ipc.tasksRetarget(task.id, false);
            move.disabled = false;
            askInline(move, {
              question: `Send it to ${serviceHost(quote.to)} instead of ${serviceHost(quote.from)}? It costs ${credits(quote.estimate_credits)} there.`,
              confirmLabel: 'Yes, send it here',
              testId: 'confirm-retarget',
              tone: 'primary',
              onConfirm: run(() => ipc.tasksRetarget(task.id, true), 'Moved; it is sent in its turn.'),
            });
          } catch (error) {
            move.disabled = false;
            deps.onError(ipc.IpcError.from(error));
          }
        },
      },
      'Send to this service…',
    );
    buttons.push(move);
  }
  if (task.state === 'stuck' && !task.dismissed) {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          'data-testid': 'task-dismiss',
          title: 'Stop waiting for it; it keeps its task id and can be checked again.',
          onclick: run(() => ipc.tasksDismiss(task.id), 'Dismissed. It can be checked again from its details.'),
        },
        'Dismiss',
      ),
    );
  }
  if (task.state === 'not_found' || (task.state === 'stuck' && task.dismissed)) {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          'data-testid': 'task-check-again',
          onclick: run(() => ipc.tasksCheckAgain(task.id), 'Asking the service again.'),
        },
        'Check again',
      ),
    );
  }
  return buttons.length
    ? h('div', { class: 'task-actions', style: 'grid-column:1/-1', 'data-testid': 'task-actions' }, ...buttons)
    : null;
}

/** The delete question: a finished video not saved yet says what would be lost. */
export function deleteQuestion(task: TaskView): { question: string; detail: string; confirmNotSaved: boolean } {
  if (task.state === 'succeeded')
    return {
      question: 'This video is not in your library yet. Remove it from the history anyway?',
      detail: 'The history holds the only copy of its address: without it the video cannot be downloaded.',
      confirmNotSaved: true,
    };
  return {
    question: 'Remove this video from the history?',
    detail: 'The file stays in your library folder.',
    confirmNotSaved: false,
  };
}
