import { describe, expect, it } from 'vitest';
import {
  cardBox,
  columns,
  creditsLine,
  filterSelects,
  FILTERS,
  isFarFromWindow,
  libraryCount,
  pagesFor,
  referencesLabel,
  statesFor,
  takeLabel,
  takeRunPosition,
  takesInOrder,
  visibleWindow,
} from '../src/gallery-model';
import { STATE_GROUPS } from './state-groups.generated';

const g = { width: 900, minCard: 220, gap: 12, rowHeight: 210 };

describe('virtual grid', () => {
  it('renders only the rows on screen for 10,000 entries', () => {
    const w = visibleWindow(10_000, 50_000, 700, g);
    expect(columns(g)).toBe(3);
    expect(w.end - w.start).toBeLessThanOrEqual(3 * 8);
    expect(w.start).toBeGreaterThan(0);
    expect(w.height).toBe(Math.ceil(10_000 / 3) * 222 - 12);
    expect(w.offsetY).toBe(Math.floor(w.start / 3) * 222);
  });

  it('clamps at the end of the list', () => {
    const w = visibleWindow(10, 10_000, 700, g);
    expect(w.end).toBe(10);
    expect(w.start).toBeLessThanOrEqual(10);
  });

  it('keeps four pages either side of the window and drops the rest', () => {
    // Window [6000, 6024), pages of 60: items 5760..6263 stay.
    expect(isFarFromWindow(5760, 6000, 6024, 60)).toBe(false);
    expect(isFarFromWindow(5759, 6000, 6024, 60)).toBe(true);
    expect(isFarFromWindow(6263, 6000, 6024, 60)).toBe(false);
    expect(isFarFromWindow(6264, 6000, 6024, 60)).toBe(true);
    expect(isFarFromWindow(0, 6000, 6024, 60)).toBe(true);
    // Every page the window needs is always kept, whatever its alignment.
    for (const start of [0, 59, 60, 61, 5999]) {
      for (const offset of pagesFor(start, start + 24, 60))
        expect(isFarFromWindow(offset, start, start + 24, 60)).toBe(false);
    }
  });

  it('places every card by its index alone, the columns filling the width', () => {
    // 900 px, 3 columns, 12 px gaps: cards of 292 px, rows 222 px apart.
    expect(cardBox(0, 3, g)).toEqual({ left: 0, top: 0, width: 292, height: 210 });
    expect(cardBox(5, 3, g)).toEqual({ left: 608, top: 222, width: 292, height: 210 });
    const last = cardBox(9_998, 3, g);
    expect(last.left + last.width).toBe(900);
    expect(last.top).toBe(3_332 * 222);
    // The same item gets the same box whatever window it is rendered in.
    expect(cardBox(4_242, 3, g)).toEqual(cardBox(4_242, 3, g));
  });

  it('fetches only the pages that cover the window', () => {
    expect(pagesFor(70, 130, 60)).toEqual([60, 120]);
    expect(pagesFor(5, 5, 60)).toEqual([]);
  });
});

describe('filters', () => {
  it('maps filters to ledger states', () => {
    expect(statesFor('all', STATE_GROUPS)).toEqual([]);
    expect(statesFor('done', STATE_GROUPS)).toEqual(['succeeded', 'downloaded']);
    expect(statesFor('failed', STATE_GROUPS)).toEqual(['failed', 'not_found', 'cancelled']);
    expect(statesFor('in_progress', STATE_GROUPS)).toEqual([
      'queued',
      'submitting',
      'waiting',
      'generating',
      'stuck',
      'submission_unknown',
    ]);
  });
});

describe('the library count and the credits line', () => {
  it('counts videos as videos, apart from failures and tasks still being made', () => {
    expect(libraryCount({ total: 5, failed: 2, inProgress: 0 }, 'all', false)).toBe('3 videos · 2 failed');
    expect(libraryCount({ total: 6, failed: 2, inProgress: 1 }, 'all', false)).toBe(
      '3 videos · 1 in progress · 2 failed',
    );
    expect(libraryCount({ total: 1, failed: 0, inProgress: 0 }, 'all', false)).toBe('1 video');
    expect(libraryCount({ total: 4, failed: 4, inProgress: 0 }, 'failed', false)).toBe('4 failed attempts');
    expect(libraryCount({ total: 2, failed: 4, inProgress: 0 }, 'all', true)).toBe('2 matches');
  });

  it('states reserved and refunded plainly, once', () => {
    const refunded = { refund: 'refunded' } as never;
    expect(creditsLine({ credits: 200, state: 'failed', guidance: refunded }, STATE_GROUPS)).toBe(
      '200 credits reserved, refunded: nothing spent',
    );
    expect(creditsLine({ credits: 200, state: 'downloaded', guidance: null }, STATE_GROUPS)).toBe('200 credits spent');
    expect(creditsLine({ credits: 200, state: 'generating', guidance: null }, STATE_GROUPS)).toBe(
      '200 credits reserved while it is made',
    );
    expect(creditsLine({ credits: null, state: 'failed', guidance: null }, STATE_GROUPS)).toBeNull();
  });
});

describe('the references a task used', () => {
  it('are numbered per kind, by file name or URL', () => {
    expect(referencesLabel([])).toBe('None (text only)');
    expect(
      referencesLabel([
        { kind: 'image', path: '/lib/a_lastframe.png', url: null, duration_ms: null },
        { kind: 'video', path: null, url: 'https://x.example/take.mp4', duration_ms: 3000 },
        { kind: 'image', path: 'C:\\\\m\\\\b.png', url: null, duration_ms: null },
      ]),
    ).toBe('Image 1: a_lastframe.png · Video 1: https://x.example/take.mp4 · Image 2: b.png');
  });
});

describe('takes in the library', () => {
  const take = (id: number, group: number, number: number, of: number) => ({ id, take: { group, number, of } });
  const alone = (id: number) => ({ id, take: null });

  it('puts the takes of a group in the order they were made, where the group stands', () => {
    const page = [alone(9), take(8, 6, 3, 3), take(7, 6, 2, 3), take(6, 6, 1, 3), alone(5), take(4, 3, 2, 2)];
    expect(takesInOrder(page).map((t) => t.id)).toEqual([9, 6, 7, 8, 5, 4]);
    expect(takesInOrder([])).toEqual([]);
  });

  it('says which take a card is and where it sits in its run', () => {
    expect(takeLabel(take(7, 6, 2, 3))).toBe('Take 2 of 3');
    expect(takeLabel(alone(5))).toBeNull();
    const [a, b, c] = [take(6, 6, 1, 3), take(7, 6, 2, 3), take(8, 6, 3, 3)];
    expect(takeRunPosition(alone(9), a, b)).toBe('first');
    expect(takeRunPosition(a, b, c)).toBe('middle');
    expect(takeRunPosition(b, c, alone(5))).toBe('last');
    expect(takeRunPosition(undefined, take(4, 3, 2, 2), undefined)).toBeNull();
    expect(takeRunPosition(a, alone(5), b)).toBeNull();
  });

  it('has a Starred filter that selects by verdict, of every state', () => {
    expect(FILTERS.map((f) => f.id)).toContain('starred');
    expect(statesFor('starred', STATE_GROUPS)).toEqual([]);
    expect(filterSelects('starred', [], { state: 'failed', verdict: 'starred' })).toBe(true);
    expect(filterSelects('starred', [], { state: 'downloaded', verdict: 'rejected' })).toBe(false);
    expect(filterSelects('all', [], { state: 'downloaded', verdict: null })).toBe(true);
    expect(filterSelects('failed', ['failed'], { state: 'downloaded', verdict: 'starred' })).toBe(false);
    expect(libraryCount({ total: 2, failed: 0, inProgress: 0 }, 'starred', false)).toBe('2 starred');
  });
});
