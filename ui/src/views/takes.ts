// Takes in the library: the "Take 2 of 3" badge, the star (keep) and reject toggles a
// card and the details share, and the details' "Compare with…" list (the other takes of
// the group first, then recent finished videos). The verdict is the ledger's: a toggle
// asks the shell and shows what it answers, never a guess.

import type { TakeVerdict } from '../bindings/TakeVerdict';
import type { TaskView } from '../bindings/TaskView';
import { clear, h, setAttr, setText } from '../dom';
import { takeLabel } from '../gallery-model';
import { markPainted } from '../bench-marks';
import * as ipc from '../ipc';

export interface VerdictDeps {
  /** The task as the shell answered after the change (for the window's task store). */
  onChanged(task: TaskView): void;
  onError(error: ipc.IpcError): void;
}

/** "Take 2 of 3", or null for a task made alone. */
export function takeBadge(task: TaskView): HTMLElement | null {
  const label = takeLabel(task);
  return label ? h('span', { class: 'take-badge', 'data-testid': 'take-badge' }, label) : null;
}

/** Star and Reject toggles, shown for one task after another (a gallery cell's are kept). */
export interface VerdictControls {
  el: HTMLElement;
  /** Shows `task`'s verdict; the toggles act on `task` from now on. */
  show(task: TaskView): void;
}

/**
 * Star and Reject toggles (pressed when that is the task's verdict; pressing the pressed
 * one clears it). `where` prefixes their test ids: `card-star`, `details-reject`.
 */
export function createVerdictControls(where: 'card' | 'details', deps: VerdictDeps): VerdictControls {
  let task: TaskView | null = null;
  let busy = false;
  const toggle = (verdict: TakeVerdict, label: string, pressedLabel: string, glyph: string) => {
    const caption = document.createTextNode('');
    const button = h(
      'button',
      {
        type: 'button',
        class: `ghost verdict ${verdict}`,
        'data-testid': `${where}-${verdict === 'starred' ? 'star' : 'reject'}`,
        onclick: async (e: Event) => {
          e.stopPropagation();
          const shown = task;
          if (busy || !shown) return;
          busy = true;
          try {
            deps.onChanged(await ipc.taskSetVerdict(shown.id, shown.verdict === verdict ? null : verdict));
          } catch (error) {
            deps.onError(ipc.IpcError.from(error));
          } finally {
            busy = false;
          }
        },
      },
      caption,
    );
    const show = (shown: TaskView) => {
      const pressed = shown.verdict === verdict;
      const now = pressed ? pressedLabel : label;
      setAttr(button, 'aria-pressed', String(pressed));
      setAttr(button, 'aria-label', now);
      setAttr(button, 'title', now);
      setText(caption, where === 'card' ? glyph : `${glyph} ${now}`);
    };
    return { button, show };
  };
  const star = toggle('starred', 'Star (keep)', 'Starred: unstar', '★');
  const reject = toggle('rejected', 'Reject', 'Rejected: undo', '✕');
  const el = h(
    'div',
    { class: `verdicts on-${where}`, role: 'group', 'data-testid': `${where}-verdicts` },
    star.button,
    reject.button,
  );
  return {
    el,
    show(shown) {
      task = shown;
      setAttr(el, 'aria-label', `Verdict on ${takeLabel(shown) ?? 'this video'}`);
      setAttr(el, 'data-verdict', shown.verdict ?? '');
      star.show(shown);
      reject.show(shown);
    },
  };
}

/** The toggles for one task, as the details show them. */
export function verdictControls(task: TaskView, where: 'card' | 'details', deps: VerdictDeps): HTMLElement {
  const controls = createVerdictControls(where, deps);
  controls.show(task);
  return controls.el;
}

export interface CompareChoiceDeps {
  /** Opens the comparison of `task` with `other`. */
  compare(task: TaskView, other: TaskView): void;
  onError(error: ipc.IpcError): void;
}

/** How many recent finished videos "Compare with…" offers besides the takes. */
const RECENT = 12;

/**
 * The details' "Compare with…": a button that lists the other takes of `task`'s group
 * (when it is a take), then recent finished videos, each a button that opens the
 * comparison. Only finished videos can be played side by side.
 */
export function compareWithAction(task: TaskView, deps: CompareChoiceDeps): HTMLElement | null {
  if (!task.video_path) return null;
  const list = h('div', { class: 'compare-choices', 'data-testid': 'compare-choices', hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      'data-testid': 'action-compare',
      'aria-expanded': 'false',
      onclick: () => void toggle(),
    },
    'Compare with…',
  );
  const choice = (other: TaskView, label: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': 'compare-choice',
        'data-task-id': other.id,
        onclick: () => deps.compare(task, other),
      },
      label,
    );
  async function toggle() {
    if (!list.hidden) {
      list.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    clear(list);
    list.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    try {
      const [takes, recent] = await Promise.all([
        task.take ? ipc.taskTakes(task.id) : Promise.resolve([]),
        ipc.galleryList({ text: null, states: ['downloaded'], offset: 0, limit: RECENT }),
      ]);
      const otherTakes = takes.filter((t) => t.id !== task.id && t.video_path);
      const shown = new Set([task.id, ...otherTakes.map((t) => t.id)]);
      const others = recent.items.filter((t) => !shown.has(t.id) && t.video_path);
      if (otherTakes.length)
        list.append(
          h('div', { class: 'hint' }, 'Takes of this request'),
          ...otherTakes.map((t) => choice(t, takeLabel(t) ?? `Task ${t.id}`)),
        );
      if (others.length)
        list.append(
          h('div', { class: 'hint' }, 'Other finished videos'),
          ...others.map((t) =>
            choice(t, t.prompt.length > 48 ? `${t.prompt.slice(0, 48)}…` : t.prompt || `Task ${t.id}`),
          ),
        );
      if (!otherTakes.length && !others.length)
        list.append(h('div', { class: 'hint' }, 'No other finished video yet.'));
      markPainted('takes-painted');
    } catch (error) {
      list.hidden = true;
      deps.onError(ipc.IpcError.from(error));
    }
  }
  return h('div', { class: 'compare-with' }, button, list);
}
