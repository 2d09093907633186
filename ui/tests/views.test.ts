import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';
import type { ComposeCheck } from '../src/bindings/ComposeCheck';
import type { GalleryQuery } from '../src/bindings/GalleryQuery';
import type { GuidanceView } from '../src/bindings/GuidanceView';
import { defaultDraft, spendingSettled } from '../src/compose-model';
import { createCompose } from '../src/views/compose';
import { failureCard } from '../src/views/failure-card';
import { createGallery } from '../src/views/gallery';
import { createTaskStore } from '../src/task-store';
import { CATALOG, flush, galleryDeps, taskView } from './helpers.test-util';
import { STATE_GROUPS } from './state-groups.generated';

afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
});

const byTestId = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement;

describe('compose view', () => {
  it('labels Generate with the estimate and disables it with the reason', async () => {
    let check: ComposeCheck = {
      problems: [],
      warnings: [],
      estimate: { credits: 200, usd: 0.94, label: '200 credits ≈ $0.94', note: null },
      cap_refusal: null,
    };
    mockIPC((cmd) => (cmd === 'compose_check' ? check : null));
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    document.body.appendChild(view.el);
    await flush();
    const button = byTestId(view.el, 'generate') as HTMLButtonElement;
    expect(button.textContent).toBe('Generate · 200 credits ≈ $0.94');
    expect(button.disabled).toBe(false);

    check = {
      ...check,
      problems: [{ field: 'prompt', code: 'prompt_empty', message: 'Write a prompt first.', reference: null }],
    };
    const prompt = byTestId(view.el, 'prompt') as HTMLTextAreaElement;
    prompt.value = ' ';
    prompt.dispatchEvent(new Event('input'));
    await flush();
    expect(button.disabled).toBe(true);
    expect(byTestId(view.el, 'generate-reason').textContent).toBe('Write a prompt first.');
    expect(byTestId(view.el, 'prompt-problem').textContent).toBe('Write a prompt first.');
    expect(byTestId(view.el, 'prompt-count').textContent).toBe('1 / 10,000');
  });

  it('keeps the empty-prompt message off a fresh form until the creator acts', async () => {
    const empty = { field: 'prompt', code: 'prompt_empty', message: 'Write a prompt first.', reference: null } as const;
    mockIPC((cmd) => (cmd === 'compose_check' ? { problems: [empty], warnings: [], estimate: null } : null));
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    document.body.appendChild(view.el);
    await flush();
    expect((byTestId(view.el, 'generate') as HTMLButtonElement).disabled).toBe(true);
    expect(byTestId(view.el, 'generate-reason').textContent).toBe('Write a prompt first.');
    expect(byTestId(view.el, 'prompt-problem').textContent).toBe('');

    // Ctrl+Enter on the empty form: now the field says what is missing.
    view.el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    await flush();
    expect(byTestId(view.el, 'prompt-problem').textContent).toBe('Write a prompt first.');
  });

  it('keeps an unsent prompt and references when a draft is loaded, and brings them back', async () => {
    mockIPC((cmd) => (cmd === 'compose_check' ? { problems: [], warnings: [], estimate: null } : null));
    mockConvertFileSrc('linux');
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    document.body.appendChild(view.el);
    await flush();
    expect(view.hasUnsent()).toBe(false);
    const prompt = byTestId(view.el, 'prompt') as HTMLTextAreaElement;
    prompt.value = 'A kite over the dunes';
    prompt.dispatchEvent(new Event('input'));
    view.addInspected([
      {
        path: '/m/frame.png',
        file_name: 'frame.png',
        kind: 'image',
        duration_ms: null,
        size_bytes: 10,
        problems: [],
        warnings: [],
      },
    ]);
    expect(view.hasUnsent()).toBe(true);

    // Remix of another video: its prompt replaces the panel's, which is kept.
    const remix = { ...defaultDraft(CATALOG), prompt: 'A lighthouse in a storm' };
    view.setDraft(remix);
    await flush();
    expect(prompt.value).toBe('A lighthouse in a storm');
    expect(byTestId(view.el, 'kept-draft').textContent).toContain('A kite over the dunes');
    expect(view.hasUnsent()).toBe(false);

    byTestId(view.el, 'restore-draft').click();
    await flush();
    expect(prompt.value).toBe('A kite over the dunes');
    expect(view.el.querySelector('[data-testid="reference-0"]')?.getAttribute('aria-label')).toBe('Image 1: frame.png');
    // What the way back replaced is kept in turn (unchanged, so nothing to keep here).
    expect(byTestId(view.el, 'kept-draft').textContent).toBe('');
  });

  it('a loaded draft with no prompt (Continue from last frame) shows no red message', async () => {
    const empty = { field: 'prompt', code: 'prompt_empty', message: 'Write a prompt first.', reference: null } as const;
    mockIPC((cmd) => (cmd === 'compose_check' ? { problems: [empty], warnings: [], estimate: null } : null));
    mockConvertFileSrc('linux');
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    document.body.appendChild(view.el);
    view.setDraft({
      ...defaultDraft(CATALOG),
      references: [{ kind: 'image', path: '/l/f.png', url: null, duration_ms: null }],
    });
    await flush();
    expect(byTestId(view.el, 'prompt-problem').textContent).toBe('');
    expect(byTestId(view.el, 'generate-reason').textContent).toBe('Write a prompt first.');
  });

  it('after the engine refuses a draft (a spending cap), Generate is disabled with why until something changes', async () => {
    const estimate = { credits: 200, usd: 0.94, label: '200 credits ≈ $0.94', note: null };
    mockIPC((cmd) => {
      if (cmd === 'compose_check') return { problems: [], warnings: [], estimate };
      if (cmd === 'tasks_submit')
        throw { code: 'invalid_input', message: 'This would pass your daily cap of 100 credits.' };
      return null;
    });
    const onError = vi.fn();
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError });
    document.body.appendChild(view.el);
    const prompt = byTestId(view.el, 'prompt') as HTMLTextAreaElement;
    prompt.value = 'A kite';
    prompt.dispatchEvent(new Event('input'));
    await flush();
    const button = byTestId(view.el, 'generate') as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    button.click();
    await flush();
    await flush();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(button.disabled).toBe(true);
    expect(byTestId(view.el, 'generate-reason').textContent).toBe('This would pass your daily cap of 100 credits.');
    view.settingsChanged();
    expect(button.disabled).toBe(false);
  });

  it('a refund frees Generate greyed by the cap, with no click', async () => {
    const estimate = { credits: 200, usd: 0.94, label: '200 credits ≈ $0.94', note: null };
    let capRefusal: string | null =
      "Today's limit of 500 credits would be passed: 400 spent, 100 left, this costs 200.";
    let checks = 0;
    mockIPC((cmd) => {
      if (cmd !== 'compose_check') return null;
      checks += 1;
      return { problems: [], warnings: [], estimate, cap_refusal: capRefusal };
    });
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    document.body.appendChild(view.el);
    await flush();
    const button = byTestId(view.el, 'generate') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(byTestId(view.el, 'generate-reason').textContent).toContain('400 spent, 100 left');
    // Another task failed and its 200 credits came back: the engine's check says so.
    capRefusal = null;
    const before = checks;
    view.spendingChanged();
    await flush();
    expect(checks).toBe(before + 1);
    expect(button.disabled).toBe(false);
  });

  it('a task settling, failing or withdrawn changes spending; one still running does not', () => {
    expect(spendingSettled(STATE_GROUPS, 'downloaded')).toBe(true);
    expect(spendingSettled(STATE_GROUPS, 'succeeded')).toBe(true);
    expect(spendingSettled(STATE_GROUPS, 'failed')).toBe(true);
    expect(spendingSettled(STATE_GROUPS, 'cancelled')).toBe(true);
    expect(spendingSettled(STATE_GROUPS, 'generating')).toBe(false);
    expect(spendingSettled(STATE_GROUPS, 'queued')).toBe(false);
  });

  it('offers "Follow references" for the aspect ratio only when there are references', async () => {
    mockIPC((cmd) => (cmd === 'compose_check' ? { problems: [], warnings: [], estimate: null } : null));
    mockConvertFileSrc('linux');
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    const aspect = byTestId(view.el, 'aspect-ratio') as HTMLSelectElement;
    expect(aspect.selectedOptions[0]?.textContent).toBe('Automatic (16:9)');
    view.addInspected([
      {
        path: '/m/a.png',
        file_name: 'a.png',
        kind: 'image',
        duration_ms: null,
        size_bytes: 1,
        problems: [],
        warnings: [],
      },
    ]);
    expect(aspect.selectedOptions[0]?.textContent).toBe('Follow references');
  });

  it('shows a dropped file with its kind, number and problem', async () => {
    mockIPC((cmd) => (cmd === 'compose_check' ? { problems: [], warnings: [], estimate: null } : null));
    mockConvertFileSrc('linux');
    const view = createCompose({ catalog: CATALOG, onSubmitted: vi.fn(), onError: vi.fn() });
    view.addInspected([
      {
        path: '/m/a.png',
        file_name: 'a.png',
        kind: 'image',
        duration_ms: null,
        size_bytes: 10,
        problems: [],
        warnings: [],
      },
      {
        path: '/m/b.png',
        file_name: 'b.png',
        kind: 'image',
        duration_ms: null,
        size_bytes: 10,
        problems: ['“b.png” is empty.'],
        warnings: [],
      },
    ]);
    await flush();
    const second = byTestId(view.el, 'reference-1');
    expect(byTestId(second, 'reference-kind').textContent).toBe('Image 2');
    expect(byTestId(second, 'reference-problem').textContent).toBe('“b.png” is empty.');
    expect((byTestId(view.el, 'generate') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('failure card', () => {
  const base: GuidanceView = {
    category: 'insufficient_credits',
    retryable: false,
    refund: 'not_charged',
    refund_note: 'No credits were used.',
    title: 'Not enough credits',
    explanation: 'This video needs more credits than your account has.',
    action: { type: 'add_credits', required: 200, available: 37.5 },
    detail: 'HTTP 402',
    field_problems: [],
  };

  it('offers exactly one primary action for the guidance', () => {
    const onIntent = vi.fn();
    const card = failureCard(base, { onIntent });
    const buttons = card.querySelectorAll('button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]?.textContent).toBe('Add credits');
    expect(byTestId(card, 'failure-hint').textContent).toBe('Needs 200 credits, you have 37.5 credits');
    expect(byTestId(card, 'failure-refund').textContent).toBe('No credits were used.');
    buttons[0]?.click();
    expect(onIntent).toHaveBeenCalledWith('add_credits', { kind: null, index: null });
  });

  it('passes which reference to replace', () => {
    const onIntent = vi.fn();
    const card = failureCard({ ...base, action: { type: 'replace_reference', kind: 'image', index: 2 } }, { onIntent });
    (byTestId(card, 'failure-action') as HTMLButtonElement).click();
    expect(onIntent).toHaveBeenCalledWith('replace_reference', { kind: 'image', index: 2 });
  });

  it('describes the Add credits button with the credits needed and available', () => {
    const card = failureCard(base, { onIntent: vi.fn() });
    const hint = byTestId(card, 'failure-hint');
    expect(byTestId(card, 'failure-action').getAttribute('aria-describedby')).toBe(hint.id);
    const bare = failureCard(
      { ...base, action: { type: 'add_credits', required: null, available: null } },
      { onIntent: vi.fn() },
    );
    expect(bare.querySelector('[data-testid="failure-hint"]')).toBeNull();
    expect(byTestId(bare, 'failure-action').textContent).toBe('Add credits');
    expect(byTestId(bare, 'failure-action').hasAttribute('aria-describedby')).toBe(false);
  });

  it('a failure already retried shows the retry instead of offering to send it again', () => {
    const onIntent = vi.fn();
    const onShowTask = vi.fn();
    const transient: GuidanceView = { ...base, category: 'transient', action: { type: 'retry' } };
    const card = failureCard(transient, { onIntent, retriedAs: 12, onShowTask });
    expect(byTestId(card, 'failure-retried').textContent).toBe('Already sent again as a new attempt.');
    const buttons = card.querySelectorAll('button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]?.textContent).toBe('Show the retry');
    buttons[0]?.click();
    expect(onShowTask).toHaveBeenCalledWith(12);
    expect(onIntent).not.toHaveBeenCalled();
  });

  it('a retried failure whose next step is not sending again keeps that step', () => {
    const card = failureCard(
      { ...base, category: 'input_rejected', action: { type: 'edit_prompt' } },
      { onIntent: vi.fn(), retriedAs: 12, onShowTask: vi.fn() },
    );
    expect(byTestId(card, 'failure-action').textContent).toBe('Edit prompt');
    expect(byTestId(card, 'failure-retried').textContent).toBe('Already sent again as a new attempt.');
  });

  it('renders an unknown category and a missing guidance without crashing', () => {
    const card = failureCard(null, { onIntent: vi.fn() });
    expect(byTestId(card, 'failure-title').textContent).toBe('Something went wrong');
    expect(card.querySelector('button')).toBeNull();
  });
});

describe('gallery view', () => {
  it('asks the shell for the states of the chosen filter and the search text', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const queries: GalleryQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'gallery_list') {
        const query = (args as { query: GalleryQuery }).query;
        if (query.limit !== 1) queries.push(query);
        return { items: [], total: 0, offset: 0 };
      }
      return null;
    });
    const view = createGallery(galleryDeps());
    document.body.appendChild(view.el);
    (byTestId(view.el, 'filter-failed') as HTMLButtonElement).click();
    const search = byTestId(view.el, 'gallery-search') as HTMLInputElement;
    search.value = 'boat';
    search.dispatchEvent(new Event('input'));
    vi.advanceTimersByTime(250);
    vi.useRealTimers();
    await flush();
    expect(queries[0]).toMatchObject({ states: [], text: null, offset: 0 });
    expect(queries[1]).toMatchObject({ states: ['failed', 'not_found', 'cancelled'], text: null });
    expect(queries[2]).toMatchObject({ states: ['failed', 'not_found', 'cancelled'], text: 'boat' });
    expect(byTestId(view.el, 'gallery-count').textContent).toBe('0 failed attempts');
  });
});

/**
 * jsdom lays nothing out: gives the gallery's scroller a 932 × 700 viewport and a scroll
 * position; returns the setter of that position.
 */
function giveViewport(scroller: HTMLElement): (top: number) => void {
  let top = 0;
  Object.defineProperty(scroller, 'clientWidth', { value: 932 });
  Object.defineProperty(scroller, 'clientHeight', { value: 700 });
  Object.defineProperty(scroller, 'scrollTop', {
    get: () => top,
    set: (v: number) => {
      top = v;
    },
  });
  return (next) => {
    top = next;
  };
}

/** A gallery of 1,000 saved videos with posters, in the page, its first screen shown. */
async function galleryOfThousand() {
  const all = Array.from({ length: 1000 }, (_, i) =>
    taskView({ id: 1000 - i, prompt: `clip ${i}`, state: 'downloaded', poster_path: `/lib/${i}.png` }),
  );
  mockIPC((cmd, args) => {
    if (cmd !== 'gallery_list') return null;
    const { offset, limit } = (args as { query: GalleryQuery }).query;
    return { items: all.slice(offset, offset + limit), total: all.length, offset };
  });
  mockConvertFileSrc('linux');
  const view = createGallery(galleryDeps());
  const scroller = byTestId(view.el, 'gallery-scroller');
  const scrollTo = giveViewport(scroller);
  document.body.appendChild(view.el);
  await flush();
  await flush();
  return { view, scroller, scrollTo };
}

describe('gallery scrolling', () => {
  it('keeps the cards still in view and builds only the ones that enter', async () => {
    const { view, scroller, scrollTo } = await galleryOfThousand();
    const ids = () =>
      [...view.el.querySelectorAll<HTMLElement>('[data-testid="gallery-card"]')].map((c) => Number(c.dataset.taskId));
    const before = new Map(
      [...view.el.querySelectorAll<HTMLElement>('[data-testid="gallery-card"]')].map((c) => [c.dataset.taskId, c]),
    );
    expect(ids().slice(0, 3)).toEqual([1000, 999, 998]);

    const grid = byTestId(view.el, 'gallery-grid');
    const changes: MutationRecord[] = [];
    const watch = new MutationObserver((records) => changes.push(...records));
    watch.observe(grid, { childList: true });
    /** The cells of the window, where they are shown, top to bottom and left to right. */
    const inView = () =>
      [...grid.children]
        .filter((c) => !c.hasAttribute('inert') && c.getAttribute('aria-hidden') !== 'true')
        .map((c) => c as HTMLElement)
        .sort(
          (x, y) =>
            Number.parseFloat(x.style.top) - Number.parseFloat(y.style.top) ||
            Number.parseFloat(x.style.left) - Number.parseFloat(y.style.left),
        )
        .map((c) => Number(c.dataset.taskId));

    // Three rows down (222 px each): the rows above the overscan leave, three rows enter below.
    scrollTo(3 * 222);
    scroller.dispatchEvent(new Event('scroll'));
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flush();
    const after = [...view.el.querySelectorAll<HTMLElement>('[data-testid="gallery-card"]')];
    const reused = after.filter((c) => before.get(c.dataset.taskId ?? '') === c).length;
    const entered = after.length - reused;
    expect(inView()[0]).toBe(1000 - 3);
    expect(inView()).toEqual([...inView()].sort((a, b) => b - a));
    expect(reused).toBeGreaterThanOrEqual(after.length - 9);
    expect(entered).toBeGreaterThan(0);
    expect(entered).toBeLessThanOrEqual(9);
    // A card that stays keeps its place.
    const kept = after.find((c) => before.get(c.dataset.taskId ?? '') === c);
    expect(kept?.style.top).toBe(before.get(kept?.dataset.taskId ?? '')?.style.top);
    // The cards that left came back for the tasks that entered (more entered than left, so
    // every one of them), each showing its new task's poster, not the one it showed before.
    const recycled = after.filter((c) => [...before.values()].includes(c) && before.get(c.dataset.taskId ?? '') !== c);
    expect(recycled.length).toBeGreaterThan(0);
    for (const c of before.values()) expect(c.isConnected).toBe(true);
    for (const c of after) expect(c.querySelector('img.poster')?.getAttribute('src')).toContain(`/${c.dataset.taskId}`);
    // A cell shown again is in reach again: no card in the window is left inert.
    for (const c of after) expect(c.closest('[inert]')).toBeNull();
    // While the scroll goes on, a cell that left and came back was moved, not taken out of
    // the page and put in again: only the cells made for the rest were added.
    expect(changes.flatMap((m) => [...m.removedNodes])).toEqual([]);
    expect(changes.flatMap((m) => [...m.addedNodes]).length).toBe(entered - recycled.length);

    // Back up: more rows leave than enter. Those cells wait in the page, out of sight and
    // inert (Tab and assistive technology pass them by), without their posters.
    scrollTo(0);
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flush();
    const parked = [...grid.children].filter((c) => c.hasAttribute('inert')) as HTMLElement[];
    expect(parked.length).toBeGreaterThan(0);
    for (const c of parked) {
      expect(Number.parseFloat(c.style.top)).toBeLessThan(-1000);
      expect(c.querySelector('img.poster')?.hasAttribute('src')).toBe(false);
    }
    expect(inView()[0]).toBe(1000);
    expect(inView()).toEqual([...inView()].sort((a, b) => b - a));
    // At rest the page holds the window's cells alone, in the order they are shown (the
    // order of Tab and screen readers), each cell still the one that showed its task.
    const cellOfTask = new Map([...grid.children].map((c) => [(c as HTMLElement).dataset.taskId, c]));
    await vi.waitFor(() => expect(parked.some((c) => c.isConnected)).toBe(false));
    expect(ids()).toEqual(inView());
    expect(ids()[0]).toBe(1000);
    for (const c of grid.children) expect(cellOfTask.get((c as HTMLElement).dataset.taskId)).toBe(c);
    watch.disconnect();

    // Nothing left to show: every card is put aside and lets go of its poster.
    mockIPC((cmd) => (cmd === 'gallery_list' ? { items: [], total: 0, offset: 0 } : null));
    view.reload();
    await flush();
    await flush();
    expect(view.el.querySelectorAll('[data-testid="gallery-card"]').length).toBe(0);
    for (const c of after) expect(c.querySelector('img.poster')?.hasAttribute('src')).toBe(false);
  });

  it('a card holding the focus never shows another task under it', async () => {
    const { view, scroller, scrollTo } = await galleryOfThousand();
    const first = byTestId(view.el, 'gallery-card');
    expect(first.dataset.taskId).toBe('1000');
    first.focus();
    expect(document.activeElement).toBe(first);

    // Its row leaves the window; the cells that left come back for the rows that enter.
    scrollTo(3 * 222);
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flush();
    // The cell came back for an entering task (else this test proves nothing), and the
    // focus did not come with it: it left with the card's task.
    expect(first.dataset.taskId).not.toBe('1000');
    expect(document.activeElement).not.toBe(first);
  });

  it('a shared store lets go of saved videos the gallery dropped, and keeps the rest', async () => {
    // Task 1000 first on screen is saved; 999 failed (the tasks panel shows failures).
    const all = Array.from({ length: 1000 }, (_, i) =>
      i === 1
        ? taskView({ id: 999, prompt: 'clip 1', state: 'failed' })
        : taskView({ id: 1000 - i, prompt: `clip ${i}`, state: 'downloaded', video_path: `/lib/${i}.mp4` }),
    );
    mockIPC((cmd, args) => {
      if (cmd !== 'gallery_list') return null;
      const { offset, limit } = (args as { query: GalleryQuery }).query;
      return { items: all.slice(offset, offset + limit), total: all.length, offset };
    });
    mockConvertFileSrc('linux');
    const store = createTaskStore();
    const view = createGallery(galleryDeps({ store }));
    const scroller = byTestId(view.el, 'gallery-scroller');
    const scrollTo = giveViewport(scroller);
    document.body.appendChild(view.el);
    await flush();
    await flush();
    expect(store.get(1000)?.state).toBe('downloaded');
    expect(store.get(998)?.state).toBe('downloaded');

    // Far down (row 300 of 4 per row): the first pages are dropped.
    scrollTo(300 * 222);
    scroller.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flush();
    await flush();
    expect(store.get(1000)).toBeNull();
    expect(store.get(998)).toBeNull();
    expect(store.get(999)?.state).toBe('failed');
    // What is on screen now is in the store.
    const onScreen = Number(byTestId(view.el, 'gallery-card').dataset.taskId);
    expect(store.get(onScreen)).not.toBeNull();
  });
});
