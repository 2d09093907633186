// The gallery's pure parts: the state filters it offers and the virtual grid's window
// (which rows exist in the DOM for a scroll position), so 10,000 entries cost only the
// rows on screen. Unit-tested in tests/gallery-model.test.ts.

import type { StateGroups } from './bindings/StateGroups';
import type { TaskState } from './bindings/TaskState';

export type GalleryFilter = 'all' | 'done' | 'failed' | 'in_progress';

export const FILTERS: { id: GalleryFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'done', label: 'Finished' },
  { id: 'failed', label: 'Failed' },
  { id: 'in_progress', label: 'In progress' },
];

/** The states a filter selects, from the catalog's groups; empty means every state. */
export function statesFor(filter: GalleryFilter, groups: StateGroups): TaskState[] {
  switch (filter) {
    case 'done':
      return groups.finished;
    case 'failed':
      return [...groups.failed, ...groups.cancelled];
    case 'in_progress':
      return [...groups.in_flight, ...groups.needs_decision];
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
