// One cell of the gallery's grid (a card that opens the details, and beside it the star,
// reject and compare tools), built once and then shown for one task after another as the
// grid scrolls. Cells are kept and shown again instead of built anew because WebKit held
// most of what every discarded card had used: walking the library grew the web process by
// about 10 KiB a card, with or without posters (docs/benchmarks.md, the tenth pass).
// A cell's parts stay: showing another task changes their text and attributes in place.

import type { StateGroups } from '../bindings/StateGroups';
import type { TaskView } from '../bindings/TaskView';
import { settlementLine } from '../clip-change-model';
import { h, setAttr, setText } from '../dom';
import { when } from '../format';
import { takeLabel } from '../gallery-model';
import * as ipc from '../ipc';
import type { TaskNotes } from '../task-notes';
import { openCompare } from './compare';
import { placeholderPoster } from './progress';
import { taskStateLabel } from './task-wait';
import { createVerdictControls, type VerdictDeps } from './takes';

/** Where a take sits in its group's run of cards: it decides the cell's joined edges. */
export type TakeRun = 'first' | 'middle' | 'last' | null;

export interface CellDeps {
  states: StateGroups;
  notes: Pick<TaskNotes, 'downloadProblem'>;
  verdicts: VerdictDeps;
  /** Opens a task's details. */
  open(id: number): void;
  onError(error: ipc.IpcError): void;
  /** Sees every poster the cell starts to load (the gallery's first-paint bench hook). */
  posterLoading(img: HTMLImageElement): void;
}

export interface GalleryCell {
  readonly el: HTMLElement;
  /** The task shown, or null for a cell that has shown none yet or was released. */
  readonly taskId: number | null;
  /** Shows `task`; `other` is the take beside it in its group, which it can compare with. */
  show(task: TaskView, run: TakeRun, other: TaskView | null): void;
  /**
   * Off screen: lets go of the poster at once (WebKit keeps an image's decoded pixels while
   * an element still shows it, and a kept cell would otherwise hold them) and of the task.
   */
  release(): void;
}

/** Puts `part` in `parent` before `before` when `wanted`, and takes it out when not. */
function present(parent: Element, part: Element, wanted: boolean, before: Node | null = null): void {
  if (wanted && part.parentNode !== parent) parent.insertBefore(part, before);
  else if (!wanted && part.parentNode === parent) part.remove();
}

export function createGalleryCell(deps: CellDeps): GalleryCell {
  let task: TaskView | null = null;
  let other: TaskView | null = null;
  /** The task whose poster could not be shown: its card keeps saying so. */
  let noPreviewFor: number | null = null;

  const card = h('button', {
    type: 'button',
    class: 'card',
    'data-testid': 'gallery-card',
    onclick: () => {
      if (task) deps.open(task.id);
    },
  });
  /** The card's first child: the poster, or what stands in its place. */
  let poster: HTMLElement = h('div', { class: 'noposter' });
  const badge = h('span', { class: 'take-badge', 'data-testid': 'take-badge' });
  const promptText = document.createTextNode('');
  const prompt = h('div', { class: 'task-prompt' }, promptText);
  const stateText = document.createTextNode('');
  const state = h('span', { class: 'state' }, stateText);
  const metaText = document.createTextNode('');
  const settlementText = document.createTextNode('');
  const settlement = h('span', { class: 'settlement', 'data-testid': 'card-settlement' }, settlementText);
  const meta = h('div', { class: 'task-meta' }, state, metaText);
  card.append(poster, h('div', { class: 'caption' }, prompt, meta));

  const verdicts = createVerdictControls('card', deps.verdicts);
  const compare = h('button', {
    type: 'button',
    class: 'ghost card-compare',
    'data-testid': 'card-compare',
    onclick: () => {
      if (task && other) openCompare(task, other, { onError: deps.onError });
    },
  });
  compare.textContent = '⇄';
  const tools = h('div', { class: 'card-tools' }, verdicts.el);
  const el = h('div', { role: 'listitem', 'data-testid': 'gallery-cell' }, card, tools);

  function posterImage(): HTMLImageElement {
    // `loading` before `src`: an image starts loading when its src is set, and lazy images
    // stay out of the first paint.
    const img = h('img', { class: 'poster', loading: 'lazy', decoding: 'async', alt: '' });
    // A last frame that is gone from the library or cannot be read: the card says so
    // instead of showing a broken image. A released poster has no src and is not broken.
    img.addEventListener('error', () => {
      if (!img.hasAttribute('src') || poster !== img) return;
      noPreviewFor = task?.id ?? null;
      setPoster(h('div', { class: 'noposter', 'data-testid': 'card-no-preview' }, 'No preview'));
    });
    return img;
  }

  function setPoster(next: HTMLElement) {
    poster.replaceWith(next);
    poster = next;
  }

  function showPoster(shown: TaskView, problem: { message: string } | null) {
    if (shown.poster_path) {
      const url = ipc.thumbnailUrl(shown.id);
      // The same task's "No preview" stays; another task's poster is tried.
      if (noPreviewFor === shown.id && !(poster instanceof HTMLImageElement)) return;
      const img = poster instanceof HTMLImageElement ? poster : posterImage();
      if (img !== poster) setPoster(img);
      if (img.getAttribute('src') !== url) {
        // Never the last task's picture on this task's card while the new one loads.
        img.removeAttribute('src');
        deps.posterLoading(img);
        img.src = url;
      }
      return;
    }
    // A video not saved has no poster yet: its place says why. Rare, so built each time.
    setPoster(
      problem
        ? h(
            'div',
            { class: 'noposter card-problem', title: problem.message, 'data-testid': 'card-download-problem' },
            problem.message,
          )
        : placeholderPoster(shown, deps.states),
    );
  }

  return {
    el,
    get taskId() {
      return task?.id ?? null;
    },
    show(next, run, nextOther) {
      const problem = next.state === 'succeeded' ? deps.notes.downloadProblem(next.id) : null;
      const stateLabel = problem ? 'Not saved yet' : taskStateLabel(next);
      task = next;
      other = nextOther;

      setAttr(
        el,
        'class',
        `card-cell${next.take ? ' take' : ''}${run ? ` take-${run}` : ''}${next.verdict ? ` ${next.verdict}` : ''}`,
      );
      setAttr(el, 'data-task-id', String(next.id));
      setAttr(el, 'data-verdict', next.verdict ?? '');

      setAttr(card, 'data-task-id', String(next.id));
      setAttr(card, 'data-state', next.state);
      setAttr(
        card,
        'aria-label',
        `${next.prompt || 'Untitled'} — ${problem ? 'Not saved to your library' : stateLabel}`,
      );
      showPoster(next, problem);

      const take = takeLabel(next);
      if (take && badge.textContent !== take) badge.textContent = take;
      present(prompt, badge, take !== null, promptText);
      setText(promptText, next.prompt || '(no prompt)');

      setAttr(state, 'class', `state ${problem ? 'not-saved' : next.state}`);
      setText(stateText, stateLabel);
      setText(
        metaText,
        ` · ${next.model_label} · ${next.resolution} · ${when(next.created_at_ms)}${next.retry_of !== null ? ' · retry' : ''}`,
      );
      const settled = settlementLine(next);
      if (settled) setText(settlementText, ` · ${settled}`);
      present(meta, settlement, Boolean(settled));

      verdicts.show(next);
      // A take beside another finished take of its group: compare the two from the group.
      const pair = next.video_path && nextOther?.video_path ? { mine: next.take, theirs: nextOther.take } : null;
      if (pair?.mine && pair.theirs) {
        setAttr(compare, 'aria-label', `Compare take ${pair.mine.number} with take ${pair.theirs.number}`);
        setAttr(compare, 'title', `Compare with take ${pair.theirs.number}`);
      }
      present(tools, compare, Boolean(pair?.mine && pair.theirs));
    },
    release() {
      if (poster instanceof HTMLImageElement) poster.removeAttribute('src');
      // A spare may wait in the page while a scroll goes on: nothing finds it, or opens
      // from it, by the task it showed.
      task = null;
      other = null;
      el.removeAttribute('data-task-id');
      card.removeAttribute('data-task-id');
    },
  };
}
