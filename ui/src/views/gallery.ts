// The gallery: a virtual grid over the whole history (only the rows on screen exist in
// the DOM; pages are fetched as they scroll into view), search by prompt, filter by
// state, and a details drawer with inline playback and the card's actions. Retries link
// both ways (as far as this window knows), and a video the engine could not save says so
// on its card and in its details, with what to do.

import type { GalleryPage } from '../bindings/GalleryPage';
import type { GalleryQuery } from '../bindings/GalleryQuery';
import type { StateGroups } from '../bindings/StateGroups';
import type { TaskView } from '../bindings/TaskView';
import { clear, h } from '../dom';
import { grouped, stateLabel, when } from '../format';
import {
  FILTERS,
  isFarFromWindow,
  pagesFor,
  statesFor,
  visibleWindow,
  type GalleryFilter,
  type GridGeometry,
} from '../gallery-model';
import type { Intent } from '../guidance';
import * as ipc from '../ipc';
import type { TaskNotes } from '../task-notes';
import { askInline } from './confirm';
import { downloadNotice } from './download-notice';
import { failureCard } from './failure-card';
import { deleteQuestion, taskActions } from './task-actions';
import { taskStateLabel } from './task-wait';

const PAGE = 60;
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
  let prefetched = deps.firstPage ?? null;
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

  function card(task: TaskView): HTMLElement {
    const problem = task.state === 'succeeded' ? deps.notes.downloadProblem(task.id) : null;
    // A video not saved has no poster yet: its place says why.
    // `loading` before `src`: an image starts loading when its src is set, and lazy
    // images stay out of the first paint.
    const poster = task.poster_path
      ? posterImage(ipc.thumbnailUrl(task.id))
      : problem
        ? h(
            'div',
            { class: 'noposter card-problem', title: problem.message, 'data-testid': 'card-download-problem' },
            problem.message,
          )
        : h('div', { class: 'noposter' }, stateLabel(task.state));
    const state = problem ? 'Not saved yet' : taskStateLabel(task);
    return h(
      'button',
      {
        type: 'button',
        class: 'card',
        role: 'listitem',
        'data-testid': 'gallery-card',
        'data-task-id': task.id,
        'data-state': task.state,
        'aria-label': `${task.prompt || 'Untitled'} — ${problem ? 'Not saved to your library' : state}`,
        onclick: () => void open(task.id),
      },
      poster,
      h(
        'div',
        { class: 'caption' },
        h('div', { class: 'task-prompt' }, task.prompt || '(no prompt)'),
        h(
          'div',
          { class: 'task-meta' },
          h('span', { class: `state ${problem ? 'not-saved' : task.state}` }, state),
          ` · ${task.model_label} · ${task.resolution} · ${when(task.created_at_ms)}${task.retry_of !== null ? ` · retry of #${task.retry_of}` : ''}`,
        ),
      ),
    );
  }

  let firstDataSeen = false;
  let firstPaintMarked = false;

  function posterImage(url: string): HTMLImageElement {
    const img = h('img', { class: 'poster', loading: 'lazy', decoding: 'async', alt: '', src: url });
    // Bench hook (docs/benchmarks.md (f)): when each of the first screen's posters shows.
    if (!firstPaintMarked) img.addEventListener('load', () => performance.mark('gallery-poster'), { once: true });
    // A last frame that is gone from the library or cannot be read: the card says so
    // instead of showing a broken image.
    img.addEventListener(
      'error',
      () => {
        img.replaceWith(h('div', { class: 'noposter', 'data-testid': 'card-no-preview' }, 'No preview'));
      },
      { once: true },
    );
    return img;
  }

  /** The scroller's size at the last render. */
  const renderedSize = { width: -1, height: -1 };
  /** The cards in the DOM: items `[start, end)`, in order. */
  let shown = { start: 0, end: 0, els: [] as HTMLElement[] };
  /** Set when what the cards show may have changed (reload, notes): the next render rebuilds. */
  let stale = true;

  const cardAt = (i: number): HTMLElement => {
    const task = items.get(i);
    return task ? card(task) : h('div', { class: 'card', 'aria-hidden': 'true' });
  };

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
    grid.style.height = `${win.height}px`;
    cards.style.top = `${win.offsetY}px`;
    cards.style.gridTemplateColumns = `repeat(${win.columns}, 1fr)`;
    cards.style.gridAutoRows = `${g.rowHeight}px`;
    // Memory stays bounded by the viewport, not by how far the creator has scrolled: pages
    // far from it are dropped and fetched again if they come back into view.
    for (const index of items.keys()) if (isFarFromWindow(index, win.start, win.end, PAGE)) items.delete(index);
    if (reuse && !stale && win.start < shown.end && win.end > shown.start) {
      const kept = shown.els.slice(
        Math.max(0, win.start - shown.start),
        Math.max(0, Math.min(shown.end, win.end) - shown.start),
      );
      for (const el of shown.els) if (!kept.includes(el)) el.remove();
      const before: HTMLElement[] = [];
      for (let i = win.start; i < shown.start; i += 1) before.push(cardAt(i));
      const after: HTMLElement[] = [];
      for (let i = Math.max(shown.end, win.start); i < win.end; i += 1) after.push(cardAt(i));
      cards.prepend(...before);
      cards.append(...after);
      const els = [...before, ...kept, ...after];
      // Placeholders whose page has arrived since.
      els.forEach((el, k) => {
        if (el.dataset.taskId === undefined && items.has(win.start + k)) {
          const fresh = cardAt(win.start + k);
          el.replaceWith(fresh);
          els[k] = fresh;
        }
      });
      shown = { start: win.start, end: win.end, els };
    } else {
      clear(cards);
      const els: HTMLElement[] = [];
      for (let i = win.start; i < win.end; i += 1) els.push(cardAt(i));
      cards.append(...els);
      shown = { start: win.start, end: win.end, els };
      stale = false;
      if (total === 0)
        cards.appendChild(
          h(
            'p',
            { class: 'empty', style: 'grid-column:1/-1' },
            text || filter !== 'all' ? 'Nothing matches.' : 'Your finished videos will appear here.',
          ),
        );
    }
    countLabel.textContent = total === 1 ? '1 video' : `${grouped(total)} videos`;
    for (const offset of pagesFor(win.start, win.end, PAGE)) void load(offset);
  }

  async function load(offset: number) {
    if (loading.has(offset) || items.has(offset)) return;
    loading.add(offset);
    const mine = generation;
    try {
      const early = offset === 0 && !text && filter === 'all' ? prefetched : null;
      prefetched = null;
      const page = await (early ??
        ipc.galleryList({ text: text || null, states: statesFor(filter, deps.states), offset, limit: PAGE }));
      if (mine !== generation) return;
      deps.notes.noteTasks(...page.items);
      total = page.total;
      for (const [i, task] of page.items.entries()) items.set(page.offset + i, task);
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

  function closeDrawer() {
    drawer?.remove();
    drawer = null;
    refreshDrawerNotes = null;
    revokePlayerUrls();
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
    closeDrawer();
    const video = task.video_path
      ? (h('video', {
          controls: true,
          preload: 'metadata',
          src: ipc.fileUrl(task.video_path),
          poster: task.poster_path ? ipc.fileUrl(task.poster_path) : null,
          'data-testid': 'player',
          'aria-label': 'Video player',
        }) as HTMLVideoElement)
      : null;
    if (video && task.video_path) playFromBlobIfStreamingFails(video, task.video_path);
    const done = task.state === 'downloaded';
    // The parts that follow the notes: they change while the drawer is open.
    const links = h('div', { class: 'links' });
    const failureSlot = h('div');
    const problemSlot = h('div');
    refreshDrawerNotes = () => {
      const retriedAs = deps.notes.retriedAs(id);
      links.replaceChildren(
        ...[
          task.retry_of !== null ? link(`Retry of #${task.retry_of}`, 'details-retry-of', task.retry_of) : null,
          retriedAs !== null ? link(`Retried as #${retriedAs}`, 'details-retried-as', retriedAs) : null,
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
            onclick: closeDrawer,
          },
          '✕',
        ),
      ),
      video,
      problemSlot,
      failureSlot,
      h('p', { 'data-testid': 'details-prompt' }, task.prompt),
      links,
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
        h('dd', {}, stateLabel(task.state)),
        h('dt', {}, 'Model'),
        h('dd', {}, task.model_label),
        h('dt', {}, 'Format'),
        h('dd', {}, `${task.resolution} · ${task.duration_secs} s`),
        h('dt', {}, 'Created'),
        h('dd', {}, when(task.created_at_ms)),
        task.credits !== null ? h('dt', {}, 'Credits') : null,
        task.credits !== null ? h('dd', {}, String(task.credits)) : null,
        task.video_path ? h('dt', {}, 'File') : null,
        task.video_path ? h('dd', {}, task.video_path) : null,
      ),
      h(
        'div',
        { class: 'actions-grid' },
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-reveal',
            disabled: !done,
            onclick: act(() => ipc.galleryReveal(id)),
          },
          'Show in folder',
        ),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-save-as',
            disabled: !done,
            onclick: act(async () => {
              const p = await ipc.gallerySaveAs(id);
              if (p) deps.toast(`Saved to ${p}`);
            }),
          },
          'Save as…',
        ),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-copy-url',
            disabled: !task.output_url,
            onclick: act(() => copy(task.output_url ?? ''), 'Link copied'),
          },
          'Copy link',
        ),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-open-url',
            disabled: !task.output_url?.startsWith('https://'),
            onclick: act(() => ipc.galleryOpenUrl(id)),
          },
          'Open in browser',
        ),
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
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'action-continue',
            disabled: !task.poster_path,
            onclick: () => {
              closeDrawer();
              deps.onContinue(id);
            },
          },
          'Continue from last frame',
        ),
        deleteButton,
      ),
    );
    document.body.appendChild(drawer);
    (drawer.querySelector('button') as HTMLButtonElement | null)?.focus();
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
    if (e.key === 'Escape' && drawer) closeDrawer();
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
function playFromBlobIfStreamingFails(video: HTMLVideoElement, path: string): void {
  video.addEventListener(
    'error',
    () => {
      if (video.src.startsWith('blob:')) return;
      ipc.videoBlobUrl(path).then(
        (url) => {
          blobUrls.add(url);
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
