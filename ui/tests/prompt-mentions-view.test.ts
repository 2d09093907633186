import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DraftReference } from '../src/bindings/DraftReference';
import { attachPromptMentions } from '../src/views/prompt-mentions';

afterEach(() => {
  document.body.replaceChildren();
});

const refs = [{ kind: 'image' }, { kind: 'video' }, { kind: 'image' }] as DraftReference[];

function setUp() {
  const host = document.createElement('div');
  const area = document.createElement('textarea');
  host.appendChild(area);
  document.body.appendChild(host);
  const typed = vi.fn();
  area.addEventListener('input', () => typed(area.value));
  attachPromptMentions(area, host, () => refs);
  const list = host.querySelector('[data-testid="prompt-mentions"]') as HTMLElement;
  const type = (text: string) => {
    area.value = text;
    area.setSelectionRange(text.length, text.length);
    area.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const key = (k: string, init: KeyboardEventInit = {}) => {
    const e = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init });
    area.dispatchEvent(e);
    return e;
  };
  const options = () => [...list.querySelectorAll('[role="option"]')].map((o) => o.textContent);
  const active = () => list.querySelector('[aria-selected="true"]')?.textContent;
  return { area, list, type, key, options, active, typed };
}

describe('the @ list in the prompt', () => {
  it('offers the attached references under an @ and inserts the chosen name with the keyboard', () => {
    const { area, list, type, key, options, active, typed } = setUp();
    type('A gull over ');
    expect(list.hidden).toBe(true);
    type('A gull over @');
    expect(list.hidden).toBe(false);
    expect(options()).toEqual(['image 1', 'video 1', 'image 2']);
    expect(active()).toBe('image 1');
    key('ArrowDown');
    key('ArrowDown');
    expect(active()).toBe('image 2');
    key('ArrowUp');
    const enter = key('Enter');
    expect(enter.defaultPrevented).toBe(true);
    expect(area.value).toBe('A gull over video 1');
    expect(area.selectionStart).toBe('A gull over video 1'.length);
    expect(typed).toHaveBeenLastCalledWith('A gull over video 1');
    expect(list.hidden).toBe(true);
  });

  it('narrows the names as the creator types, and Escape closes the list without changing the prompt', () => {
    const { area, list, type, key, options } = setUp();
    type('@im');
    expect(options()).toEqual(['image 1', 'image 2']);
    const closing = key('Escape');
    expect(closing.defaultPrevented).toBe(true);
    expect(list.hidden).toBe(true);
    expect(area.value).toBe('@im');
    // Closed, Enter is the textarea's again.
    expect(key('Enter').defaultPrevented).toBe(false);
    type('@zz');
    expect(list.hidden).toBe(true);
  });

  it('inserts a name on click', () => {
    const { area, list, type } = setUp();
    type('Walks like @v');
    (list.querySelector('[role="option"]') as HTMLElement).click();
    expect(area.value).toBe('Walks like video 1');
  });
});
