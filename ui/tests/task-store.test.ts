// The window's one record of task state: the tasks panel, the cards and the details all
// render from it, so a change reaches each of them at once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { GuidanceView } from '../src/bindings/GuidanceView';
import type { TaskView } from '../src/bindings/TaskView';
import { createTaskNotes } from '../src/task-notes';
import { createTaskStore } from '../src/task-store';
import { createGallery } from '../src/views/gallery';
import { createTasks, groupRetries } from '../src/views/tasks';
import { byTestId, flush, taskView } from './helpers.test-util';
import { STATE_GROUPS } from './state-groups.generated';

afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
});

describe('task store', () => {
  it('tells its listeners about a change once, and not about the same view again', () => {
    const store = createTaskStore();
    const heard = vi.fn();
    store.subscribe(heard);
    store.put(taskView({ id: 1, state: 'waiting' }));
    store.put(taskView({ id: 1, state: 'waiting' }));
    expect(heard).toHaveBeenCalledTimes(1);
    store.put(taskView({ id: 1, state: 'generating' }));
    expect(heard).toHaveBeenCalledTimes(2);
    expect(store.get(1)?.state).toBe('generating');
    expect(store.latest(taskView({ id: 1, state: 'waiting' })).state).toBe('generating');
    expect(store.latest(taskView({ id: 2, state: 'queued' })).state).toBe('queued');
  });

  it("keeps the failure's guidance and the retry link when a thinner view of the same state arrives", () => {
    const store = createTaskStore();
    const guidance: GuidanceView = {
      category: 'transient',
      retryable: true,
      refund: 'refunded',
      refund_note: 'Your credits were refunded.',
      title: 'Generation failed, try again',
      explanation: 'The service failed on its side.',
      action: { type: 'retry' },
      detail: null,
      field_problems: [],
    };
    store.put(taskView({ id: 3, state: 'failed', guidance, retried_as: 5 }));
    store.put(taskView({ id: 3, state: 'failed', guidance: null, retried_as: null }));
    expect(store.get(3)?.guidance?.title).toBe('Generation failed, try again');
    expect(store.get(3)?.retried_as).toBe(5);
  });
});

describe('retries in the tasks panel', () => {
  it('follow the task they retry, wherever each came in the list', () => {
    const order = groupRetries([
      { id: 4, retry_of: null },
      { id: 9, retry_of: 2 },
      { id: 2, retry_of: null },
      { id: 11, retry_of: 9 },
      { id: 7, retry_of: 99 },
    ]).map((t) => t.id);
    expect(order).toEqual([4, 2, 9, 11, 7]);
  });
});

/** A shell whose history is `tasks` (newest first), answering as the app's commands do. */
function shell(tasks: () => TaskView[]) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    const a = args as { id?: number; query?: { states: string[]; limit: number } };
    switch (cmd) {
      case 'task_get':
        return tasks().find((t) => t.id === a.id);
      case 'tasks_in_flight':
        return tasks().filter((t) => STATE_GROUPS.in_flight.includes(t.state));
      case 'gallery_list': {
        if (a.query?.limit !== 1) calls.push(cmd);
        const states = a.query?.states ?? [];
        const items = tasks().filter((t) => states.length === 0 || states.includes(t.state));
        return { items: items.slice(0, a.query?.limit ?? 60), total: items.length, offset: 0 };
      }
      case 'support_packet':
        return { task: a.id, text: `Local task: #${a.id}`, support_case: false };
      case 'extend_made_from':
        // The details ask which clips were made from this one: none here.
        return [];
      default:
        return null;
    }
  });
  return calls;
}

function studio() {
  const store = createTaskStore();
  const notes = createTaskNotes();
  const common = { states: STATE_GROUPS, onIntent: vi.fn(), onError: vi.fn(), notes, onChooseLibrary: vi.fn(), store };
  const tasks = createTasks({ ...common, onReviewUnknown: vi.fn(), onOpenTask: vi.fn() });
  const gallery = createGallery({ ...common, onRemix: vi.fn(), onContinue: vi.fn(), toast: vi.fn() });
  document.body.append(tasks.el, gallery.el);
  return { tasks, gallery };
}

const rowState = (root: ParentNode, id: number) =>
  root.querySelector(`[data-testid="task"][data-task-id="${id}"]`)?.getAttribute('data-state') ?? null;
const cardState = (root: ParentNode, id: number) =>
  root.querySelector(`[data-testid="gallery-card"][data-task-id="${id}"]`)?.getAttribute('data-state') ?? null;

describe('one source of task state', () => {
  it('a row, its card and its details agree at every event, and a new task shows in the library at once', async () => {
    let history: TaskView[] = [];
    const pages = shell(() => history);
    const { tasks, gallery } = studio();
    await flush();
    expect(byTestId(gallery.el, 'gallery-count').textContent).toBe('0 videos');

    // The first generation: it is in the library while it runs, not only once it ends.
    history = [taskView({ id: 1, state: 'submitting', prompt: 'A paper boat' })];
    tasks.changed(history[0] as TaskView);
    await flush();
    await flush();
    expect(rowState(tasks.el, 1)).toBe('submitting');
    expect(cardState(gallery.el, 1)).toBe('submitting');
    expect(byTestId(gallery.el, 'gallery-count').textContent).toBe('0 videos · 1 in progress');

    await gallery.open(1);
    const pagesBefore = pages.length;
    for (const state of ['waiting', 'generating', 'not_found'] as const) {
      const next = taskView({ id: 1, state, prompt: 'A paper boat', submitted_at_ms: Date.now() });
      history = [next];
      tasks.changed(next);
      await flush();
      await flush();
      if (STATE_GROUPS.in_flight.includes(state)) expect(rowState(tasks.el, 1)).toBe(state);
      expect(cardState(gallery.el, 1)).toBe(state);
      expect(byTestId(document.body, 'details-state').getAttribute('data-state')).toBe(state);
    }
    // The card changed in place, from the event: no page of the library was read again.
    expect(pages.length).toBe(pagesBefore);
  });
});

describe('progress in the tasks panel', () => {
  it('draws elapsed time against the usual window, and says so visibly once past it', async () => {
    const expected = { earliest: 120, latest: 240 };
    let history = [
      taskView({ id: 8, state: 'generating', submitted_at_ms: Date.now() - 60_000, expected_secs: expected }),
    ];
    shell(() => history);
    const { tasks } = studio();
    await tasks.refresh();
    const row = () => tasks.el.querySelector('[data-testid="task"][data-task-id="8"]') as HTMLElement;
    const bar = row().querySelector('[role="progressbar"]') as HTMLElement;
    expect(Number(bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(24);
    expect(row().querySelector('[data-testid="task-overdue"]')).toBeNull();

    history = [{ ...(history[0] as TaskView), submitted_at_ms: Date.now() - 300_000 }];
    await tasks.refresh();
    expect(byTestId(row(), 'task-overdue').textContent).toMatch(/^Taking longer than usual\. The app keeps checking/);
  });
});

describe('a filtered library', () => {
  it('reads nothing again for a task its filter hides, and drops a task that leaves the filter', async () => {
    let history = [taskView({ id: 2, state: 'failed', prompt: 'A failed one' })];
    const pages = shell(() => history);
    const { tasks, gallery } = studio();
    await flush();
    byTestId(gallery.el, 'filter-failed').click();
    await flush();
    const before = pages.length;
    history = [taskView({ id: 3, state: 'generating' }), ...history];
    tasks.changed(history[0] as TaskView);
    await flush();
    expect(pages.length).toBe(before);
    expect(gallery.el.querySelector('[data-task-id="3"]')).toBeNull();
  });
});

describe('details', () => {
  it('give focus back to the card they were opened from when they close', async () => {
    const history = [taskView({ id: 4, state: 'downloaded', prompt: 'A lighthouse' })];
    shell(() => history);
    const { gallery } = studio();
    await flush();
    const card = gallery.el.querySelector<HTMLElement>('[data-testid="gallery-card"][data-task-id="4"]');
    card?.click();
    await flush();
    expect(byTestId(document.body, 'details').dataset.taskId).toBe('4');
    byTestId(document.body, 'details-close').click();
    expect(document.querySelector('[data-testid="details"]')).toBeNull();
    expect(document.activeElement?.getAttribute('data-task-id')).toBe('4');
  });

  it('show only the actions that apply, and credits reserved and refunded plainly', async () => {
    const failed = taskView({
      id: 6,
      state: 'failed',
      credits: 200,
      guidance: {
        category: 'transient',
        retryable: true,
        refund: 'refunded',
        refund_note: 'Your credits were refunded.',
        title: 'Generation failed, try again',
        explanation: 'The service failed on its side.',
        action: { type: 'retry' },
        detail: null,
        field_problems: [],
      },
    });
    shell(() => [failed]);
    const { gallery } = studio();
    await gallery.open(6);
    const drawer = byTestId(document.body, 'details');
    expect(byTestId(drawer, 'details-credits').textContent).toBe('200 credits reserved, refunded: nothing spent');
    const actions = [...byTestId(drawer, 'details-actions').querySelectorAll('button')];
    expect(actions.map((b) => b.textContent)).toEqual(['Remix', 'Copy support packet', 'Delete from history']);
    expect(actions.some((b) => b.disabled)).toBe(false);
  });
});
