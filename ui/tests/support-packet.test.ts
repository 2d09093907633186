import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { supportPacketAction } from '../src/views/support-packet';
import { flush, taskView } from './helpers.test-util';

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

function shell(supportCase: boolean, saved: string | null) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const id = (args as { id: number }).id;
    if (cmd === 'support_packet')
      return { task: id, text: `Task id: task_x\nLocal task: #${id}`, support_case: supportCase };
    if (cmd === 'support_packet_save') return saved;
    return null;
  });
  return calls;
}

describe('support packet action', () => {
  it('is offered at once for a failed task; one click copies, shows and saves the packet', async () => {
    const calls = shell(true, '/home/a/packet.json');
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const toast = vi.fn();
    const action = supportPacketAction(taskView({ id: 7, state: 'failed' }), { toast, onError: vi.fn() });
    expect(action).not.toBeNull();
    if (!action) return;
    document.body.append(action.button, action.shown);
    expect(action.button.hidden).toBe(false);
    expect(calls).toEqual([]);

    action.button.click();
    await flush();
    await flush();
    expect(writeText).toHaveBeenCalledWith('Task id: task_x\nLocal task: #7');
    expect(action.shown.hidden).toBe(false);
    expect(action.shown.querySelector('pre')?.textContent).toBe('Task id: task_x\nLocal task: #7');
    expect(calls).toEqual(['support_packet', 'support_packet_save']);
    expect(toast).toHaveBeenCalledWith('Support packet copied');
    expect(toast).toHaveBeenCalledWith('Saved to /home/a/packet.json');
  });

  it('for a finished video, appears only when the shell says its result does not match', async () => {
    shell(false, null);
    const matching = supportPacketAction(taskView({ id: 8, state: 'downloaded' }), {
      toast: vi.fn(),
      onError: vi.fn(),
    });
    await flush();
    expect(matching?.button.hidden).toBe(true);

    shell(true, null);
    const mismatched = supportPacketAction(taskView({ id: 9, state: 'downloaded' }), {
      toast: vi.fn(),
      onError: vi.fn(),
    });
    await flush();
    expect(mismatched?.button.hidden).toBe(false);
  });

  it('is not offered while a task is in progress', () => {
    shell(true, null);
    expect(
      supportPacketAction(taskView({ id: 10, state: 'generating' }), { toast: vi.fn(), onError: vi.fn() }),
    ).toBeNull();
  });
});
