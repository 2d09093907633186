// Extend and Edit on a finished video, and what a clip made that way shows: the small
// form that asks what happens next (and, for Extend, for how long), prices it both ways
// ("reserves 175 credits now, about 525 when done") and sends only after the creator
// confirms that figure; the links source → extension → joined clip; and the notice that
// replaces the player for a file this window cannot play.

import type { ClipChange } from '../bindings/ClipChange';
import type { ClipChangeQuote } from '../bindings/ClipChangeQuote';
import type { MadeFromKind } from '../bindings/MadeFromKind';
import type { TaskView } from '../bindings/TaskView';
import { canChangeClip, EXTEND_SECONDS, extendSeconds } from '../clip-change-model';
import { h, uid } from '../dom';
import { stateLabel } from '../format';
import * as ipc from '../ipc';
import { askInline } from './confirm';

export interface ClipChangeDeps {
  /** Shows another task's details (the new clip, its source). */
  open(id: number): void;
  /** The history changed (a clip sent, a joined clip made). */
  onChanged(): void;
  onError(error: ipc.IpcError): void;
  toast(message: string): void;
}

const WORDS: Record<ClipChange, { button: string; title: string; prompt: string; sent: string }> = {
  extend: {
    button: 'Extend…',
    title: 'Extend this clip',
    prompt: 'What happens next',
    sent: 'Extension sent; it appears in the gallery linked to this clip.',
  },
  edit: {
    button: 'Edit…',
    title: 'Edit this clip',
    prompt: 'What changes (the motion and length stay)',
    sent: 'Edit sent; it appears in the gallery linked to this clip.',
  },
};

/**
 * "Extend…" and "Edit…" for a finished video in the library (for the details' actions),
 * and the slot their form opens in; null when the task cannot be the source of either.
 */
export function clipChangeSection(
  task: TaskView,
  deps: ClipChangeDeps,
): { buttons: HTMLButtonElement[]; slot: HTMLElement } | null {
  if (!canChangeClip(task)) return null;
  const slot = h('div', { class: 'clip-change', 'data-testid': 'clip-change-slot' });
  const button = (change: ClipChange) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': `action-${change}`,
        onclick: () => {
          slot.replaceChildren(clipChangeForm(task, change, deps, () => slot.replaceChildren()));
          (slot.querySelector('textarea') as HTMLTextAreaElement | null)?.focus();
        },
      },
      WORDS[change].button,
    );
  return { buttons: [button('extend'), button('edit')], slot };
}

function clipChangeForm(task: TaskView, change: ClipChange, deps: ClipChangeDeps, close: () => void): HTMLElement {
  const words = WORDS[change];
  const promptId = uid('clip-prompt');
  const secondsId = uid('clip-seconds');
  const prompt = h('textarea', { id: promptId, rows: 3, 'data-testid': 'clip-change-prompt' });
  const seconds = h('input', {
    id: secondsId,
    type: 'number',
    min: EXTEND_SECONDS.min,
    max: EXTEND_SECONDS.max,
    step: 1,
    value: String(EXTEND_SECONDS.initial),
    'data-testid': 'clip-change-seconds',
  });
  const price = h(
    'p',
    { 'data-testid': 'clip-change-price', 'aria-live': 'polite' },
    'Write what happens to see the price.',
  );
  const problems = h('ul', { class: 'problems', 'data-testid': 'clip-change-problems' });
  const send: HTMLButtonElement = h(
    'button',
    { type: 'button', class: 'primary', disabled: true, 'data-testid': 'clip-change-send' },
    'Send…',
  );
  /** The quote for what the form holds now; null while it is asked for or cannot be sent. */
  let quote: ClipChangeQuote | null = null;
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const inputs = (): { prompt: string; seconds: number } | { problem: string } => {
    const text = prompt.value.trim();
    if (!text) return { problem: `${words.prompt}: write it first.` };
    if (change === 'edit') return { prompt: text, seconds: 0 };
    const length = extendSeconds(seconds.value);
    return 'problem' in length ? length : { prompt: text, seconds: length.seconds };
  };

  const requote = () => {
    quote = null;
    send.disabled = true;
    const wanted = inputs();
    const ticket = ++asked;
    if ('problem' in wanted) {
      problems.replaceChildren(h('li', {}, wanted.problem));
      return;
    }
    problems.replaceChildren();
    price.textContent = 'Pricing…';
    ipc.extendQuote(task.id, change, wanted.prompt, wanted.seconds).then(
      (answer) => {
        if (ticket !== asked) return; // the form changed since
        price.textContent = `It ${answer.label}.`;
        problems.replaceChildren(
          ...answer.problems.map((p) => h('li', {}, p)),
          ...answer.warnings.map((w) => h('li', { class: 'warning' }, w)),
        );
        quote = answer.problems.length === 0 ? answer : null;
        send.disabled = quote === null;
      },
      (error) => {
        if (ticket !== asked) return;
        price.textContent = ipc.IpcError.from(error).message;
      },
    );
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    send.disabled = true;
    timer = setTimeout(requote, 250);
  };
  prompt.addEventListener('input', later);
  seconds.addEventListener('input', later);

  send.addEventListener('click', () => {
    const agreed = quote;
    const wanted = inputs();
    if (!agreed || 'problem' in wanted) return;
    askInline(send, {
      question: `Send this ${change === 'extend' ? 'extension' : 'edit'}? It ${agreed.label}.`,
      detail: 'The service settles the larger figure after success.',
      confirmLabel: 'Yes, send it',
      testId: 'confirm-clip-change',
      tone: 'primary',
      focus: 'confirm',
      onConfirm: async () => {
        try {
          // The figure the creator just saw: the shell refuses to send anything dearer.
          const made = await ipc.extendSubmit(task.id, change, wanted.prompt, wanted.seconds, agreed.settled_credits);
          deps.toast(words.sent);
          close();
          deps.onChanged();
          deps.open(made.id);
        } catch (error) {
          deps.onError(ipc.IpcError.from(error));
        }
      },
    });
  });

  return h(
    'section',
    { class: 'clip-change-form', role: 'group', 'aria-label': words.title, 'data-testid': 'clip-change-form' },
    h('h3', {}, words.title),
    h('div', { class: 'field' }, h('label', { for: promptId }, words.prompt), prompt),
    change === 'extend'
      ? h(
          'div',
          { class: 'field' },
          h('label', { for: secondsId }, `Seconds of new footage (${EXTEND_SECONDS.min}–${EXTEND_SECONDS.max})`),
          seconds,
        )
      : null,
    price,
    problems,
    h(
      'div',
      { class: 'actions-grid' },
      send,
      h('button', { type: 'button', class: 'ghost', 'data-testid': 'clip-change-cancel', onclick: close }, 'Cancel'),
    ),
  );
}

/** What the task was made from, and for a finished extension its joined clip (or the button that makes it). */
export function clipLinks(task: TaskView, deps: ClipChangeDeps): HTMLElement | null {
  const source = task.source_task;
  const extension = task.model.includes('extend');
  // An extension with no source task continued a clip dropped in from outside the
  // library: that file is its source, and the shell joins with it.
  if (source === null && !extension) return null;
  const parts: (HTMLElement | string)[] = [
    source === null
      ? h('span', { 'data-testid': 'details-source-file' }, 'Your own clip')
      : h(
          'button',
          {
            type: 'button',
            class: 'link',
            'data-testid': 'details-source',
            'aria-label': `Source clip ${source}: show its details`,
            onclick: () => deps.open(source),
          },
          `Source #${source}`,
        ),
    ' → ',
    h('span', {}, extension ? `this extension #${task.id}` : `this edit #${task.id}`),
  ];
  if (extension && task.joined_path) {
    parts.push(
      ' → ',
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'data-testid': 'details-joined',
          'data-path': task.joined_path,
          title: task.joined_path,
          onclick: () => ipc.openInPlayer(task.id, true).catch((e) => deps.onError(ipc.IpcError.from(e))),
        },
        'joined clip (source + new)',
      ),
    );
  } else if (extension && task.state === 'downloaded') {
    const make: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        'data-testid': 'action-join',
        onclick: async () => {
          make.disabled = true;
          make.textContent = 'Joining…';
          try {
            await ipc.extendJoin(task.id);
            deps.toast('Joined clip saved in the library beside the new footage.');
            deps.onChanged();
            deps.open(task.id);
          } catch (error) {
            make.disabled = false;
            make.textContent = 'Make the joined clip';
            deps.onError(ipc.IpcError.from(error));
          }
        },
      },
      'Make the joined clip',
    );
    parts.push(' ', make);
  }
  return h('p', { class: 'clip-links', 'data-testid': 'details-clip-links' }, ...parts);
}

const MADE_KIND: Record<MadeFromKind, string> = {
  extension: 'Extension',
  edit: 'Edit',
  continuation: 'Continued clip',
};

/**
 * The other way of `clipLinks`: the clips made from this one (extensions, edits, clips
 * continued from its last frame), each a link to its details. Filled once the shell has
 * answered; empty (and hidden) when nothing was made from it.
 */
export function madeFromLinks(task: TaskView, deps: Pick<ClipChangeDeps, 'open' | 'onError'>): HTMLElement {
  const el = h('p', { class: 'clip-links', 'data-testid': 'details-made-from', hidden: true });
  if (task.state !== 'downloaded' && task.state !== 'succeeded') return el;
  ipc.extendMadeFrom(task.id).then(
    (made) => {
      if (!made.length) return;
      const parts: (HTMLElement | string)[] = ['Made from this clip: '];
      made.forEach((clip, i) => {
        if (i > 0) parts.push(', ');
        const name = `${MADE_KIND[clip.kind]} #${clip.id}`;
        parts.push(
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              'data-testid': 'details-made-from-link',
              'data-task-id': clip.id,
              'aria-label': `${name}, ${stateLabel(clip.state)}: show its details`,
              onclick: () => deps.open(clip.id),
            },
            name,
          ),
          ` (${stateLabel(clip.state)})`,
        );
      });
      el.replaceChildren(...parts);
      el.hidden = false;
    },
    (error) => deps.onError(ipc.IpcError.from(error)),
  );
  return el;
}

/** In place of the player: the window cannot play this file, the system player can. */
export function cannotPlayNotice(task: TaskView, deps: Pick<ClipChangeDeps, 'onError'>): HTMLElement {
  return h(
    'div',
    { class: 'notice', role: 'note', 'data-testid': 'cannot-play' },
    h('p', {}, 'This window cannot play this video (HEVC or mov); the file itself is fine.'),
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'action-open-in-player',
        onclick: () => ipc.openInPlayer(task.id, false).catch((e) => deps.onError(ipc.IpcError.from(e))),
      },
      'Open in the system player',
    ),
  );
}
