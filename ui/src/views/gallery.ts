// The gallery: a virtual grid over the whole history (at rest only the rows on screen
// exist in the DOM, their cells shown again for the tasks that scroll in; pages are
// fetched as they scroll into view), search by prompt, filter by state, and a details
// drawer with inline playback and the card's actions. Retries link both ways (as far as
// this window knows), and a video the engine could not save says so on its card and in
// its details, with what to do. Takes of one request sit together, each says which it is
// ("Take 2 of 3") and can be starred or rejected from its card.

import type { GalleryPage } from '../bindings/GalleryPage';
import type { GalleryQuery } from '../bindings/GalleryQuery';
import type { StateGroups } from '../bindings/StateGroups';
import type { TaskState } from '../bindings/TaskState';
import type { TaskView } from '../bindings/TaskView';
import { clear, h, setStyle } from '../dom';
import { stateLabel, when } from '../format';
import {
  cardBox,
  creditsLine,
  FILTERS,
  filterSelects,
  isFarFromWindow,
  libraryCount,
  referencesLabel,
  pagesFor,
  starredOnly,
  statesFor,
  takeRunPosition,
  takesInOrder,
  visibleWindow,
  type GalleryFilter,
  type GridGeometry,
  type VisibleWindow,
} from '../gallery-model';
import type { Intent } from '../guidance';
import * as ipc from '../ipc';
import type { TaskNotes } from '../task-notes';
import { createTaskStore, type TaskStore } from '../task-store';
import { playableHere, settlementLine } from '../clip-change-model';
import { cannotPlayNotice, clipChangeSection, clipLinks, madeFromLinks } from './clip-change';
import { askInline } from './confirm';
import { downloadNotice } from './download-notice';
import { failureCard } from './failure-card';
import { deleteQuestion, taskActions } from './task-actions';
import { progressBar } from './progress';
import { supportPacketAction } from './support-packet';
import { compareWithAction, takeBadge, verdictControls } from './takes';
import { createGalleryCell, type CellDeps, type GalleryCell } from './gallery-cell';
import { openCompare } from './compare';

const PAGE = 60;
/** Spare cells kept: more than a screen of the smallest cards on a large display. */
const MAX_SPARE_CELLS = 120;
/** Where a cell parked in the page during a scroll waits: above the grid, out of reach. */
const PARKED_TOP = '-10000px';
/** A scroll has come to rest when no frame has rendered for this long. */
const REST_AFTER_MS = 150;
const GEOMETRY = { minCard: 220, gap: 12, rowHeight: 210 };

export interface GalleryDeps {
  /** The catalog's state groups: what each filter selects, which tasks show a failure card. */
  states: StateGroups;
  onRemix(id: number): void;
  onContinue(id: number): void;
  onIntent(
    task: TaskView,
    intent: Intent,
    context: { kind: import('../bindings/Kind').Kind | null; index: number | null },
  ): void;
  onError(error: ipc.IpcError): void;
  toast(message: string): void;
  /** Retry links and download problems, shared with the tasks panel. */
  notes: TaskNotes;
  onChooseLibrary(): void;
  /** The unfiltered first page, when the caller asked for it early ({@link firstPageQuery}). */
  firstPage?: Promise<GalleryPage>;
  /** The window's one record of each task's state, shared with the tasks panel. */
  store?: TaskStore;
}

export interface GalleryView {
  el: HTMLElement;
  reload(): void;
  /** Opens a task's details. */
  open(id: number): Promise<void>;
}

/**
 * The query of the gallery's first screen (no search, no filter), so start-up can ask for
 * it alongside its other calls instead of after the views are built.
 */
export const firstPageQuery = (): GalleryQuery => ({ text: null, states: [], offset: 0, limit: PAGE });

export function createGallery(deps: GalleryDeps): GalleryView {
  const store = deps.store ?? createTaskStore();
  let prefetched = deps.firstPage ?? null;
  /** Of the whole library, for the count line; refreshed with every reload. */
  let groupCounts = { failed: 0, inProgress: 0 };
  let filter: GalleryFilter = 'all';
  let text = '';
  let total = 0;
  let generation = 0;
  const items = new Map<number, TaskView>();
  const loading = new Set<number>();

  const search = h('input', {
    type: 'search',
    placeholder: 'Search prompts',
    'aria-label': 'Search prompts',
    'data-testid': 'gallery-search',
  });
  const filters = h('div', {
    class: 'segmented',
    role: 'group',
    'aria-label': 'Filter by state',
    'data-testid': 'gallery-filters',
  });
  const countLabel = h('span', { class: 'hint', 'data-testid': 'gallery-count', 'aria-live': 'polite' });
  const grid = h('div', { class: 'grid' });
  const cards = h('div', { class: 'cards', role: 'list', 'aria-label': 'Videos', 'data-testid': 'gallery-grid' });
  grid.appendChild(cards);
  const scroller = h('div', { class: 'scroller', 'data-testid': 'gallery-scroller' }, grid);
  const el = h(
    'section',
    { class: 'gallery', 'aria-label': 'Gallery', 'data-testid': 'gallery' },
    h('div', { class: 'gallery-bar' }, h('h2', {}, 'Library'), search, filters, countLabel),
    scroller,
  );
  let drawer: HTMLElement | null = null;
  /** Re-fills the open drawer's parts that depend on the notes (retry link, download problem). */
  let refreshDrawerNotes: (() => void) | null = null;

  function renderFilters() {
    clear(filters);
    for (const f of FILTERS) {
      filters.appendChild(
        h(
          'button',
          {
            type: 'button',
            'aria-pressed': String(f.id === filter),
            'data-testid': `filter-${f.id}`,
            onclick: () => {
              filter = f.id;
              renderFilters();
              reload();
            },
          },
          f.label,
        ),
      );
    }
  }

  function geometry(): GridGeometry {
    return { ...GEOMETRY, width: Math.max(1, scroller.clientWidth - 32) };
  }

  /** Puts a task as the shell answered a verdict change into the window's store. */
  const verdictDeps = {
    onChanged: (task: TaskView) => store.put(task),
    onError: deps.onError,
  };

  const cellDeps: CellDeps = {
    states: deps.states,
    notes: deps.notes,
    verdicts: verdictDeps,
    open: (id) => void open(id),
    onError: deps.onError,
    // Bench hook (docs/benchmarks.md (f)): when each of the first screen's posters shows.
    posterLoading: (img) => {
      if (!firstPaintMarked) img.addEventListener('load', () => performance.mark('gallery-poster'), { once: true });
    },
  };
  /** Cells off screen, kept to show the next tasks that scroll in (see gallery-cell.ts). */
  const spareCells: GalleryCell[] = [];
  /** The cell each element in the grid is, for the elements that are cells. */
  const cellOf = new WeakMap<HTMLElement, GalleryCell>();
  const newCell = () => {
    const cell = createGalleryCell(cellDeps);
    cellOf.set(cell.el, cell);
    return cell;
  };
  /**
   * Spares that left the window while a scroll goes on stay in the page, parked out of
   * sight and inert (Tab and assistive technology pass them by), until it rests: a row
   * entering in cells already in the page is changed and moved, where cells taken out and
   * put back in are styled and laid out anew, every part of them (docs/benchmarks.md, the
   * twelfth pass).
   */
  const parked = new Set<HTMLElement>();
  /** A spare to show the next task in: the last put aside first, it may still be in place. */
  const takeSpare = (): GalleryCell | undefined => {
    const cell = spareCells.pop();
    if (cell) {
      parked.delete(cell.el);
      cell.el.removeAttribute('inert');
    }
    return cell;
  };
  /** The cards of the tasks in the window (not the spares parked beside them). */
  const cardsShown = (): HTMLElement[] =>
    shown.els.flatMap((el) => {
      const card = el.querySelector<HTMLElement>('[data-testid="gallery-card"]');
      return card ? [card] : [];
    });

  /** Runs while a card on screen shows a running task: its bar and clock move with the row's. */
  let cardClock: ReturnType<typeof setInterval> | null = null;

  function tickRunningCards() {
    const running = () => cardsShown().filter((c) => deps.states.on_service.includes(c.dataset.state as TaskState));
    if (running().length === 0) {
      if (cardClock !== null) clearInterval(cardClock);
      cardClock = null;
      return;
    }
    cardClock ??= setInterval(() => {
      const now = running();
      if (now.length === 0) {
        tickRunningCards();
        return;
      }
      for (const el of now) {
        const task = store.get(Number(el.dataset.taskId));
        const bar = el.querySelector('[data-testid="run-progress"]');
        if (task && bar) bar.replaceWith(progressBar(task));
      }
    }, 1000);
  }

  let firstDataSeen = false;
  let firstPaintMarked = false;

  /** The scroller's size at the last render. */
  const renderedSize = { width: -1, height: -1 };
  /** The cards in the DOM: items `[start, end)`, in order, placed for `columns` × `width`. */
  let shown = { start: 0, end: 0, columns: 0, width: 0, els: [] as HTMLElement[] };
  /** Set when what the cards show may have changed (reload, notes): the next render rebuilds. */
  let stale = true;

  /**
   * The element for item `i`: a cell showing its task (`claimed`'s cell for that task if
   * it has one, else a spare or a new one), or a placeholder while its page loads.
   */
  const cardAt = (i: number, win: VisibleWindow, g: GridGeometry, claimed?: Map<number, GalleryCell>): HTMLElement => {
    const listed = items.get(i);
    let el: HTMLElement;
    if (listed) {
      const previous = items.get(i - 1);
      const next = items.get(i + 1);
      const run = takeRunPosition(previous, listed, next);
      const partner = run === 'first' || run === 'middle' ? next : run === 'last' ? previous : undefined;
      const cell = claimed?.get(listed.id) ?? takeSpare() ?? newCell();
      claimed?.delete(listed.id);
      cell.show(store.latest(listed), run, partner ? store.latest(partner) : null);
      el = cell.el;
    } else {
      el = h('div', { class: 'card', 'aria-hidden': 'true' });
    }
    // Each card at its own place in the grid: one that stays in the window never moves, so
    // a row entering or leaving lays out and paints itself alone (docs/benchmarks.md, the
    // eighth pass). Before, the grid moved as a whole and every card was painted again.
    const box = cardBox(i, win.columns, g);
    setStyle(el, 'left', `${box.left}px`);
    setStyle(el, 'top', `${box.top}px`);
    setStyle(el, 'width', `${box.width}px`);
    setStyle(el, 'height', `${box.height}px`);
    return el;
  };

  /**
   * A saved video the gallery dropped leaves the shared store too: after a long scroll the
   * store held every task listed (docs/benchmarks.md, the ninth pass). Only a saved video
   * that the details do not show: the tasks panel holds tasks in flight, failures and
   * videos not saved yet, which stay.
   */
  const letGo = (id: number) => {
    const task = store.get(id);
    if (task?.video_path && deps.states.finished.includes(task.state) && drawerTask?.id !== id) store.forget(id);
  };

  /**
   * A card that left the window lets go of its poster at once and waits, a spare, for the
   * next task that scrolls in. A kept element's image stays in use, and WebKit keeps the
   * decoded pixels of an image in use: after a long scroll that was hundreds of MiB in the
   * web process (docs/benchmarks.md, the eighth pass). With `park` (a scroll goes on) it
   * waits in the page, out of sight, until the scroll rests; else out of it.
   */
  const retire = (el: HTMLElement, park = false) => {
    const cell = cellOf.get(el);
    // As many as were ever on screen at once come back; more would only hold memory. A
    // cell holding the focus leaves the page: it must not show another task under it.
    const spare = cell !== undefined && spareCells.length < MAX_SPARE_CELLS;
    if (!(spare && park) || el.contains(document.activeElement)) el.remove();
    if (!cell) return;
    cell.release();
    if (!spare) return;
    spareCells.push(cell);
    if (el.parentNode === cards) {
      setStyle(el, 'top', PARKED_TOP);
      el.setAttribute('inert', '');
      parked.add(el);
    }
  };

  /**
   * At rest the page holds the window's cells alone, in the order they are shown: the
   * order Tab and a screen reader follow.
   */
  const settle = () => {
    for (const el of parked) el.remove();
    parked.clear();
    let at = cards.firstElementChild;
    for (const el of shown.els)
      if (el === at) at = at.nextElementSibling;
      else cards.insertBefore(el, at);
  };
  let restTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Renders the visible window. Scrolling keeps the cards still in the window and builds
   * only those that enter it (a row or two per frame), so their posters are not requested,
   * decoded and laid out again every frame; anything else rebuilds them all.
   */
  function render(reuse = false) {
    const g = geometry();
    renderedSize.width = scroller.clientWidth;
    renderedSize.height = scroller.clientHeight;
    const win = visibleWindow(total, scroller.scrollTop, scroller.clientHeight || 600, g);
    // Written only when they change: even the same value written again makes WebKit style
    // and lay out the element anew, in every frame of a scroll.
    setStyle(grid, 'height', `${win.height}px`);
    // Memory stays bounded by the viewport, not by how far the creator has scrolled: pages
    // far from it are dropped and fetched again if they come back into view.
    for (const [index, listed] of items)
      if (isFarFromWindow(index, win.start, win.end, PAGE)) {
        items.delete(index);
        letGo(listed.id);
      }
    const samePlaces = shown.columns === win.columns && shown.width === g.width;
    if (reuse && !stale && samePlaces && win.start < shown.end && win.end > shown.start) {
      const kept = shown.els.slice(
        Math.max(0, win.start - shown.start),
        Math.max(0, Math.min(shown.end, win.end) - shown.start),
      );
      for (const el of shown.els) if (!kept.includes(el)) retire(el, true);
      const before: HTMLElement[] = [];
      for (let i = win.start; i < shown.start; i += 1) before.push(cardAt(i, win, g));
      const after: HTMLElement[] = [];
      for (let i = Math.max(shown.end, win.start); i < win.end; i += 1) after.push(cardAt(i, win, g));
      // Parked cells are in the page already; settle() puts them in order at rest.
      cards.prepend(...before.filter((e) => e.parentNode !== cards));
      cards.append(...after.filter((e) => e.parentNode !== cards));
      const els = [...before, ...kept, ...after];
      // Placeholders whose page has arrived since.
      els.forEach((el, k) => {
        if (el.dataset.taskId === undefined && items.has(win.start + k)) {
          const fresh = cardAt(win.start + k, win, g);
          el.replaceWith(fresh);
          els[k] = fresh;
        }
      });
      shown = { start: win.start, end: win.end, columns: win.columns, width: g.width, els };
      if (restTimer !== null) clearTimeout(restTimer);
      restTimer = setTimeout(() => {
        restTimer = null;
        settle();
      }, REST_AFTER_MS);
    } else {
      // Everything is drawn again, but a task still in the window keeps its cell, so its
      // poster is not asked for again; the other cells are spares for the new tasks.
      const wanted = new Set<number>();
      for (let i = win.start; i < win.end; i += 1) {
        const listed = items.get(i);
        if (listed) wanted.add(listed.id);
      }
      const claimed = new Map<number, GalleryCell>();
      for (const el of shown.els) {
        const cell = cellOf.get(el);
        if (cell?.taskId != null && wanted.has(cell.taskId)) claimed.set(cell.taskId, cell);
        else retire(el);
      }
      // The parked cells leave with the rest, and nothing is left for settle() to order.
      clear(cards);
      parked.clear();
      if (restTimer !== null) clearTimeout(restTimer);
      restTimer = null;
      const els: HTMLElement[] = [];
      for (let i = win.start; i < win.end; i += 1) els.push(cardAt(i, win, g, claimed));
      cards.append(...els);
      shown = { start: win.start, end: win.end, columns: win.columns, width: g.width, els };
      stale = false;
      if (total === 0)
        cards.appendChild(
          h(
            'p',
            { class: 'empty' },
            text || filter !== 'all' ? 'Nothing matches.' : 'Your finished videos will appear here.',
          ),
        );
    }
    const count = libraryCount({ total, ...groupCounts }, filter, text !== '');
    if (countLabel.textContent !== count) countLabel.textContent = count;
    for (const offset of pagesFor(win.start, win.end, PAGE)) void load(offset);
    tickRunningCards();
  }

  async function load(offset: number) {
    if (loading.has(offset) || items.has(offset)) return;
    loading.add(offset);
    const mine = generation;
    try {
      const early = offset === 0 && !text && filter === 'all' ? prefetched : null;
      prefetched = null;
      const page = await (early ??
        ipc.galleryList({
          text: text || null,
          states: statesFor(filter, deps.states),
          // Absent unless asked for: the first page's query stays the start-up one.
          ...(starredOnly(filter) ? { starred: true } : {}),
          offset,
          limit: PAGE,
        }));
      if (mine !== generation) return;
      deps.notes.noteTasks(...page.items);
      total = page.total;
      for (const [i, task] of takesInOrder(page.items).entries()) items.set(page.offset + i, task);
      absorbing = true;
      try {
        store.put(...page.items);
      } finally {
        absorbing = false;
      }
      // After the first page, not beside it: start-up asks for that page alone.
      if (page.offset === 0 && filter === 'all' && !text) void countGroups(mine);
      // Bench hook (docs/benchmarks.md (b), (f)): data arrived, then the frame after the first render.
      if (!firstDataSeen) {
        firstDataSeen = true;
        performance.mark('gallery-data');
        requestAnimationFrame(() => {
          performance.mark('gallery-frame');
          setTimeout(() => {
            performance.mark('gallery-first-paint');
            firstPaintMarked = true;
          });
        });
        render();
        performance.mark('gallery-rendered');
      } else {
        render(true);
      }
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
    } finally {
      loading.delete(offset);
    }
  }

  function reload() {
    generation += 1;
    stale = true;
    items.clear();
    loading.clear();
    void load(0);
  }

  /**
   * How many entries failed and how many are still being made, for the count line: two
   * one-entry pages (`limit` 1) whose totals are the counts.
   */
  async function countGroups(mine: number) {
    const count = async (states: TaskState[]) =>
      (await ipc.galleryList({ text: null, states, offset: 0, limit: 1 })).total;
    try {
      const [failed, inProgress] = await Promise.all([
        count(statesFor('failed', deps.states)),
        count(statesFor('in_progress', deps.states)),
      ]);
      if (mine !== generation) return;
      groupCounts = { failed, inProgress };
      countLabel.textContent = libraryCount({ total, ...groupCounts }, filter, text !== '');
    } catch {
      /* the count line keeps its last figures; the page load reports errors */
    }
  }

  /** Set while a page's tasks go into the store, so the gallery does not hear its own page. */
  let absorbing = false;
  let reloadQueued = false;
  const loadedIds = () => new Set([...items.values()].map((t) => t.id));

  // Every task change reaches the cards at once: a card changes in place; a task the
  // gallery has not listed (a new generation) or one that left the filter reloads it.
  store.subscribe((changed) => {
    if (absorbing) return;
    const ids = loadedIds();
    const selected = statesFor(filter, deps.states);
    // A task the filter selects but the gallery has not listed (a new generation), or a
    // listed one it no longer selects; a change to a task the filter hides reads nothing.
    const needsReload = changed.some((t) => ids.has(t.id) !== filterSelects(filter, selected, t));
    if (needsReload) {
      if (!reloadQueued) {
        reloadQueued = true;
        queueMicrotask(() => {
          reloadQueued = false;
          reload();
        });
      }
    } else {
      stale = true;
      render();
      // Finished, failed or started: the count line moves between groups.
      if (filter === 'all' && !text) void countGroups(generation);
    }
    const open = drawerTask;
    if (open) {
      const next = changed.find((t) => t.id === open.id);
      if (next && (next.state !== open.state || next.verdict !== open.verdict)) showDetails(next, false);
    }
  });

  /** The task the open details show, as they were last drawn. */
  let drawerTask: TaskView | null = null;

  let drawerClock: ReturnType<typeof setInterval> | null = null;

  function closeDrawer(returnFocus = false) {
    const was = drawerTask;
    if (drawerClock !== null) clearInterval(drawerClock);
    drawerClock = null;
    drawer?.remove();
    drawer = null;
    drawerTask = null;
    refreshDrawerNotes = null;
    revokePlayerUrls();
    // Back where the creator was: the card whose details these were.
    if (returnFocus && was)
      cardsShown()
        .find((c) => c.dataset.taskId === String(was.id))
        ?.focus();
  }

  const act = (work: () => Promise<unknown>, done?: string) => () =>
    void work().then(
      () => {
        if (done) deps.toast(done);
      },
      (e) => deps.onError(ipc.IpcError.from(e)),
    );

  async function open(id: number) {
    let task: TaskView;
    try {
      task = await ipc.taskGet(id);
    } catch (error) {
      deps.onError(ipc.IpcError.from(error));
      return;
    }
    store.put(task);
    showDetails(store.latest(task), true);
  }

  function showDetails(task: TaskView, focus: boolean) {
    const id = task.id;
    const scrollTop = drawer?.scrollTop ?? 0;
    closeDrawer();
    drawerTask = task;
    const clipDeps = {
      open: (other: number) => void open(other),
      onChanged: () => reload(),
      onError: deps.onError,
      toast: deps.toast,
    };
    const video =
      task.video_path && playableHere(task.video_path)
        ? (h('video', {
            controls: true,
            preload: 'metadata',
            src: ipc.fileUrl(task.video_path),
            poster: task.poster_path ? ipc.fileUrl(task.poster_path) : null,
            'data-testid': 'player',
            'aria-label': 'Video player',
          }) as HTMLVideoElement)
        : null;
    if (video && task.video_path)
      playFromBlobIfStreamingFails(video, task.video_path, () => video.replaceWith(cannotPlayNotice(task, deps)));
    const player = video ?? (task.video_path ? cannotPlayNotice(task, deps) : null);
    const settlement = settlementLine(task);
    const clipChange = clipChangeSection(task, clipDeps);
    const done = task.state === 'downloaded';
    // The settled charge, once read, is what was spent.
    const credits = creditsLine({ ...task, credits: task.settled_credits ?? task.credits }, deps.states);
    const support = supportPacketAction(task, deps);
    // The request's references, as the task's own draft lists them (the task view has
    // none): "Image 1: frame.png · Video 1: take2.mp4", or "None (text only)".
    const referencesUsed = h('dd', { 'data-testid': 'details-references' }, '…');
    void ipc
      .galleryRemix(id)
      .then((draft) => {
        referencesUsed.textContent = referencesLabel(draft.references);
      })
      .catch(() => {
        referencesUsed.textContent = 'Not known';
      });
    const progress = deps.states.on_service.includes(task.state)
      ? h('dd', { 'data-testid': 'details-progress' }, progressBar(task))
      : null;
    // The clock runs while the task does, and only then (no idle timer).
    if (progress) drawerClock = setInterval(() => progress.replaceChildren(progressBar(task)), 1000);
    // The parts that follow the notes: they change while the drawer is open.
    const links = h('div', { class: 'links' });
    const failureSlot = h('div');
    const problemSlot = h('div');
    refreshDrawerNotes = () => {
      const retriedAs = deps.notes.retriedAs(id);
      links.replaceChildren(
        ...[
          task.retry_of !== null ? link('Retry of an earlier attempt', 'details-retry-of', task.retry_of) : null,
          retriedAs !== null ? link('Sent again: show the new attempt', 'details-retried-as', retriedAs) : null,
        ].filter((x): x is HTMLButtonElement => x !== null),
      );
      failureSlot.replaceChildren(
        ...(deps.states.failed.includes(task.state)
          ? [
              failureCard(task.guidance, {
                onIntent: (intent, context) => deps.onIntent(task, intent, context),
                retriedAs,
                onShowTask: (other) => void open(other),
              }),
            ]
          : []),
      );
      const problem = task.state === 'succeeded' ? deps.notes.downloadProblem(id) : null;
      problemSlot.replaceChildren(...(problem ? [downloadNotice(task, problem, deps)] : []));
    };
    refreshDrawerNotes();
    const deleteButton = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': 'action-delete',
        onclick: () =>
          askInline(deleteButton, {
            ...deleteQuestion(task),
            confirmLabel: 'Yes, remove',
            testId: 'confirm-delete',
            onConfirm: async () => {
              try {
                await ipc.galleryDelete(id, deleteQuestion(task).confirmNotSaved || undefined);
                closeDrawer();
                reload();
              } catch (error) {
                deps.onError(ipc.IpcError.from(error));
              }
            },
          }),
      },
      'Delete from history',
    );
    drawer = h(
      'aside',
      {
        class: 'drawer',
        role: 'dialog',
        'aria-modal': 'false',
        'aria-label': 'Video details',
        'data-testid': 'details',
        'data-task-id': id,
      },
      h(
        'div',
        { class: 'row' },
        h('h2', {}, 'Details'),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost shrink',
            'aria-label': 'Close details',
            'data-testid': 'details-close',
            onclick: () => closeDrawer(true),
          },
          '✕',
        ),
      ),
      player,
      problemSlot,
      failureSlot,
      h('p', { 'data-testid': 'details-prompt' }, takeBadge(task), task.prompt),
      verdictControls(task, 'details', verdictDeps),
      links,
      clipLinks(task, clipDeps),
      madeFromLinks(task, clipDeps),
      taskActions(task, {
        onChanged: () => {
          closeDrawer();
          reload();
        },
        onError: deps.onError,
        toast: deps.toast,
      }),
      h(
        'dl',
        {},
        h('dt', {}, 'State'),
        h('dd', { 'data-testid': 'details-state', 'data-state': task.state }, stateLabel(task.state)),
        progress ? h('dt', {}, 'Progress') : null,
        progress,
        h('dt', {}, 'Model'),
        h('dd', {}, task.model_label),
        h('dt', {}, 'Format'),
        h('dd', {}, `${task.resolution} · ${task.duration_secs} s`),
        h('dt', {}, 'Created'),
        h('dd', {}, when(task.created_at_ms)),
        credits !== null ? h('dt', {}, 'Credits') : null,
        credits !== null ? h('dd', { 'data-testid': 'details-credits' }, credits) : null,
        settlement ? h('dt', {}, 'Charge') : null,
        settlement ? h('dd', { 'data-testid': 'details-settlement' }, settlement) : null,
        task.output_mismatch ? h('dt', {}, 'Result') : null,
        task.output_mismatch ? h('dd', { 'data-testid': 'details-output-mismatch' }, task.output_mismatch) : null,
        h('dt', {}, 'References'),
        referencesUsed,
        task.video_path ? h('dt', {}, 'File') : null,
        task.video_path ? h('dd', {}, task.video_path) : null,
      ),
      // Only what can be done with this task now: no row of disabled buttons.
      h(
        'div',
        { class: 'actions-grid', 'data-testid': 'details-actions' },
        done
          ? h(
              'button',
              { type: 'button', 'data-testid': 'action-reveal', onclick: act(() => ipc.galleryReveal(id)) },
              'Show in folder',
            )
          : null,
        done
          ? h(
              'button',
              {
                type: 'button',
                'data-testid': 'action-save-as',
                onclick: act(async () => {
                  const p = await ipc.gallerySaveAs(id);
                  if (p) deps.toast(`Saved to ${p}`);
                }),
              },
              'Save as…',
            )
          : null,
        task.output_url
          ? h(
              'button',
              {
                type: 'button',
                'data-testid': 'action-copy-url',
                onclick: act(() => copy(task.output_url ?? ''), 'Link copied'),
              },
              'Copy link',
            )
          : null,
        task.output_url?.startsWith('https://')
          ? h(
              'button',
              { type: 'button', 'data-testid': 'action-open-url', onclick: act(() => ipc.galleryOpenUrl(id)) },
              'Open in browser',
            )
          : null,
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-remix',
            onclick: () => {
              closeDrawer();
              deps.onRemix(id);
            },
          },
          'Remix',
        ),
        task.poster_path
          ? h(
              'button',
              {
                type: 'button',
                'data-testid': 'action-continue',
                onclick: () => {
                  closeDrawer();
                  deps.onContinue(id);
                },
              },
              'Continue from last frame',
            )
          : null,
        support?.button ?? null,
        compareWithAction(task, {
          compare: (a, b) => {
            closeDrawer();
            openCompare(a, b, { onError: deps.onError });
          },
          onError: deps.onError,
        }),
        ...(clipChange?.buttons ?? []),
        deleteButton,
      ),
      support?.shown ?? null,
      clipChange?.slot ?? null,
    );
    document.body.appendChild(drawer);
    drawer.scrollTop = scrollTop;
    if (focus) (drawer.querySelector('button') as HTMLButtonElement | null)?.focus();
  }

  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  search.addEventListener('input', () => {
    if (searchTimer) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      text = search.value.trim();
      reload();
    }, 200);
  });
  // One render per frame however many scroll events arrive in it.
  let scrollQueued = false;
  scroller.addEventListener(
    'scroll',
    () => {
      if (scrollQueued) return;
      scrollQueued = true;
      requestAnimationFrame(() => {
        scrollQueued = false;
        render(true);
      });
    },
    { passive: true },
  );
  // Its first call comes right after the first layout, at the size render() already used:
  // rebuilding the same cards then would lay them out twice in the first frame.
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => {
      if (scroller.clientWidth !== renderedSize.width || scroller.clientHeight !== renderedSize.height) render();
    }).observe(scroller);
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && drawer) closeDrawer(true);
  });

  /** A button that opens another task's details (a retry and what it retried). */
  function link(label: string, testId: string, target: number): HTMLButtonElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': testId,
        'aria-label': `${label}: show its details`,
        onclick: () => void open(target),
      },
      label,
    );
  }

  deps.notes.subscribe(() => {
    stale = true;
    render();
    refreshDrawerNotes?.();
  });

  renderFilters();
  reload();
  return { el, reload, open };
}

/** Blob URLs made for the open player; revoked when the drawer closes. */
const blobUrls = new Set<string>();

/**
 * Streaming the file through the asset protocol is best (no copy in memory) and works on
 * macOS and Windows; on Linux the player fails with a media error, and the file is then
 * played from a blob URL instead.
 */
function playFromBlobIfStreamingFails(video: HTMLVideoElement, path: string, cannotPlay: () => void): void {
  video.addEventListener(
    'error',
    () => {
      if (video.src.startsWith('blob:')) return;
      ipc.videoBlobUrl(path).then(
        (url) => {
          blobUrls.add(url);
          // The file itself fails too (HEVC the webview cannot decode): say so instead.
          video.addEventListener('error', cannotPlay, { once: true });
          video.src = url;
        },
        () => {
          /* the poster stays; the file actions still work */
        },
      );
    },
    { once: true },
  );
}

export function revokePlayerUrls(): void {
  for (const url of blobUrls) URL.revokeObjectURL(url);
  blobUrls.clear();
}

async function copy(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h('textarea', { 'aria-hidden': 'true', style: 'position:fixed;opacity:0' });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}
