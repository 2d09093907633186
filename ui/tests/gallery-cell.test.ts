import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';
import { createGalleryCell, type CellDeps } from '../src/views/gallery-cell';
import { byTestId, flush, hasTestId, taskView } from './helpers.test-util';
import { STATE_GROUPS } from './state-groups.generated';

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

function cellDeps(overrides: Partial<CellDeps> = {}): CellDeps {
  return {
    states: STATE_GROUPS,
    notes: { downloadProblem: () => null },
    verdicts: { onChanged: vi.fn(), onError: vi.fn() },
    open: vi.fn(),
    onError: vi.fn(),
    posterLoading: vi.fn(),
    ...overrides,
  };
}

describe('a gallery cell shown for one task after another', () => {
  it('shows the second task alone: no badge, compare or settlement of the first', () => {
    mockConvertFileSrc('linux');
    const cell = createGalleryCell(cellDeps());
    document.body.append(cell.el);
    const first = taskView({
      id: 7,
      prompt: 'first',
      take: { group: 7, number: 1, of: 2 },
      video_path: '/lib/7.mp4',
      poster_path: '/lib/7.jpg',
      verdict: 'starred',
      reserved_credits: 10,
      settled_credits: 4,
    });
    const partner = taskView({ id: 8, take: { group: 7, number: 2, of: 2 }, video_path: '/lib/8.mp4' });
    cell.show(first, 'first', partner);
    expect(cell.taskId).toBe(7);
    expect(byTestId(cell.el, 'take-badge').textContent).toBe('Take 1 of 2');
    expect(byTestId(cell.el, 'card-compare').getAttribute('aria-label')).toBe('Compare take 1 with take 2');
    expect(hasTestId(cell.el, 'card-settlement')).toBe(true);
    expect(byTestId(cell.el, 'card-star').getAttribute('aria-pressed')).toBe('true');
    expect(cell.el.className).toBe('card-cell take take-first starred');
    const poster = cell.el.querySelector('img.poster');
    expect(poster?.getAttribute('src')).toContain('/7');

    const second = taskView({ id: 9, prompt: 'second', poster_path: '/lib/9.jpg', video_path: '/lib/9.mp4' });
    cell.show(second, null, null);
    expect(cell.taskId).toBe(9);
    expect(hasTestId(cell.el, 'take-badge')).toBe(false);
    expect(hasTestId(cell.el, 'card-compare')).toBe(false);
    expect(hasTestId(cell.el, 'card-settlement')).toBe(false);
    expect(byTestId(cell.el, 'card-star').getAttribute('aria-pressed')).toBe('false');
    expect(cell.el.className).toBe('card-cell');
    expect(cell.el.dataset.taskId).toBe('9');
    const card = byTestId(cell.el, 'gallery-card');
    expect(card.dataset.taskId).toBe('9');
    expect(card.getAttribute('aria-label')).toContain('second');
    expect(card.querySelector('.task-prompt')?.textContent).toBe('second');
    // The same image element, now loading the second task's poster.
    expect(cell.el.querySelector('img.poster')).toBe(poster);
    expect(poster?.getAttribute('src')).toContain('/9');

    // Put aside (it may wait in the page while a scroll goes on): it lets go of the poster
    // and of the task, so nothing finds it by that task or opens the task from it.
    const open = vi.fn();
    const spare = createGalleryCell(cellDeps({ open }));
    spare.show(second, null, null);
    spare.release();
    const spareCard = byTestId(spare.el, 'gallery-card');
    expect(spare.el.querySelector('img.poster')?.hasAttribute('src')).toBe(false);
    expect(spare.taskId).toBeNull();
    expect(spare.el.hasAttribute('data-task-id')).toBe(false);
    expect(spareCard.hasAttribute('data-task-id')).toBe(false);
    spareCard.click();
    expect(open).not.toHaveBeenCalled();
    // Shown again, it is the new task's in every way.
    spare.show(first, 'first', partner);
    spareCard.click();
    expect(open).toHaveBeenCalledWith(7);
    expect(spareCard.dataset.taskId).toBe('7');
    expect(spare.el.querySelector('img.poster')?.getAttribute('src')).toContain('/7');
  });

  it('acts on the task it shows now: open and the verdict toggles', async () => {
    mockConvertFileSrc('linux');
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      const { id, verdict } = args as { id: number; verdict: string | null };
      return taskView({ id, verdict: verdict as 'rejected' | null });
    });
    const deps = cellDeps();
    const cell = createGalleryCell(deps);
    document.body.append(cell.el);
    cell.show(taskView({ id: 1, verdict: 'rejected' }), null, null);
    cell.show(taskView({ id: 2 }), null, null);
    byTestId(cell.el, 'gallery-card').click();
    expect(deps.open).toHaveBeenCalledWith(2);
    byTestId(cell.el, 'card-reject').click();
    await flush();
    expect(calls).toEqual([['task_set_verdict', { id: 2, verdict: 'rejected' }]]);
  });

  it('a poster that cannot be read says so until the cell shows another task', () => {
    mockConvertFileSrc('linux');
    const cell = createGalleryCell(cellDeps());
    document.body.append(cell.el);
    const broken = taskView({ id: 3, poster_path: '/lib/3.jpg' });
    cell.show(broken, null, null);
    cell.el.querySelector('img.poster')?.dispatchEvent(new Event('error'));
    expect(byTestId(cell.el, 'card-no-preview').textContent).toBe('No preview');
    cell.show({ ...broken, prompt: 'renamed' }, null, null);
    expect(hasTestId(cell.el, 'card-no-preview')).toBe(true);
    cell.show(taskView({ id: 4, poster_path: '/lib/4.jpg' }), null, null);
    expect(hasTestId(cell.el, 'card-no-preview')).toBe(false);
    expect(cell.el.querySelector('img.poster')?.getAttribute('src')).toContain('/4');
  });
});
