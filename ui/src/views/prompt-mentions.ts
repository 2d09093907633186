// The small list under the caret that typing `@` in the prompt opens: the attached
// references' names, chosen with the arrows and Enter (or a click), closed with Escape.
// It only edits the textarea and announces the change with an `input` event, so the
// compose panel sees the new prompt as if it had been typed.

import type { DraftReference } from '../bindings/DraftReference';
import { h } from '../dom';
import { insertName, type MentionQuery, mentionQuery, namesFor } from '../prompt-mention';

let nextId = 0;

/** Where the caret is drawn, relative to the textarea's box (a mirror of its text). */
function caretOffset(area: HTMLTextAreaElement, caret: number): { left: number; top: number } {
  const style = getComputedStyle(area);
  const mirror = document.createElement('div');
  for (const name of [
    'boxSizing',
    'width',
    'paddingTop',
    'paddingRight',
    'paddingBottom',
    'paddingLeft',
    'borderTopWidth',
    'borderLeftWidth',
    'fontFamily',
    'fontSize',
    'fontWeight',
    'lineHeight',
    'letterSpacing',
  ] as const) {
    mirror.style[name] = style[name];
  }
  mirror.style.position = 'absolute';
  mirror.style.visibility = 'hidden';
  mirror.style.whiteSpace = 'pre-wrap';
  mirror.style.overflowWrap = 'break-word';
  mirror.textContent = area.value.slice(0, caret);
  const marker = document.createElement('span');
  marker.textContent = '\u200b';
  mirror.appendChild(marker);
  document.body.appendChild(mirror);
  const lineHeight = Number.parseFloat(style.lineHeight) || Number.parseFloat(style.fontSize) * 1.3 || 18;
  const offset = { left: marker.offsetLeft - area.scrollLeft, top: marker.offsetTop - area.scrollTop + lineHeight };
  mirror.remove();
  return offset;
}

/**
 * Attaches the list to `area`; `references` gives what is attached now. The list is put
 * in `host`, which must be the textarea's positioned container.
 */
export function attachPromptMentions(
  area: HTMLTextAreaElement,
  host: HTMLElement,
  references: () => readonly DraftReference[],
): void {
  const listId = `prompt-mentions-${++nextId}`;
  const list = h('ul', {
    id: listId,
    class: 'mention-list',
    role: 'listbox',
    'aria-label': 'Attached references',
    'data-testid': 'prompt-mentions',
    hidden: true,
  });
  host.appendChild(list);
  area.setAttribute('aria-autocomplete', 'list');
  area.setAttribute('aria-controls', listId);

  let open: { mention: MentionQuery; names: string[]; active: number } | null = null;

  function close() {
    open = null;
    list.hidden = true;
    list.replaceChildren();
    area.removeAttribute('aria-activedescendant');
    area.setAttribute('aria-expanded', 'false');
  }

  function draw() {
    if (!open) return close();
    const current = open;
    list.replaceChildren(
      ...current.names.map((name, i) =>
        h(
          'li',
          {
            id: `${listId}-${i}`,
            role: 'option',
            'aria-selected': i === current.active ? 'true' : 'false',
            'data-testid': 'prompt-mention',
            // Keeps the focus (and the caret) in the prompt while the option is clicked.
            onmousedown: (e: Event) => e.preventDefault(),
            onclick: () => choose(name),
          },
          name,
        ),
      ),
    );
    area.setAttribute('aria-activedescendant', `${listId}-${current.active}`);
    area.setAttribute('aria-expanded', 'true');
    const at = caretOffset(area, area.selectionStart ?? area.value.length);
    list.style.left = `${area.offsetLeft + Math.min(at.left, Math.max(0, area.clientWidth - 120))}px`;
    list.style.top = `${area.offsetTop + Math.min(at.top, area.clientHeight)}px`;
    list.hidden = false;
  }

  function update() {
    const caret = area.selectionStart ?? 0;
    const mention = area.selectionEnd === caret ? mentionQuery(area.value, caret) : null;
    const names = mention ? namesFor(references(), mention.query) : [];
    if (!mention || names.length === 0) return close();
    const active = open && open.names.length === names.length ? Math.min(open.active, names.length - 1) : 0;
    open = { mention, names, active };
    draw();
  }

  function choose(name: string) {
    if (!open) return;
    const next = insertName(area.value, open.mention, area.selectionStart ?? area.value.length, name);
    close();
    area.value = next.text;
    area.setSelectionRange(next.caret, next.caret);
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }

  area.addEventListener('input', update);
  area.addEventListener('click', update);
  area.addEventListener('blur', close);
  area.addEventListener('keydown', (e) => {
    if (!open) return;
    const current = open;
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step !== 0) {
      current.active = (current.active + step + current.names.length) % current.names.length;
      draw();
    } else if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
      const name = current.names[current.active];
      if (name) choose(name);
    } else if (e.key === 'Escape') {
      close();
    } else {
      return;
    }
    // The panel's own keys (Ctrl+Enter, Escape closing the details) wait until the list is closed.
    e.preventDefault();
    e.stopPropagation();
  });
  close();
}
