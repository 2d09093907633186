// The support packet a task's details offer when something went wrong with it: failed,
// stuck, of unknown outcome, gone from the service, or a result that does not match its
// request. The shell builds the text (no key, links shortened); the page only copies it,
// shows what was copied, and asks the shell to save it where the creator chooses.

import type { SupportPacketView } from '../bindings/SupportPacketView';
import type { TaskState } from '../bindings/TaskState';
import type { TaskView } from '../bindings/TaskView';
import { h } from '../dom';
import * as ipc from '../ipc';

export interface SupportPacketDeps {
  onError(error: ipc.IpcError): void;
  toast(message: string): void;
}

/** States that are support cases whatever their result; a finished video may be one too. */
const ALWAYS_A_CASE: ReadonlySet<TaskState> = new Set(['failed', 'stuck', 'submission_unknown', 'not_found']);
/** States whose result the output check may have found not to match the request. */
const MAY_MISMATCH: ReadonlySet<TaskState> = new Set(['succeeded', 'downloaded']);

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // WebKitGTK may refuse the async clipboard without a gesture it recognises.
    }
  }
  const area = h('textarea', { 'aria-hidden': 'true', style: 'position:fixed;opacity:0' });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

/**
 * The "Copy support packet" action and the place its text is shown, or null for a task
 * in progress. For a finished video the button appears only once the shell says its
 * result does not match the request.
 */
export function supportPacketAction(
  task: TaskView,
  deps: SupportPacketDeps,
): { button: HTMLButtonElement; shown: HTMLElement } | null {
  if (!ALWAYS_A_CASE.has(task.state) && !MAY_MISMATCH.has(task.state)) return null;
  const id = task.id;
  const shown = h('div', { class: 'support-packet', 'data-testid': 'support-packet', hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      'data-testid': 'action-support-packet',
      title: 'Copies what support needs about this task and asks where to save it (no key is in it)',
    },
    'Copy support packet',
  ) as HTMLButtonElement;
  if (!ALWAYS_A_CASE.has(task.state)) {
    button.hidden = true;
    void ipc.supportPacket(id).then(
      (packet: SupportPacketView | null) => {
        // Shown only on the shell's word: an answer without it keeps the button hidden.
        button.hidden = packet?.support_case !== true;
      },
      () => {
        // Without an answer the button stays hidden: a matching video needs no packet.
      },
    );
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const packet = await ipc.supportPacket(id);
      await copyText(packet.text);
      shown.replaceChildren(
        h('p', {}, 'Copied. Paste it in your message to support; it holds no key.'),
        h('pre', { 'data-testid': 'support-packet-text', tabindex: '0' }, packet.text),
      );
      shown.hidden = false;
      deps.toast('Support packet copied');
      const saved = await ipc.supportPacketSave(id);
      if (saved) deps.toast(`Saved to ${saved}`);
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    } finally {
      button.disabled = false;
    }
  });
  return { button, shown };
}
