// The inline confirmation that replaces the browser's `confirm()`: the button that asks
// turns into its question with two answers ("Remove the key? Yes, remove / No"), focus
// moves to one of them, Escape or No puts the button back and focuses it again. The
// question labels the group, so a screen reader reads it with the focused answer.

import { h, uid } from '../dom';

export interface InlineConfirm {
  /** The question, as a sentence: "Remove this video from the history?" */
  question: string;
  /** Shown under the question: what happens, or what does not. */
  detail?: string;
  /** The answer that goes ahead: "Yes, delete". */
  confirmLabel: string;
  cancelLabel?: string;
  /** Prefix of the answers' test ids: `${testId}-yes`, `${testId}-no`, and the group's. */
  testId: string;
  /**
   * Which answer gets focus. Default `cancel`: for something that cannot be undone a
   * stray Enter must not do it.
   */
  focus?: 'confirm' | 'cancel';
  /** `danger` styles the confirming answer as destructive. */
  tone?: 'danger' | 'primary';
  onConfirm(): void | Promise<void>;
  onCancel?(): void;
}

/**
 * Puts the question in place of `trigger` until it is answered. The trigger comes back
 * after No, Escape, or once `onConfirm` has finished (unless that re-rendered it away).
 * Asking again while a question is open does nothing.
 */
export function askInline(trigger: HTMLElement, options: InlineConfirm): HTMLElement {
  const existing = trigger.ownerDocument.querySelector<HTMLElement>(`[data-testid="${options.testId}"]`);
  if (existing) return existing;
  const questionId = uid('confirm');
  const detailId = options.detail ? uid('confirm-detail') : null;
  const yes = h(
    'button',
    {
      type: 'button',
      class: options.tone ?? 'danger',
      'data-testid': `${options.testId}-yes`,
    },
    options.confirmLabel,
  );
  const no = h(
    'button',
    { type: 'button', class: 'ghost', 'data-testid': `${options.testId}-no` },
    options.cancelLabel ?? 'No',
  );
  const box = h(
    'div',
    {
      class: 'confirm',
      role: 'group',
      'aria-labelledby': questionId,
      'aria-describedby': detailId,
      'data-testid': options.testId,
    },
    h('span', { id: questionId, class: 'confirm-question' }, options.question),
    detailId ? h('span', { id: detailId, class: 'hint' }, options.detail ?? '') : null,
    h('span', { class: 'confirm-answers' }, yes, no),
  );

  const restore = (refocus: boolean) => {
    if (box.isConnected) box.replaceWith(trigger);
    if (refocus && trigger.isConnected) trigger.focus();
  };
  const cancel = () => {
    restore(true);
    options.onCancel?.();
  };
  no.addEventListener('click', cancel);
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    no.disabled = true;
    try {
      await options.onConfirm();
    } finally {
      // Still on screen (the work failed, or changed nothing around it): focus goes back
      // to the button rather than to the page.
      restore(box.isConnected);
    }
  });
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    // Escape answers this question only: the drawer or dialog around it stays open.
    event.preventDefault();
    event.stopPropagation();
    cancel();
  });

  trigger.replaceWith(box);
  (options.focus === 'confirm' ? yes : no).focus();
  return box;
}
