import { afterEach, describe, expect, it, vi } from 'vitest';
import { h } from '../src/dom';
import { askInline, type InlineConfirm } from '../src/views/confirm';
import { byTestId, flush, hasTestId } from './helpers.test-util';

afterEach(() => {
  document.body.innerHTML = '';
});

function setup(overrides: Partial<InlineConfirm> = {}) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  const trigger = h('button', { type: 'button', 'data-testid': 'trigger' }, 'Delete');
  const panel = h('div', {}, trigger);
  document.body.appendChild(panel);
  const ask = () =>
    askInline(trigger, {
      question: 'Remove this video from the history?',
      detail: 'The file stays in your library folder.',
      confirmLabel: 'Yes, remove',
      testId: 'confirm-x',
      onConfirm,
      onCancel,
      ...overrides,
    });
  return { trigger, panel, ask, onConfirm, onCancel };
}

const key = (el: Element, k: string) => {
  const event = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true });
  el.dispatchEvent(event);
  return event;
};

describe('inline confirmation', () => {
  it('puts the question in place of the button, labelled for screen readers, with focus on No', () => {
    const { trigger, panel, ask } = setup();
    ask();
    expect(trigger.isConnected).toBe(false);
    const box = byTestId(panel, 'confirm-x');
    expect(box.getAttribute('role')).toBe('group');
    const label = document.getElementById(box.getAttribute('aria-labelledby') ?? '');
    expect(label?.textContent).toBe('Remove this video from the history?');
    const detail = document.getElementById(box.getAttribute('aria-describedby') ?? '');
    expect(detail?.textContent).toBe('The file stays in your library folder.');
    expect(byTestId(box, 'confirm-x-yes').textContent).toBe('Yes, remove');
    expect(document.activeElement).toBe(byTestId(box, 'confirm-x-no'));
  });

  it('Escape cancels: the button comes back with focus, nothing is done, and the key goes no further', () => {
    const { trigger, panel, ask, onConfirm, onCancel } = setup();
    const outside = vi.fn();
    document.addEventListener('keydown', outside);
    ask();
    const event = key(byTestId(panel, 'confirm-x-no'), 'Escape');
    document.removeEventListener('keydown', outside);
    expect(event.defaultPrevented).toBe(true);
    expect(outside).not.toHaveBeenCalled();
    expect(hasTestId(panel, 'confirm-x')).toBe(false);
    expect(trigger.isConnected).toBe(true);
    expect(document.activeElement).toBe(trigger);
    expect(onConfirm).not.toHaveBeenCalled();
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('No cancels the same way', () => {
    const { trigger, panel, ask, onConfirm } = setup();
    ask();
    byTestId(panel, 'confirm-x-no').click();
    expect(trigger.isConnected).toBe(true);
    expect(document.activeElement).toBe(trigger);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('Yes does the work once, then the button is back', async () => {
    let finish: () => void = () => undefined;
    const { trigger, panel, ask } = setup({
      onConfirm: () =>
        new Promise<void>((ok) => {
          finish = ok;
        }),
    });
    ask();
    const yes = byTestId<HTMLButtonElement>(panel, 'confirm-x-yes');
    yes.click();
    expect(yes.disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>(panel, 'confirm-x-no').disabled).toBe(true);
    finish();
    await flush();
    expect(trigger.isConnected).toBe(true);
    expect(document.activeElement).toBe(trigger);
  });

  it('can focus the answer that goes ahead, and asks only once at a time', () => {
    const { panel, ask } = setup({ focus: 'confirm', tone: 'primary' });
    const first = ask();
    expect(document.activeElement).toBe(byTestId(panel, 'confirm-x-yes'));
    expect(byTestId(panel, 'confirm-x-yes').className).toBe('primary');
    expect(ask()).toBe(first);
    expect(panel.querySelectorAll('[data-testid="confirm-x"]')).toHaveLength(1);
  });
});
