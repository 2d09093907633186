import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockConvertFileSrc, mockIPC } from '@tauri-apps/api/mocks';
import type { Draft } from '../src/bindings/Draft';
import { openCompare } from '../src/views/compare';
import { compareWithAction, takeBadge, verdictControls } from '../src/views/takes';
import { flush, taskView } from './helpers.test-util';

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

const request = (seed: number): Draft => ({
  model: 'seedance-20',
  prompt: 'A lighthouse in a storm',
  references: [],
  mode: null,
  duration_secs: 5,
  resolution: '720p',
  aspect_ratio: null,
  generate_audio: true,
  high_bitrate: false,
  seed,
  output_format: null,
});

describe('verdict toggles', () => {
  it('star a take with what the shell answers, and clear it when pressed again', async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      const { id, verdict } = args as { id: number; verdict: string | null };
      return taskView({ id, verdict: verdict as 'starred' | null });
    });
    const onChanged = vi.fn();
    const take = taskView({ id: 4, take: { group: 3, number: 2, of: 3 } });
    const controls = verdictControls(take, 'card', { onChanged, onError: vi.fn() });
    document.body.append(controls);
    expect(takeBadge(take)?.textContent).toBe('Take 2 of 3');
    expect(takeBadge(taskView())).toBeNull();
    const star = controls.querySelector<HTMLButtonElement>('[data-testid="card-star"]');
    expect(star?.getAttribute('aria-pressed')).toBe('false');
    star?.click();
    await flush();
    expect(calls).toEqual([['task_set_verdict', { id: 4, verdict: 'starred' }]]);
    expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ id: 4, verdict: 'starred' }));

    const starred = verdictControls({ ...take, verdict: 'starred' }, 'details', { onChanged, onError: vi.fn() });
    const again = starred.querySelector<HTMLButtonElement>('[data-testid="details-star"]');
    expect(again?.getAttribute('aria-pressed')).toBe('true');
    again?.click();
    await flush();
    expect(calls[1]).toEqual(['task_set_verdict', { id: 4, verdict: null }]);
  });
});

describe('compare', () => {
  it('offers the other takes of the group first, then recent finished videos', async () => {
    mockIPC((cmd) => {
      if (cmd === 'task_takes')
        return [1, 2, 3].map((id) =>
          taskView({ id, video_path: `/v/${id}.mp4`, take: { group: 1, number: id, of: 3 } }),
        );
      if (cmd === 'gallery_list')
        return { items: [taskView({ id: 9, prompt: 'A fox', video_path: '/v/9.mp4' })], total: 1, offset: 0 };
      return null;
    });
    const compare = vi.fn();
    const task = taskView({ id: 1, video_path: '/v/1.mp4', take: { group: 1, number: 1, of: 3 } });
    const action = compareWithAction(task, { compare, onError: vi.fn() });
    expect(action).not.toBeNull();
    if (!action) return;
    document.body.append(action);
    action.querySelector<HTMLButtonElement>('[data-testid="action-compare"]')?.click();
    await flush();
    await flush();
    const choices = [...action.querySelectorAll<HTMLButtonElement>('[data-testid="compare-choice"]')];
    expect(choices.map((c) => c.textContent)).toEqual(['Take 2 of 3', 'Take 3 of 3', 'A fox']);
    choices[0]?.click();
    expect(compare).toHaveBeenCalledWith(task, expect.objectContaining({ id: 2 }));
    expect(compareWithAction(taskView({ video_path: null }), { compare, onError: vi.fn() })).toBeNull();
  });

  it('shows both videos and lists what differs between the requests', async () => {
    mockIPC((cmd, args) => (cmd === 'task_request' ? request((args as { id: number }).id * 100) : null));
    mockConvertFileSrc('linux');
    const a = taskView({ id: 1, video_path: '/v/1.mp4', take: { group: 1, number: 1, of: 2 } });
    const b = taskView({ id: 2, video_path: '/v/2.mp4', take: { group: 1, number: 2, of: 2 } });
    const el = openCompare(a, b, { onError: vi.fn() });
    expect(el.querySelector('[data-testid="compare-video-a"]')).not.toBeNull();
    expect(el.querySelector('[data-testid="compare-video-b"]')).not.toBeNull();
    await flush();
    await flush();
    const rows = [...el.querySelectorAll<HTMLElement>('[data-testid="compare-difference-list"] dd')];
    expect(rows.map((r) => [r.dataset.field, r.textContent])).toEqual([['seed', 'A: 100 → B: 200']]);
    // Escape closes it and gives the focus back.
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(document.querySelector('[data-testid="compare"]')).toBeNull();
  });

  /**
   * Opens a comparison whose players are stand-ins: a seek sets the position at once and
   * its `seeked` is sent when the test says, as a real player sends it later.
   */
  function comparePlayers() {
    mockIPC((cmd, args) => (cmd === 'task_request' ? request((args as { id: number }).id * 100) : null));
    mockConvertFileSrc('linux');
    const el = openCompare(
      taskView({ id: 1, video_path: '/v/1.mp4', take: { group: 1, number: 1, of: 2 } }),
      taskView({ id: 2, video_path: '/v/2.mp4', take: { group: 1, number: 2, of: 2 } }),
      { onError: vi.fn() },
    );
    const [left, right] = (['a', 'b'] as const).map((side) => {
      const video = el.querySelector<HTMLVideoElement>(`[data-testid="compare-video-${side}"]`);
      if (!video) throw new Error(`no player ${side}`);
      let time = 0;
      Object.defineProperties(video, {
        currentTime: {
          get: () => time,
          set: (to: number) => {
            time = to;
          },
          configurable: true,
        },
        duration: { get: () => 5, configurable: true },
        paused: { get: () => true, configurable: true },
      });
      video.pause = () => undefined;
      video.load = () => undefined;
      return video;
    });
    if (!left || !right) throw new Error('two players');
    return { left, right, seeked: (v: HTMLVideoElement) => v.dispatchEvent(new Event('seeked')) };
  }

  it('a seek of one player moves the other, even when the other lands its last move late', async () => {
    const { left, right, seeked } = comparePlayers();
    // Paused at 0.5: the view moves the other player there too.
    left.currentTime = 0.5;
    left.dispatchEvent(new Event('pause'));
    await flush();
    expect(right.currentTime).toBe(0.5);
    // The viewer seeks A to 1 s before B has landed that move; B's `seeked` comes first.
    left.currentTime = 1;
    seeked(right);
    await flush();
    seeked(left);
    await flush();
    expect(left.currentTime).toBe(1);
    expect(right.currentTime).toBe(1);
    // B landing the view's move to 1 s is not news either.
    seeked(right);
    await flush();
    expect(left.currentTime).toBe(1);
  });

  it('the viewer seeking the player the view was moving still leads', async () => {
    const { left, right, seeked } = comparePlayers();
    left.currentTime = 2;
    seeked(left);
    await flush();
    expect(right.currentTime).toBe(2);
    // Before B lands at 2 s, the viewer drags B to 4 s: one `seeked`, at 4.
    right.currentTime = 4;
    seeked(right);
    await flush();
    expect(left.currentTime).toBe(4);
  });
});
