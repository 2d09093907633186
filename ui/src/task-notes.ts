// What the window has learnt about tasks beyond their ledger row: which task retried
// which (from rows' `retry_of`/`retried_as` and retries made here, so a failure that was
// already retried says so instead of offering Retry again)
// and which finished videos could not be put in the library (the `download_failed`
// event, which the ledger does not keep). The tasks panel and the gallery read the same
// notes and re-render when they change. No DOM, no IPC; tested in tests/task-notes.test.ts.

import type { TaskView } from './bindings/TaskView';

/** A finished video the engine gave up putting in the library, as the event said. */
export interface DownloadProblem {
  message: string;
  /** The library folder is the cause (full, read-only, not a folder): fixed in Settings. */
  libraryFolder: boolean;
  /** "Download again" was pressed and no answer has arrived yet. */
  retrying: boolean;
}

export interface TaskNotes {
  /** Learns from tasks the window received: their retry links, whether they are saved. */
  noteTasks(...tasks: Pick<TaskView, 'id' | 'state' | 'retry_of' | 'retried_as'>[]): void;
  /** The newest task known to retry `id`, or null (unknown does not mean "never"). */
  retriedAs(id: number): number | null;
  downloadFailed(id: number, problem: { message: string; libraryFolder: boolean }): void;
  /** Marks the problem as being retried; a new `download_failed` replaces it. */
  downloadRetrying(id: number): void;
  downloadProblem(id: number): DownloadProblem | null;
  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export function createTaskNotes(): TaskNotes {
  const retries = new Map<number, number>();
  const problems = new Map<number, DownloadProblem>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  return {
    noteTasks(...tasks) {
      let dirty = false;
      for (const task of tasks) {
        if (task.retry_of !== null && (retries.get(task.retry_of) ?? -1) < task.id) {
          retries.set(task.retry_of, task.id);
          dirty = true;
        }
        // The ledger's own answer, so the link survives a restart of the window.
        if (task.retried_as != null && (retries.get(task.id) ?? -1) < task.retried_as) {
          retries.set(task.id, task.retried_as);
          dirty = true;
        }
        // Only a task still waiting for its files can have a download problem.
        if (task.state !== 'succeeded' && problems.delete(task.id)) dirty = true;
      }
      if (dirty) changed();
    },
    retriedAs: (id) => retries.get(id) ?? null,
    downloadFailed(id, problem) {
      problems.set(id, { ...problem, retrying: false });
      changed();
    },
    downloadRetrying(id) {
      const problem = problems.get(id);
      if (!problem || problem.retrying) return;
      problems.set(id, { ...problem, retrying: true });
      changed();
    },
    downloadProblem: (id) => problems.get(id) ?? null,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
