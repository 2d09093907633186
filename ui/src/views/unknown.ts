// The decision about a submission of unknown outcome: the connection broke after the
// request left, so the service may have created (and charged) the task. Sending again
// may charge twice; the app never decides this alone.

import type { TaskView } from '../bindings/TaskView';
import { h } from '../dom';
import * as ipc from '../ipc';

export interface UnknownDialog {
  el: HTMLDialogElement;
  open(task: TaskView): void;
}

export function createUnknownDialog(deps: { onResolved(): void; onError(e: ipc.IpcError): void }): UnknownDialog {
  const el = h('dialog', { 'aria-labelledby': 'unknown-title', 'data-testid': 'unknown-dialog' });
  let current: TaskView | null = null;
  const prompt = h('p', { 'data-testid': 'unknown-prompt' });

  // Both answers stay disabled until the engine has recorded the decision: a second
  // click on "Send again" must not reach it (it would answer with the same retry anyway).
  const answers: HTMLButtonElement[] = [];
  const resolve = (choice: 'submit_again' | 'abandon') => async () => {
    if (!current || answers.some((b) => b.disabled)) return;
    for (const b of answers) b.disabled = true;
    try {
      await ipc.tasksResolveUnknown(current.id, choice);
      el.close();
      deps.onResolved();
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    } finally {
      for (const b of answers) b.disabled = false;
    }
  };
  const abandon: HTMLButtonElement = h(
    'button',
    { type: 'button', 'data-testid': 'unknown-abandon', onclick: resolve('abandon') },
    'Don’t send again',
  );
  const submitAgain: HTMLButtonElement = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'unknown-submit-again', onclick: resolve('submit_again') },
    'Send again (may charge twice)',
  );
  answers.push(abandon, submitAgain);

  el.append(
    h('h1', { id: 'unknown-title' }, 'We don’t know if this was sent'),
    prompt,
    h(
      'p',
      {},
      'The connection broke after the request left this computer, so the service may have created the video and reserved its credits. If it did, sending it again charges a second time. If you wait, check your account’s task list on the Seedance site first.',
    ),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        { type: 'button', class: 'ghost', 'data-testid': 'unknown-later', onclick: () => el.close() },
        'Decide later',
      ),
      abandon,
      submitAgain,
    ),
  );

  return {
    el,
    open(task) {
      current = task;
      prompt.textContent = `“${task.prompt.slice(0, 160)}”`;
      el.showModal();
    },
  };
}
