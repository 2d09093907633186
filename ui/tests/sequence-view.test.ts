// The Sequences dialog against a mocked shell: nothing is paid before the creator says
// yes to the priced question (and the confirmed total goes with the call), a drop and the
// move buttons ask for the right position, and a refusal reads as the shell's sentence.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { SequenceView } from '../src/bindings/SequenceView';
import type { ShotView } from '../src/bindings/ShotView';
import { createSequences } from '../src/views/sequence';
import { byTestId, CATALOG, flush, taskView } from './helpers.test-util';

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

const shot = (id: number, position: number): ShotView => ({
  id,
  position,
  prompt: `shot ${position}`,
  model: 'seedance-20',
  model_label: 'Seedance 2.0',
  duration_secs: 5,
  link: 'none',
  takes: [],
  chosen: null,
  film_take: null,
});

const SEQUENCE: SequenceView = { id: 7, name: 'Harbour', shots: [shot(11, 1), shot(12, 2), shot(13, 3)], films: [] };

type Call = { cmd: string; args: Record<string, unknown> };

async function openDialog(answers: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      if (answers[cmd]) return answers[cmd](a);
      if (cmd === 'sequences_list') return [{ id: 7, name: 'Harbour', shots: 3, updated_at_ms: 1 }];
      if (cmd.startsWith('sequence')) return SEQUENCE;
      return null;
    },
    { shouldMockEvents: true },
  );
  const dialog = createSequences({ catalog: CATALOG, toast: () => {} });
  document.body.append(dialog.el);
  await dialog.open();
  await flush();
  return { dialog, calls };
}

const names = (calls: Call[]) => calls.map((c) => c.cmd);

describe('Generate all', () => {
  it('asks with the total and sends nothing until Yes; the confirmed total goes with the call', async () => {
    const { dialog, calls } = await openDialog({
      sequences_quote: () => ({
        shots: [
          { shot: 11, position: 1, credits: 200, settled_credits: 200, upper_bound: false },
          { shot: 12, position: 2, credits: 200, settled_credits: 200, upper_bound: false },
          { shot: 13, position: 3, credits: 200, settled_credits: 200, upper_bound: false },
        ],
        already_taken: 0,
        credits: 600,
        settled_credits: 600,
        settles_differently: false,
        credits_label: '600 credits',
        settled_label: '600 credits',
      }),
      sequences_generate: () => [],
    });
    byTestId<HTMLButtonElement>(dialog.el, 'seq-generate').click();
    await flush();
    expect(byTestId(dialog.el, 'seq-generate-confirm').textContent).toContain('Generate 3 shots for 600 credits?');
    expect(names(calls)).not.toContain('sequences_generate');
    byTestId<HTMLButtonElement>(dialog.el, 'seq-generate-confirm-yes').click();
    await flush();
    const generate = calls.find((c) => c.cmd === 'sequences_generate');
    expect(generate?.args).toMatchObject({ id: 7, confirmedCredits: 600 });
  });

  it('a quote the shell refuses reads as its sentence, and nothing is sent', async () => {
    const { dialog, calls } = await openDialog({
      sequences_quote: () => {
        throw { code: 'invalid_input', message: 'Shot 1: its link is `keyframe` but no shot comes before it.' };
      },
    });
    byTestId<HTMLButtonElement>(dialog.el, 'seq-generate').click();
    await flush();
    await flush();
    expect(byTestId(dialog.el, 'seq-status').textContent).toBe(
      'Shot 1: its link is `keyframe` but no shot comes before it.',
    );
    expect(names(calls)).not.toContain('sequences_generate');
  });
});

describe('reordering', () => {
  it('the move buttons ask for the next position, and the ends cannot move out', async () => {
    const { dialog, calls } = await openDialog();
    expect(byTestId<HTMLButtonElement>(dialog.el, 'shot-left-11').disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>(dialog.el, 'shot-right-13').disabled).toBe(true);
    byTestId<HTMLButtonElement>(dialog.el, 'shot-right-11').click();
    await flush();
    expect(calls.find((c) => c.cmd === 'sequences_move_shot')?.args).toMatchObject({ shotId: 11, position: 2 });
  });

  it('a shot dropped on another takes its place', async () => {
    const { dialog, calls } = await openDialog();
    const data = new Map<string, string>();
    const transfer = {
      setData: (k: string, v: string) => data.set(k, v),
      getData: (k: string) => data.get(k) ?? '',
    };
    const event = (type: string) => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'dataTransfer', { value: transfer });
      return e;
    };
    byTestId(dialog.el, 'shot-card-13').dispatchEvent(event('dragstart'));
    byTestId(dialog.el, 'shot-card-11').dispatchEvent(event('drop'));
    await flush();
    expect(calls.find((c) => c.cmd === 'sequences_move_shot')?.args).toMatchObject({ shotId: 13, position: 1 });
  });
});

describe('Stitch', () => {
  it('shows its progress from the events and Cancel stops it', async () => {
    let finish: (() => void) | null = null;
    const { dialog, calls } = await openDialog({
      sequences_stitch: () =>
        new Promise((_, reject) => {
          finish = () => reject({ code: 'not_allowed', message: 'Stopped; no film was written.' });
        }),
      sequences_stitch_cancel: () => {
        finish?.();
        return true;
      },
    });
    byTestId<HTMLButtonElement>(dialog.el, 'seq-stitch').click();
    await flush();
    await flush();
    const bar = byTestId(dialog.el, 'seq-stitch-bar');
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    await emit('sequence-stitch-progress', { sequenceId: 7, fraction: 0.42 });
    await emit('sequence-stitch-progress', { sequenceId: 8, fraction: 0.9 });
    await flush();
    expect(bar.getAttribute('aria-valuenow')).toBe('42');
    byTestId<HTMLButtonElement>(dialog.el, 'seq-stitch-cancel').click();
    await flush();
    await flush();
    expect(calls.find((c) => c.cmd === 'sequences_stitch_cancel')?.args).toMatchObject({ id: 7 });
    expect(byTestId(dialog.el, 'seq-status').textContent).toBe('Stopped; no film was written.');
    expect(dialog.el.querySelector('[data-testid="seq-stitch-bar"]')).toBeNull();
  });
});

describe("the open shot's takes", () => {
  it("follow task events live, without touching the shot's unsaved form", async () => {
    // No poster: the file URL needs the shell, which these tests mock only in part.
    const take = (task: number, state: string) => ({ task, state, has_video: false, verdict: null });
    let view: SequenceView = {
      ...SEQUENCE,
      shots: [{ ...shot(11, 1), takes: [take(40, 'generating')] }, shot(12, 2)],
    } as SequenceView;
    const { dialog, calls } = await openDialog({ sequence_get: () => view });
    byTestId(dialog.el, 'shot-card-11').click();
    await flush();
    const takes = () => byTestId(dialog.el, 'shot-takes').textContent ?? '';
    expect(takes()).toContain('Take #40 · generating');
    const prompt = byTestId<HTMLTextAreaElement>(dialog.el, 'shot-edit-prompt');
    prompt.value = 'an unsaved change';

    // The take finished and a second one was made: both show without reselecting.
    view = {
      ...view,
      shots: [{ ...shot(11, 1), takes: [take(40, 'downloaded'), take(41, 'waiting')] }, shot(12, 2)],
    } as SequenceView;
    dialog.taskChanged(taskView({ id: 40, state: 'downloaded' }));
    await flush();
    expect(takes()).toContain('Take #40 · downloaded');
    expect(takes()).toContain('Take #41 · waiting');
    expect(byTestId<HTMLTextAreaElement>(dialog.el, 'shot-edit-prompt').value).toBe('an unsaved change');

    // An older task that is no take of this sequence reads nothing.
    const before = calls.filter((c) => c.cmd === 'sequence_get').length;
    dialog.taskChanged(taskView({ id: 5, state: 'downloaded' }));
    await flush();
    expect(calls.filter((c) => c.cmd === 'sequence_get').length).toBe(before);
  });
});
