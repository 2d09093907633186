// The prompt library (a modal dialog, Ctrl+Shift+P): saved prompts and snippets to insert
// into the prompt, the current prompt saved under a name, a search over the prompts of
// past tasks, and the library exported to or imported from a file. Inserting never
// replaces what the creator has typed: the text goes in at the cursor.

import type { PastPromptView } from '../bindings/PastPromptView';
import type { SavedPromptKind } from '../bindings/SavedPromptKind';
import type { SavedPromptView } from '../bindings/SavedPromptView';
import { markPainted } from '../bench-marks';
import { clear, h, uid } from '../dom';
import * as ipc from '../ipc';
import { askInline } from './confirm';

export interface PromptLibraryDeps {
  /** The compose box's prompt field, where texts are inserted. */
  promptField(): HTMLTextAreaElement | null;
  toast(message: string): void;
}

export interface PromptLibrary {
  el: HTMLDialogElement;
  open(): Promise<void>;
}

/**
 * Puts `text` into `field` at the cursor (or over the selection), with a separator when the
 * neighbouring text needs one, and tells the compose view through an `input` event.
 */
export function insertAtCursor(field: HTMLTextAreaElement, text: string): void {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  const before = field.value.slice(0, start);
  const after = field.value.slice(end);
  // After a word, a comma; after a sentence's end, a space; after a space, nothing.
  const lead = before.length === 0 || /[\s(]$/.test(before) ? '' : /[.,;:!?]$/.test(before) ? ' ' : ', ';
  const trail = after.length === 0 || /^[\s,.;:!?)]/.test(after) ? '' : ', ';
  const inserted = `${lead}${text}${trail}`;
  field.value = before + inserted + after;
  const caret = before.length + inserted.length;
  field.setSelectionRange(caret, caret);
  field.dispatchEvent(new Event('input', { bubbles: true }));
}

const preview = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function createPromptLibrary(deps: PromptLibraryDeps): PromptLibrary {
  const titleId = uid('prompts-title');
  const el = h('dialog', { 'aria-labelledby': titleId, 'data-testid': 'prompt-library', class: 'wide' });
  const status = h('p', { role: 'status', class: 'hint', 'data-testid': 'prompt-library-status' });
  const search = h('input', {
    type: 'search',
    placeholder: 'Search saved and past prompts',
    'aria-label': 'Search saved and past prompts',
    'data-testid': 'prompt-library-search',
  });
  const savedList = h('ul', { class: 'plain-list', 'data-testid': 'saved-prompts' });
  const pastList = h('ul', { class: 'plain-list', 'data-testid': 'past-prompts' });
  const nameInput = h('input', {
    type: 'text',
    maxlength: 80,
    placeholder: 'A short name, e.g. “Noir look”',
    'data-testid': 'prompt-save-name',
  });
  nameInput.id = uid('prompt-name');
  const kindSelect = h(
    'select',
    { 'aria-label': 'Save as', 'data-testid': 'prompt-save-kind' },
    h('option', { value: 'prompt' }, 'Whole prompt'),
    h('option', { value: 'snippet' }, 'Snippet to insert'),
  );
  const saveButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'prompt-save' }, 'Save');
  let searchSeq = 0;

  const say = (text: string) => {
    status.textContent = text;
  };

  const insert = (text: string) => {
    const field = deps.promptField();
    if (!field) return;
    insertAtCursor(field, text);
    el.close();
    field.focus();
    deps.toast('Inserted into the prompt.');
  };

  function savedItem(entry: SavedPromptView): HTMLElement {
    const remove = h(
      'button',
      { type: 'button', class: 'ghost', 'data-testid': 'saved-prompt-delete', 'aria-label': `Delete “${entry.name}”` },
      'Delete',
    );
    remove.addEventListener('click', () =>
      askInline(remove, {
        question: `Delete “${entry.name}”?`,
        confirmLabel: 'Yes, delete',
        testId: 'saved-prompt-delete-confirm',
        onConfirm: async () => {
          try {
            await ipc.promptsDelete(entry.name);
            await refresh();
            say(`Deleted “${entry.name}”.`);
          } catch (error) {
            say(ipc.IpcError.from(error).message);
          }
        },
      }),
    );
    return h(
      'li',
      { 'data-testid': 'saved-prompt' },
      h(
        'div',
        { class: 'plain-list-main' },
        h('strong', {}, entry.name),
        h('span', { class: 'kind' }, entry.kind === 'snippet' ? 'snippet' : 'prompt'),
        h('div', { class: 'hint' }, preview(entry.text)),
      ),
      h(
        'div',
        { class: 'plain-list-actions' },
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'saved-prompt-insert',
            'aria-label': `Insert “${entry.name}”`,
            onclick: () => insert(entry.text),
          },
          'Insert',
        ),
        remove,
      ),
    );
  }

  function pastItem(entry: PastPromptView): HTMLElement {
    const when = new Date(entry.created_at_ms).toISOString().slice(0, 10);
    const uses = entry.uses > 1 ? ` · used ${entry.uses} times` : '';
    return h(
      'li',
      { 'data-testid': 'past-prompt' },
      h(
        'div',
        { class: 'plain-list-main' },
        h('div', {}, preview(entry.prompt, 200)),
        h('div', { class: 'hint' }, `${entry.model_label} · ${when}${uses}`),
      ),
      h(
        'div',
        { class: 'plain-list-actions' },
        h(
          'button',
          { type: 'button', 'data-testid': 'past-prompt-insert', onclick: () => insert(entry.prompt) },
          'Insert',
        ),
      ),
    );
  }

  async function refresh() {
    const seq = ++searchSeq;
    const query = search.value;
    try {
      const [saved, past] = await Promise.all([ipc.promptsList(query), ipc.promptsPast(query)]);
      if (seq !== searchSeq) return; // a newer search answered first
      clear(savedList);
      clear(pastList);
      if (saved.length === 0)
        savedList.append(
          h('li', { class: 'hint' }, query ? 'No saved prompt matches.' : 'Nothing saved yet: save the prompt below.'),
        );
      for (const entry of saved) savedList.append(savedItem(entry));
      if (past.length === 0)
        pastList.append(h('li', { class: 'hint' }, query ? 'No past prompt matches.' : 'No generations yet.'));
      for (const entry of past) pastList.append(pastItem(entry));
    } catch (error) {
      say(ipc.IpcError.from(error).message);
    }
  }

  async function save(replace: boolean) {
    const text = deps.promptField()?.value ?? '';
    const kind = kindSelect.value as SavedPromptKind;
    try {
      const saved = await ipc.promptsSave(nameInput.value, kind, text, replace);
      nameInput.value = '';
      await refresh();
      say(`Saved “${saved.name}”.`);
    } catch (error) {
      const e = ipc.IpcError.from(error);
      say(e.message);
      // The name is taken: offer to replace it, never silently.
      if (!replace && e.code === 'invalid_input' && e.message.includes('already a saved prompt'))
        askInline(saveButton, {
          question: 'Replace the saved text with the current prompt?',
          confirmLabel: 'Yes, replace',
          testId: 'prompt-replace-confirm',
          tone: 'primary',
          onConfirm: () => save(true),
        });
    }
  }
  saveButton.addEventListener('click', () => void save(false));
  nameInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save(false);
    }
  });
  search.addEventListener('input', () => void refresh());
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    // Enter inserts the first match, so the keyboard path is: shortcut, type, Enter.
    event.preventDefault();
    el.querySelector<HTMLButtonElement>(
      '[data-testid="saved-prompt-insert"], [data-testid="past-prompt-insert"]',
    )?.click();
  });

  const exportButton = h('button', { type: 'button', class: 'ghost', 'data-testid': 'prompts-export' }, 'Export…');
  exportButton.addEventListener('click', async () => {
    try {
      const path = await ipc.promptsExport();
      if (path) say(`Exported to ${path}.`);
    } catch (error) {
      say(ipc.IpcError.from(error).message);
    }
  });
  const importButton = h('button', { type: 'button', class: 'ghost', 'data-testid': 'prompts-import' }, 'Import…');
  importButton.addEventListener('click', async () => {
    try {
      const report = await ipc.promptsImport();
      if (!report) return;
      await refresh();
      const kept = report.kept_existing.length ? ` Kept your own text for ${report.kept_existing.join(', ')}.` : '';
      say(`Added ${report.added} saved prompts.${kept}`);
    } catch (error) {
      say(ipc.IpcError.from(error).message);
    }
  });

  el.append(
    h('h1', { id: titleId }, 'Prompt library'),
    search,
    h('h2', {}, 'Saved'),
    savedList,
    h(
      'div',
      { class: 'field' },
      h('label', { for: nameInput.id }, 'Save the current prompt as'),
      h('div', { class: 'row' }, nameInput, kindSelect, saveButton),
    ),
    h('h2', {}, 'Past prompts'),
    pastList,
    status,
    h(
      'div',
      { class: 'buttons' },
      exportButton,
      importButton,
      h('div', { class: 'spacer' }),
      h('button', { type: 'button', 'data-testid': 'prompt-library-close', onclick: () => el.close() }, 'Close'),
    ),
  );

  return {
    el,
    async open() {
      say('');
      if (!el.open) el.showModal();
      search.focus();
      await refresh();
      markPainted('prompt-library-painted');
    },
  };
}
