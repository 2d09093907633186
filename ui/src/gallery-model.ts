// The gallery's pure parts: the state filters it offers, the virtual grid's window
// (which rows exist in the DOM for a scroll position), so 10,000 entries cost only the
// rows on screen, and how takes of one request sit together. Unit-tested in
// tests/gallery-model.test.ts.

import type { DraftReference } from './bindings/DraftReference';
import type { StateGroups } from './bindings/StateGroups';
import type { TaskState } from './bindings/TaskState';
import type { TaskView } from './bindings/TaskView';
import { fileName, grouped, kindLabel } from './format';

export type GalleryFilter = 'all' | 'done' | 'failed' | 'in_progress' | 'starred';

export const FILTERS: { id: GalleryFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'done', label: 'Finished' },
  { id: 'failed', label: 'Failed' },
  { id: 'in_progress', label: 'In progress' },
  { id: 'starred', label: 'Starred' },
];

/** Whether a filter selects by the creator's verdict (starred takes, of every state). */
export const starredOnly = (filter: GalleryFilter): boolean => filter === 'starred';

/** Whether `filter` selects `task`: its state among `states` (empty: any), and its verdict. */
export function filterSelects(
  filter: GalleryFilter,
  states: TaskState[],
  task: Pick<TaskView, 'state' | 'verdict'>,
): boolean {
  if (starredOnly(filter) && task.verdict !== 'starred') return false;
  return states.length === 0 || states.includes(task.state);
}

/** "Take 2 of 3" for a task made with others from one request; null for one made alone. */
export function takeLabel(task: Pick<TaskView, 'take'>): string | null {
  return task.take ? `Take ${task.take.number} of ${task.take.of}` : null;
}

/**
 * A page of the library (newest first) with the takes of each group in the order they
 * were made, so a group reads "Take 1 of 3, Take 2 of 3, Take 3 of 3" where it stands.
 * Takes of one group are recorded together and so arrive next to each other; only such
 * runs are reordered, and the page keeps its length and everything else its place.
 */
export function takesInOrder<T extends Pick<TaskView, 'take'>>(page: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  while (i < page.length) {
    const group = page[i]?.take?.group;
    let j = i + 1;
    if (group !== undefined) while (j < page.length && page[j]?.take?.group === group) j += 1;
    const run = page.slice(i, j);
    if (run.length > 1) run.sort((a, b) => (a.take?.number ?? 0) - (b.take?.number ?? 0));
    out.push(...run);
    i = j;
  }
  return out;
}

/**
 * Where a card sits in its group's run on the page (`first`, `middle`, `last`), for the
 * band that joins a group's cards; null for a card outside a group or alone on the page.
 */
export function takeRunPosition(
  previous: Pick<TaskView, 'take'> | undefined,
  task: Pick<TaskView, 'take'>,
  next: Pick<TaskView, 'take'> | undefined,
): 'first' | 'middle' | 'last' | null {
  const group = task.take?.group;
  if (group === undefined) return null;
  const withPrevious = previous?.take?.group === group;
  const withNext = next?.take?.group === group;
  if (withPrevious && withNext) return 'middle';
  if (withNext) return 'first';
  if (withPrevious) return 'last';
  return null;
}

/** The states a filter selects, from the catalog's groups; empty means every state. */
export function statesFor(filter: GalleryFilter, groups: StateGroups): TaskState[] {
  switch (filter) {
    case 'done':
      return groups.finished;
    case 'failed':
      return [...groups.failed, ...groups.cancelled];
    case 'in_progress':
      return [...groups.in_flight, ...groups.needs_decision];
    // Starred takes of every state: the verdict selects them (`starredOnly`).
    default:
      return [];
  }
}

export interface GridGeometry {
  /** Width available for cards, px. */
  width: number;
  /** Smallest card width, px. */
  minCard: number;
  gap: number;
  /** Card height including its caption, px. */
  rowHeight: number;
}

export function columns(g: GridGeometry): number {
  return Math.max(1, Math.floor((g.width + g.gap) / (g.minCard + g.gap)));
}

export interface VisibleWindow {
  columns: number;
  /** First and one-past-last item index to render. */
  start: number;
  end: number;
  /** Total scroll height, px. */
  height: number;
  /** Offset of the first rendered row, px. */
  offsetY: number;
}

/**
 * The items to render for a viewport: the rows intersecting
 * `[scrollTop, scrollTop + viewport)` plus `overscan` rows on each side.
 */
export function visibleWindow(
  total: number,
  scrollTop: number,
  viewport: number,
  g: GridGeometry,
  overscan = 2,
): VisibleWindow {
  const cols = columns(g);
  const rows = Math.ceil(total / cols);
  const stride = g.rowHeight + g.gap;
  const firstRow = Math.max(0, Math.floor(scrollTop / stride) - overscan);
  const lastRow = Math.min(rows, Math.ceil((scrollTop + viewport) / stride) + overscan);
  return {
    columns: cols,
    start: Math.min(total, firstRow * cols),
    end: Math.min(total, lastRow * cols),
    height: Math.max(0, rows * stride - g.gap),
    offsetY: firstRow * stride,
  };
}

/** Where one card sits in the grid's content box, px. */
export interface CardBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The box of item `index` in a grid of `cols` equal columns over `g.width`. Each card is
 * placed on its own, so a card never moves while it stays in the window: a row that enters
 * or leaves lays out and paints only itself, not every card below it.
 */
export function cardBox(index: number, cols: number, g: GridGeometry): CardBox {
  const width = (g.width - g.gap * (cols - 1)) / cols;
  return {
    left: (index % cols) * (width + g.gap),
    top: Math.floor(index / cols) * (g.rowHeight + g.gap),
    width,
    height: g.rowHeight,
  };
}

/** Page-aligned ranges that cover `[start, end)`, for fetching only what is missing. */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  const pages: number[] = [];
  if (end <= start) return pages;
  for (let p = Math.floor(start / pageSize); p * pageSize < end; p += 1) pages.push(p * pageSize);
  return pages;
}

/**
 * Whether a loaded item at `index` is far enough from the rendered `[start, end)` to drop:
 * more than `keepPages` pages away on either side. The gallery then holds a few pages around
 * the viewport however long the history and however far the creator has scrolled.
 */
export function isFarFromWindow(index: number, start: number, end: number, pageSize: number, keepPages = 4): boolean {
  const margin = keepPages * pageSize;
  return index < start - margin || index >= end + margin;
}

/** How many of the library's entries are in each group, for its count line. */
export interface LibraryCounts {
  /** Entries the current search and filter match. */
  total: number;
  /** Of all entries (no filter): failed or cancelled, and still being made. */
  failed: number;
  inProgress: number;
}

const plural = (n: number, one: string, many: string) => `${grouped(n)} ${n === 1 ? one : many}`;

/**
 * The count line: videos are what was made, so failures and tasks still running are
 * counted apart ("3 videos · 1 in progress · 2 failed"). A filter shows what it selects.
 */
export function libraryCount(c: LibraryCounts, filter: GalleryFilter, searching: boolean): string {
  if (filter === 'starred') return `${grouped(c.total)} starred`;
  if (filter === 'failed') return plural(c.total, 'failed attempt', 'failed attempts');
  if (filter === 'in_progress') return `${grouped(c.total)} in progress`;
  if (filter === 'done') return plural(c.total, 'video', 'videos');
  // Matches of a search, of every state: the groups are not counted per search.
  if (searching) return plural(c.total, 'match', 'matches');
  const videos = Math.max(0, c.total - c.failed - c.inProgress);
  const parts = [plural(videos, 'video', 'videos')];
  if (c.inProgress > 0) parts.push(`${grouped(c.inProgress)} in progress`);
  if (c.failed > 0) parts.push(`${grouped(c.failed)} failed`);
  return parts.join(' · ');
}

/**
 * The details' credits line, stated once and plainly: what was reserved and what came
 * back, so a failed task does not read "refunded" above a bare "Credits 200".
 */
export function creditsLine(
  task: Pick<TaskView, 'credits' | 'state' | 'guidance'>,
  groups: StateGroups,
): string | null {
  if (task.credits === null) return null;
  const amount = plural(task.credits, 'credit', 'credits');
  if (groups.failed.includes(task.state) || groups.cancelled.includes(task.state)) {
    switch (task.guidance?.refund) {
      case 'refunded':
        return `${amount} reserved, refunded: nothing spent`;
      case 'not_charged':
        return `Nothing spent (${amount} were not charged)`;
      case 'unknown':
        return `${amount} reserved; whether they come back is not known yet`;
      default:
        return groups.cancelled.includes(task.state) ? `Nothing spent (${amount} not charged)` : `${amount} reserved`;
    }
  }
  if (groups.finished.includes(task.state)) return `${amount} spent`;
  return `${amount} reserved while it is made`;
}

/** The references a task used, numbered per kind as the compose panel numbers them. */
export function referencesLabel(references: DraftReference[]): string {
  if (references.length === 0) return 'None (text only)';
  const seen = new Map<string, number>();
  return references
    .map((r) => {
      const n = (seen.get(r.kind) ?? 0) + 1;
      seen.set(r.kind, n);
      return `${kindLabel(r.kind)} ${n}: ${r.path ? fileName(r.path) : (r.url ?? '')}`;
    })
    .join(' · ');
}
