// Extend and Edit in the details: priced both ways, sent only after the creator confirms
// the quoted figure; the links of an extension and its joined clip; reserved and settled
// credits; a file the window cannot play.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { ClipChangeQuote } from '../src/bindings/ClipChangeQuote';
import { canChangeClip, extendSeconds, playableHere, settlementLine } from '../src/clip-change-model';
import { cannotPlayNotice, clipChangeSection, clipLinks, madeFromLinks } from '../src/views/clip-change';
import { byTestId, flush, hasTestId, taskView } from './helpers.test-util';

afterEach(() => {
  clearMocks();
  document.body.innerHTML = '';
  vi.useRealTimers();
});

const QUOTE: ClipChangeQuote = {
  reserved_credits: 175,
  settled_credits: 525,
  label: 'reserves 175 credits now, about 525 when done (≈ $2.42)',
  problems: [],
  warnings: [],
};

function deps() {
  return { open: vi.fn(), onChanged: vi.fn(), onError: vi.fn(), toast: vi.fn() };
}

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input'));
}

describe('settlementLine', () => {
  it('shows reserved and settled when they differ', () => {
    expect(settlementLine({ reserved_credits: 175, settled_credits: 525, settlement_pending: false })).toBe(
      'reserved 175 · settled 525',
    );
  });
  it('says the charge settles later while it is pending', () => {
    expect(settlementLine({ reserved_credits: 175, settled_credits: null, settlement_pending: true })).toBe(
      'reserved 175 · settles after success',
    );
  });
  it('says nothing when the reservation was the price', () => {
    expect(settlementLine({ reserved_credits: 200, settled_credits: 200, settlement_pending: false })).toBeNull();
    expect(settlementLine({ reserved_credits: null, settled_credits: null, settlement_pending: false })).toBeNull();
  });
});

describe('the rules', () => {
  it('takes 4 to 30 whole seconds', () => {
    expect(extendSeconds('4')).toEqual({ seconds: 4 });
    expect(extendSeconds('30')).toEqual({ seconds: 30 });
    expect('problem' in extendSeconds('3')).toBe(true);
    expect('problem' in extendSeconds('31')).toBe(true);
    expect('problem' in extendSeconds('5.5')).toBe(true);
  });
  it('plays mp4 here but not mov', () => {
    expect(playableHere('/lib/a.mp4')).toBe(true);
    expect(playableHere('/lib/a.MOV')).toBe(false);
  });
  it('offers Extend and Edit only on a video in the library', () => {
    expect(canChangeClip({ state: 'downloaded', video_path: '/lib/a.mp4' })).toBe(true);
    expect(canChangeClip({ state: 'queued', video_path: null })).toBe(false);
  });
});

describe('Extend…', () => {
  it('prices both ways and sends only after the confirmation, with the quoted figure', async () => {
    vi.useFakeTimers();
    const calls: [string, Record<string, unknown>][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args as Record<string, unknown>]);
      if (cmd === 'extend_quote') return QUOTE;
      if (cmd === 'extend_submit') return taskView({ id: 9, source_task: 1, state: 'queued' });
      return null;
    });
    const d = deps();
    const section = clipChangeSection(taskView({ id: 1, video_path: '/lib/a.mp4' }), d);
    if (!section) throw new Error('no section');
    document.body.append(...section.buttons, section.slot);
    byTestId<HTMLButtonElement>(document.body, 'action-extend').click();
    type(byTestId(document.body, 'clip-change-prompt'), 'the boat sails into the sunset');
    type(byTestId(document.body, 'clip-change-seconds'), '7');
    await vi.advanceTimersByTimeAsync(300);
    expect(byTestId(document.body, 'clip-change-price').textContent).toContain(
      'reserves 175 credits now, about 525 when done',
    );
    expect(calls.find(([c]) => c === 'extend_quote')?.[1]).toMatchObject({ id: 1, change: 'extend', seconds: 7 });
    const send = byTestId<HTMLButtonElement>(document.body, 'clip-change-send');
    expect(send.disabled).toBe(false);
    send.click();
    expect(calls.some(([c]) => c === 'extend_submit')).toBe(false);
    byTestId<HTMLButtonElement>(document.body, 'confirm-clip-change-yes').click();
    await vi.advanceTimersByTimeAsync(1);
    const submitted = calls.find(([c]) => c === 'extend_submit')?.[1];
    expect(submitted).toMatchObject({ id: 1, change: 'extend', seconds: 7, confirmedCredits: 525 });
    expect(d.open).toHaveBeenCalledWith(9);
  });

  it('does not offer to send an extension of the wrong length', async () => {
    vi.useFakeTimers();
    mockIPC((cmd) => (cmd === 'extend_quote' ? QUOTE : null));
    const section = clipChangeSection(taskView({ id: 1, video_path: '/lib/a.mp4' }), deps());
    if (!section) throw new Error('no section');
    document.body.append(...section.buttons, section.slot);
    byTestId<HTMLButtonElement>(document.body, 'action-extend').click();
    type(byTestId(document.body, 'clip-change-prompt'), 'more');
    type(byTestId(document.body, 'clip-change-seconds'), '45');
    await vi.advanceTimersByTimeAsync(300);
    expect(byTestId<HTMLButtonElement>(document.body, 'clip-change-send').disabled).toBe(true);
    expect(byTestId(document.body, 'clip-change-problems').textContent).toContain('4 to 30');
  });
});

describe('links and files', () => {
  it('links source → extension → joined clip', () => {
    const links = clipLinks(
      taskView({ id: 9, source_task: 1, model: 'seedance2-5-extend', joined_path: '/lib/9 joined.mp4' }),
      deps(),
    );
    if (!links) throw new Error('no links');
    expect(links.textContent).toContain('Source #1');
    expect(links.textContent).toContain('joined clip');
    expect(byTestId(links, 'details-joined').dataset.path).toBe('/lib/9 joined.mp4');
  });
  it('offers to make the joined clip of a saved extension without one', () => {
    const links = clipLinks(taskView({ id: 9, source_task: 1, model: 'seedance2-5-extend' }), deps());
    if (!links) throw new Error('no links');
    expect(hasTestId(links, 'action-join')).toBe(true);
  });
  it('opens a file the window cannot play in the system player', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    const notice = cannotPlayNotice(taskView({ id: 4, video_path: '/lib/a.mov' }), deps());
    byTestId<HTMLButtonElement>(notice, 'action-open-in-player').click();
    await flush();
    expect(calls).toContainEqual(['open_in_player', { id: 4, joined: false }]);
  });
});

describe('madeFromLinks', () => {
  it('lists the extensions and edits made from a finished clip, each opening its details', async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'extend_made_from') return null;
      asked.push(args);
      return [
        { id: 7, kind: 'extension', state: 'downloaded' },
        { id: 9, kind: 'edit', state: 'generating' },
      ];
    });
    const d = deps();
    const el = madeFromLinks(taskView({ id: 3, state: 'downloaded' }), d);
    await flush();
    expect(asked).toEqual([{ id: 3 }]);
    expect(el.hidden).toBe(false);
    expect(el.textContent).toBe('Made from this clip: Extension #7 (Done), Edit #9 (Generating)');
    const links = [...el.querySelectorAll('button')];
    links[1]?.click();
    expect(d.open).toHaveBeenCalledWith(9);
  });

  it('stays hidden when nothing was made from it, and does not ask for an unfinished task', async () => {
    const asked: string[] = [];
    mockIPC((cmd) => {
      asked.push(cmd);
      return [];
    });
    const el = madeFromLinks(taskView({ id: 3, state: 'downloaded' }), deps());
    await flush();
    expect(el.hidden).toBe(true);
    madeFromLinks(taskView({ id: 4, state: 'generating' }), deps());
    await flush();
    expect(asked).toEqual(['extend_made_from']);
  });
});

describe('clipLinks of an extension of a dropped clip', () => {
  it("names the creator's own clip as the source and offers the join", () => {
    const el = clipLinks(
      taskView({ id: 12, model: 'seedance2-5-extend', source_task: null, state: 'downloaded', joined_path: null }),
      deps(),
    );
    expect(el?.textContent).toMatch(/^Your own clip → this extension #12/);
    expect(el && hasTestId(el, 'action-join')).toBe(true);
    expect(clipLinks(taskView({ model: 'seedance-20', source_task: null }), deps())).toBeNull();
  });
});
