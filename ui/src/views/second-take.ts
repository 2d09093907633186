// A draft sent again within seconds (a double click, a repeated Ctrl+Enter) is refused by
// the engine with `duplicate_draft`; this asks in place of the Generate button whether a
// second take (or another set of takes) is meant. The engine decides what counts as a repeat, and the message (when
// the first went, what another costs) comes from the shell; the UI only asks.

import type { Draft } from '../bindings/Draft';
import type { TaskView } from '../bindings/TaskView';
import * as ipc from '../ipc';
import { askInline } from './confirm';

/**
 * When `error` is a repeated draft, asks on `trigger` and on "Send again" submits `draft`
 * as a deliberate second take (with `takes`, that many takes again); true when it took
 * the error over.
 */
export function askSecondTake(
  trigger: HTMLElement,
  error: ipc.IpcError,
  draft: Draft,
  done: { onSubmitted(task: TaskView): void; onError(error: ipc.IpcError): void },
  takes = 1,
): boolean {
  if (error.code !== 'duplicate_draft') return false;
  askInline(trigger, {
    question: error.message,
    confirmLabel: takes > 1 ? `Make ${takes} more` : 'Send again',
    cancelLabel: 'No',
    testId: 'second-take',
    tone: 'primary',
    focus: 'cancel',
    async onConfirm() {
      try {
        const task =
          takes > 1 ? (await ipc.tasksSubmitTakes(draft, takes, true))[0] : await ipc.tasksSubmit(draft, true);
        if (task) done.onSubmitted(task);
      } catch (raw) {
        done.onError(ipc.IpcError.from(raw));
      }
    },
  });
  return true;
}
