import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClosing, finishingLabel, whatHappensNext } from '../src/views/closing';
import { createKeyBanner, keyNeedsAttention } from '../src/views/key-state';
import { deleteQuestion, taskActions } from '../src/views/task-actions';
import { taskStateLabel } from '../src/views/task-wait';
import { createUnknownDialog } from '../src/views/unknown';
import { byTestId, flush, taskView } from './helpers.test-util';

// jsdom has <dialog> but not its modal methods.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close ??= function close(this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
});
afterEach(() => clearMocks());

describe('key banner', () => {
  it('stays up while the service refuses the key and leads to a new key', () => {
    let asked = 0;
    const banner = createKeyBanner({ onNewKey: () => asked++, onUseDemo: null });
    banner.set({ state: 'working' });
    expect(banner.el.querySelector('[data-testid="key-banner"]')).toBeNull();
    banner.set({ state: 'rejected', message: 'The service says the API key is not valid (401).' });
    expect(byTestId(banner.el, 'key-banner').getAttribute('role')).toBe('alert');
    expect(byTestId(banner.el, 'key-banner-title').textContent).toContain('The service refused your API key.');
    expect(byTestId(banner.el, 'key-banner-detail').textContent).toBe(
      'The service says the API key is not valid (401).',
    );
    byTestId(banner.el, 'key-banner-new-key').click();
    expect(asked).toBe(1);
    banner.set({ state: 'working' });
    expect(banner.el.querySelector('[data-testid="key-banner"]')).toBeNull();
  });

  it('warns on the chip only when the engine cannot use the key', () => {
    expect(keyNeedsAttention({ state: 'rejected', message: 'x' })).toBe(true);
    expect(keyNeedsAttention({ state: 'unreadable', message: 'x' })).toBe(true);
    expect(keyNeedsAttention({ state: 'working' })).toBe(false);
    expect(keyNeedsAttention(null)).toBe(false);
  });
});

describe('task rows the engine holds', () => {
  it('say what they wait for instead of their state', () => {
    expect(taskStateLabel(taskView({ state: 'generating', waiting_for: { reason: 'working_key' } }))).toBe(
      'Waiting for a working key',
    );
    expect(
      taskStateLabel(
        taskView({ state: 'queued', waiting_for: { reason: 'other_service', service: 'https://kinovi.ai/api/v1' } }),
      ),
    ).toBe('Waiting: made for another service (kinovi.ai)');
    expect(taskStateLabel(taskView({ state: 'generating' }))).toBe('Generating');
  });
});

describe('closing with work in flight', () => {
  it('says what happens next and counts the sends it waits for', () => {
    expect(whatHappensNext(3, 0)).toEqual([
      '3 videos are still being made; they will be fetched the next time you open the app.',
    ]);
    expect(whatHappensNext(1, 2)).toEqual([
      '1 video is still being made; it will be fetched the next time you open the app.',
      '2 queued tasks will be sent the next time you open the app.',
    ]);
    expect(whatHappensNext(0, 0)).toEqual([]);
    expect(finishingLabel(1)).toBe('Finishing sending 1 task…');
  });

  it('shows the finishing sends while closing and nothing otherwise', () => {
    const view = createClosing({ onError: () => undefined });
    view.handle({ type: 'finishing_sends', remaining: 0 });
    expect(view.el.children.length).toBe(0);
    view.handle({ type: 'closing', still_making: 2, queued: 0 });
    view.handle({ type: 'finishing_sends', remaining: 2 });
    expect(byTestId(view.el, 'closing-finishing').textContent).toBe('Finishing sending 2 tasks…');
    expect(byTestId(view.el, 'closing-next').textContent).toContain('2 videos are still being made');
  });
});

describe('task actions', () => {
  const deps = { onChanged: () => undefined, onError: () => undefined, toast: () => undefined };
  const ids = (el: HTMLElement | null) => (el ? [...el.querySelectorAll('button')].map((b) => b.dataset.testid) : []);

  it('offer the move only to a queued task made for another service', () => {
    const other = taskView({ state: 'queued', waiting_for: { reason: 'other_service', service: 'https://a.example' } });
    expect(ids(taskActions(other, deps))).toEqual(['task-retarget']);
    expect(taskActions(taskView({ state: 'queued' }), deps)).toBeNull();
  });

  it('dismiss a stuck task, and check again a dismissed or unknown one', () => {
    expect(ids(taskActions(taskView({ state: 'stuck' }), deps))).toEqual(['task-dismiss']);
    expect(ids(taskActions(taskView({ state: 'stuck', dismissed: true }), deps))).toEqual(['task-check-again']);
    expect(ids(taskActions(taskView({ state: 'not_found' }), deps))).toEqual(['task-check-again']);
    expect(taskActions(taskView({ state: 'downloaded' }), deps)).toBeNull();
  });

  it('ask before deleting a finished video that is not saved yet', () => {
    expect(deleteQuestion(taskView({ state: 'succeeded' })).confirmNotSaved).toBe(true);
    expect(deleteQuestion(taskView({ state: 'succeeded' })).question).toContain('not in your library yet');
    expect(deleteQuestion(taskView({ state: 'downloaded' })).confirmNotSaved).toBe(false);
  });
});

describe('the unknown-outcome dialog', () => {
  it('sends one decision for a double click on Send again', async () => {
    const calls: string[] = [];
    let answer: (value: unknown) => void = () => undefined;
    mockIPC((cmd) => {
      calls.push(cmd);
      return new Promise((ok) => {
        answer = ok;
      });
    });
    const dialog = createUnknownDialog({ onResolved: () => undefined, onError: () => undefined });
    document.body.appendChild(dialog.el);
    dialog.open(taskView({ state: 'submission_unknown' }));
    const send = byTestId<HTMLButtonElement>(dialog.el, 'unknown-submit-again');
    send.click();
    send.click();
    await flush();
    expect(calls).toEqual(['tasks_resolve_unknown']);
    expect(send.disabled).toBe(true);
    answer(null);
    await flush();
    await flush();
    expect(send.disabled).toBe(false);
  });
});
