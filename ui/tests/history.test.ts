// The prompt library (inserting at the cursor without losing the draft, saving with an
// explicit replace) and the spending chart (every day of the period, bars by model).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { SpendView } from '../src/bindings/SpendView';
import { createPromptLibrary, insertAtCursor } from '../src/views/prompt-library';
import { daysOf, spendChart } from '../src/views/spend';
import { byTestId, flush } from './helpers.test-util';

beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close ??= function close(this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
});
afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
});

function field(value: string, caret: number): HTMLTextAreaElement {
  const el = document.createElement('textarea');
  el.value = value;
  document.body.append(el);
  el.setSelectionRange(caret, caret);
  return el;
}

describe('inserting a saved text', () => {
  it('goes in at the cursor with separators, keeps the rest and tells the compose view', () => {
    const el = field('A harbour at dawn', 17);
    let inputs = 0;
    el.addEventListener('input', () => inputs++);
    insertAtCursor(el, 'slow dolly-in');
    expect(el.value).toBe('A harbour at dawn, slow dolly-in');
    expect(inputs).toBe(1);
    const middle = field('A harbour. Gulls', 10);
    insertAtCursor(middle, 'mist');
    expect(middle.value).toBe('A harbour. mist Gulls');
    const empty = field('', 0);
    insertAtCursor(empty, 'noir');
    expect(empty.value).toBe('noir');
    expect(empty.selectionStart).toBe(4);
  });

  it('replaces only the selection', () => {
    const el = field('a red kite', 0);
    el.setSelectionRange(2, 5);
    insertAtCursor(el, 'blue');
    expect(el.value).toBe('a blue kite');
  });
});

describe('prompt library dialog', () => {
  it('asks before replacing a saved name, then saves with replace', async () => {
    const calls: Array<Record<string, unknown>> = [];
    mockIPC((cmd, args) => {
      if (cmd === 'prompts_list' || cmd === 'prompts_past') return [];
      if (cmd === 'prompts_save') {
        calls.push(args as Record<string, unknown>);
        if (!(args as { replace: boolean }).replace)
          throw {
            code: 'invalid_input',
            message: 'There is already a saved prompt called “Noir”. Choose another name, or replace it.',
          };
        return { name: 'Noir', kind: 'prompt', text: 'black and white', updated_at_ms: 1 };
      }
      return null;
    });
    const prompt = field('black and white', 0);
    const library = createPromptLibrary({ promptField: () => prompt, toast: () => {} });
    document.body.append(library.el);
    await library.open();
    (byTestId(library.el, 'prompt-save-name') as HTMLInputElement).value = 'Noir';
    byTestId(library.el, 'prompt-save').click();
    await flush();
    expect(byTestId(library.el, 'prompt-library-status').textContent).toContain('already a saved prompt');
    byTestId(library.el, 'prompt-replace-confirm-yes').click();
    await flush();
    expect(calls.map((c) => c.replace)).toEqual([false, true]);
    expect(calls[1].text).toBe('black and white');
    expect(byTestId(library.el, 'prompt-library-status').textContent).toBe('Saved “Noir”.');
  });
});

describe('spending chart', () => {
  const view: SpendView = {
    days: 7,
    first_day: '2026-11-28',
    rows: [
      { day: '2026-11-30', model_label: 'Seedance 2.0', tasks: 2, reserved: 300, settled: 200, refunded: 100, held: 0 },
      {
        day: '2026-11-30',
        model_label: 'Seedance 2.5 Extend',
        tasks: 1,
        reserved: 175,
        settled: 525,
        refunded: 0,
        held: 0,
      },
      { day: '2026-12-04', model_label: 'Seedance 2.0', tasks: 1, reserved: 300, settled: 0, refunded: 0, held: 300 },
    ],
    reserved: 775,
    settled: 725,
    refunded: 100,
    held: 300,
    last_balance: null,
    last_balance_at_ms: null,
  };

  it('lists every day of the period, months and years included', () => {
    expect(daysOf('2026-12-30', 4)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });

  it('stacks the models of a day and scales to the busiest day', () => {
    const chart = spendChart(view);
    const bars = [...chart.querySelectorAll('rect')];
    expect(bars.map((b) => b.dataset.day)).toEqual(['2026-11-30', '2026-11-30', '2026-12-04']);
    // 30 Nov: 200 + 525 = 725 is the busiest day and fills the plot's height (146).
    const heights = bars.map((b) => Number(b.getAttribute('height')));
    expect(heights[0] + heights[1]).toBeCloseTo(146, 5);
    expect(heights[2]).toBeCloseTo((300 / 725) * 146, 5);
    expect(new Set(bars.slice(0, 2).map((b) => b.getAttribute('fill'))).size).toBe(2);
    expect(chart.getAttribute('aria-label')).toContain('725 credits');
  });
});
