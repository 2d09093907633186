import { describe, expect, it, vi } from 'vitest';
import type { TaskState } from '../src/bindings/TaskState';
import { createTaskNotes } from '../src/task-notes';

const t = (id: number, state: TaskState, retry_of: number | null = null, retried_as: number | null = null) => ({
  id,
  state,
  retry_of,
  retried_as,
});

describe('task notes', () => {
  it('knows the newest retry of a task, from any order of arrival', () => {
    const notes = createTaskNotes();
    expect(notes.retriedAs(3)).toBeNull();
    notes.noteTasks(t(9, 'failed', 3), t(5, 'failed', 3), t(4, 'waiting'));
    expect(notes.retriedAs(3)).toBe(9);
    expect(notes.retriedAs(9)).toBeNull();
    expect(notes.retriedAs(4)).toBeNull();
  });

  it("learns a retry from the original's own row, as after a restart", () => {
    const notes = createTaskNotes();
    notes.noteTasks(t(3, 'failed', null, 8));
    expect(notes.retriedAs(3)).toBe(8);
    // A newer retry seen later wins; an older answer does not undo it.
    notes.noteTasks(t(11, 'waiting', 3));
    notes.noteTasks(t(3, 'failed', null, 8));
    expect(notes.retriedAs(3)).toBe(11);
  });

  it('keeps a download problem until the task is saved', () => {
    const notes = createTaskNotes();
    notes.downloadFailed(7, { message: 'The library folder is full.', libraryFolder: true });
    expect(notes.downloadProblem(7)).toEqual({
      message: 'The library folder is full.',
      libraryFolder: true,
      retrying: false,
    });
    notes.downloadRetrying(7);
    expect(notes.downloadProblem(7)?.retrying).toBe(true);
    notes.noteTasks(t(7, 'succeeded'));
    expect(notes.downloadProblem(7)).not.toBeNull();
    notes.noteTasks(t(7, 'downloaded'));
    expect(notes.downloadProblem(7)).toBeNull();
  });

  it('a new failure replaces the retrying state', () => {
    const notes = createTaskNotes();
    notes.downloadFailed(7, { message: 'first', libraryFolder: false });
    notes.downloadRetrying(7);
    notes.downloadFailed(7, { message: 'second', libraryFolder: false });
    expect(notes.downloadProblem(7)).toEqual({ message: 'second', libraryFolder: false, retrying: false });
  });

  it('tells listeners once per change, and not when nothing changed', () => {
    const notes = createTaskNotes();
    const listener = vi.fn();
    const stop = notes.subscribe(listener);
    notes.noteTasks(t(2, 'waiting', 1), t(3, 'waiting', 1));
    expect(listener).toHaveBeenCalledTimes(1);
    notes.noteTasks(t(2, 'waiting', 1));
    expect(listener).toHaveBeenCalledTimes(1);
    notes.downloadRetrying(2); // no problem to retry
    expect(listener).toHaveBeenCalledTimes(1);
    stop();
    notes.downloadFailed(2, { message: 'x', libraryFolder: false });
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
