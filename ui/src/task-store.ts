// The one place the window keeps a task's latest state: every `task_changed` event, every
// gallery page, every in-flight list and every `task_get` answer goes through `put`, and
// the tasks panel, the library's cards and the open details all render what `get` says,
// so a row, its card and its details never disagree. Last arrival wins: the events and the
// answers come from the same engine, in the order it wrote the ledger. No DOM, no IPC;
// tested in tests/task-store.test.ts.

import type { TaskView } from './bindings/TaskView';

export interface TaskStore {
  /** Records tasks; listeners hear about each one that changed, once per call. */
  put(...tasks: TaskView[]): void;
  get(id: number): TaskView | null;
  /** The stored version of `task` when there is one, else `task` itself. */
  latest(task: TaskView): TaskView;
  /** Called with the tasks that changed; returns the unsubscribe function. */
  subscribe(listener: (changed: TaskView[]) => void): () => void;
  /**
   * Drops a task no view shows any more (the gallery, for a saved video it let go of), so
   * the store holds what is on screen, not every task ever listed. Listeners hear nothing;
   * the next listing or event puts it back.
   */
  forget(id: number): void;
}

/**
 * Whether `next` says something `prev` did not. An event's view may carry no guidance
 * where `task_get` gave it, for the same state: that is not news, and the fuller view is
 * kept (see `merge`).
 */
function differs(prev: TaskView, next: TaskView): boolean {
  for (const key of Object.keys(next) as (keyof TaskView)[]) {
    if (key === 'guidance' && next.guidance === null && prev.state === next.state) continue;
    if (key === 'retried_as' && next.retried_as === null) continue;
    if (JSON.stringify(prev[key]) !== JSON.stringify(next[key])) return true;
  }
  return false;
}

/** `next`, keeping what `prev` knew that a thinner view of the same state leaves out. */
function merge(prev: TaskView, next: TaskView): TaskView {
  return {
    ...next,
    guidance: next.guidance ?? (prev.state === next.state ? prev.guidance : null),
    // A task once retried stays retried.
    retried_as: next.retried_as ?? prev.retried_as,
  };
}

export function createTaskStore(): TaskStore {
  const tasks = new Map<number, TaskView>();
  const listeners = new Set<(changed: TaskView[]) => void>();

  return {
    put(...incoming) {
      const changed: TaskView[] = [];
      for (const task of incoming) {
        const prev = tasks.get(task.id);
        if (prev && !differs(prev, task)) continue;
        const next = prev ? merge(prev, task) : task;
        tasks.set(task.id, next);
        changed.push(next);
      }
      if (changed.length === 0) return;
      for (const listener of listeners) listener(changed);
    },
    get: (id) => tasks.get(id) ?? null,
    latest: (task) => tasks.get(task.id) ?? task,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    forget(id) {
      tasks.delete(id);
    },
  };
}
