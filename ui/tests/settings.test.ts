// Settings: the key's inline confirmations (remove, keep for this session only) and the
// "Choose library folder" path a download failure takes.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { KeyStatus } from '../src/bindings/KeyStatus';
import type { SettingsView } from '../src/bindings/SettingsView';
import { createSettings } from '../src/views/settings';
import { byTestId, flush, hasTestId } from './helpers.test-util';

// jsdom has <dialog> but not its modal methods.
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

const VIEW: SettingsView = {
  preferences: {
    base_url: null,
    library_dir: null,
    daily_cap_credits: null,
    monthly_cap_credits: null,
    notifications: true,
    theme: 'system',
  },
  effective_base_url: 'https://seedance2-pro.com/api/v1',
  base_url_source: 'default',
  base_url_is_loopback: false,
  demo: false,
  demo_available: false,
  effective_library_dir: '/home/me/Videos/Seedance',
  library_dir_from_env: false,
  data_dir: '/home/me/.local/share/seedance',
  version: '0.1.0',
  notices: [],
};
const KEY: KeyStatus = { present: true, last_four: 'wxyz', store: 'system keychain', last_test: null, problem: null };
const NO_KEY: KeyStatus = { present: false, last_four: null, store: 'system keychain', last_test: null, problem: null };

function dialog(answers: Record<string, (args: unknown) => unknown>) {
  const calls: [string, unknown][] = [];
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    const answer = answers[cmd];
    return answer ? answer(args) : null;
  });
  const deps = { onSaved: vi.fn(), onKeyChanged: vi.fn() };
  const settings = createSettings(deps);
  document.body.appendChild(settings.el);
  return { settings, deps, calls };
}

describe('settings', () => {
  it('Remove key asks inline and removes only on Yes', async () => {
    const { settings, deps, calls } = dialog({
      settings_get: () => VIEW,
      key_status: () => KEY,
      key_clear: () => NO_KEY,
    });
    await settings.open();
    byTestId(settings.el, 'settings-key-remove').click();
    const question = byTestId(settings.el, 'confirm-remove-key');
    expect(document.getElementById(question.getAttribute('aria-labelledby') ?? '')?.textContent).toBe(
      'Remove the API key from this computer?',
    );
    expect(document.activeElement).toBe(byTestId(question, 'confirm-remove-key-no'));
    byTestId(question, 'confirm-remove-key-no').click();
    expect(calls.some(([c]) => c === 'key_clear')).toBe(false);

    byTestId(settings.el, 'settings-key-remove').click();
    byTestId(settings.el, 'confirm-remove-key-yes').click();
    await flush();
    expect(calls.filter(([c]) => c === 'key_clear')).toHaveLength(1);
    expect(deps.onKeyChanged).toHaveBeenCalledWith(NO_KEY);
    expect(byTestId(settings.el, 'settings-key-status').textContent).toBe('No key is saved.');
  });

  it('without a keychain, offers to keep the key for this session only, inline', async () => {
    const session: KeyStatus = { ...KEY, store: 'this session only' };
    const { settings, deps, calls } = dialog({
      settings_get: () => VIEW,
      key_status: () => NO_KEY,
      key_set: () => {
        throw { code: 'keychain_unavailable', message: 'No system keychain is available.' };
      },
      key_set_session_only: () => session,
    });
    await settings.open('key');
    byTestId<HTMLInputElement>(settings.el, 'settings-key-input').value = 'sk-session-1234';
    byTestId(settings.el, 'settings-key-save').click();
    await flush();
    await flush();
    expect(byTestId(settings.el, 'settings-status').textContent).toBe('No system keychain is available.');
    const question = byTestId(settings.el, 'confirm-session-key');
    expect(document.activeElement).toBe(byTestId(question, 'confirm-session-key-yes'));
    expect(calls.some(([c]) => c === 'key_set_session_only')).toBe(false);
    byTestId(question, 'confirm-session-key-yes').click();
    await flush();
    await flush();
    expect(calls).toContainEqual(['key_set_session_only', { key: 'sk-session-1234' }]);
    expect(deps.onKeyChanged).toHaveBeenCalledWith(session);
    expect(byTestId(settings.el, 'settings-status').textContent).toBe('Key kept for this session only.');
  });

  it('any other failure to save is only reported', async () => {
    const { settings } = dialog({
      settings_get: () => VIEW,
      key_status: () => NO_KEY,
      key_set: () => {
        throw { code: 'invalid_key', message: 'That is not a key.' };
      },
    });
    await settings.open('key');
    byTestId(settings.el, 'settings-key-save').click();
    await flush();
    await flush();
    expect(byTestId(settings.el, 'settings-status').textContent).toBe('That is not a key.');
    expect(hasTestId(settings.el, 'confirm-session-key')).toBe(false);
  });

  it('says the settings were saved', async () => {
    const saved = { ...VIEW, preferences: { ...VIEW.preferences, theme: 'dark' as const } };
    const { settings, deps, calls } = dialog({
      settings_get: () => VIEW,
      key_status: () => KEY,
      settings_set: () => saved,
    });
    await settings.open();
    byTestId<HTMLSelectElement>(settings.el, 'settings-theme').value = 'dark';
    byTestId(settings.el, 'settings-save').click();
    await flush();
    await flush();
    expect(calls).toContainEqual(['settings_set', { preferences: saved.preferences }]);
    expect(deps.onSaved).toHaveBeenCalledWith(saved);
    expect(byTestId(settings.el, 'settings-status').textContent).toBe('Settings saved.');
  });

  it('Choose library folder opens the folder picker at once', async () => {
    const picked = { ...VIEW, effective_library_dir: '/media/big/Seedance' };
    const { settings, deps, calls } = dialog({ settings_get: () => VIEW, settings_pick_library_dir: () => picked });
    await settings.chooseLibrary();
    expect(calls.map(([c]) => c)).toEqual(['settings_get', 'settings_pick_library_dir']);
    expect(deps.onSaved).toHaveBeenCalledWith(picked);
    expect(settings.el.open).toBe(false);
  });

  it('Choose library folder opens the settings when SEEDANCE_LIBRARY_DIR decides the folder', async () => {
    const fromEnv = { ...VIEW, library_dir_from_env: true };
    const { settings, calls } = dialog({ settings_get: () => fromEnv, key_status: () => KEY });
    await settings.chooseLibrary();
    expect(calls.some(([c]) => c === 'settings_pick_library_dir')).toBe(false);
    expect(settings.el.open).toBe(true);
    expect(document.activeElement).toBe(byTestId(settings.el, 'settings-library'));
    expect(byTestId<HTMLButtonElement>(settings.el, 'settings-library-choose').disabled).toBe(true);
  });

  const DEMO_VIEW: SettingsView = {
    ...VIEW,
    demo: true,
    demo_available: true,
    base_url_is_loopback: true,
    base_url_source: 'env',
    effective_base_url: 'http://127.0.0.1:5111/api/v1',
  };
  const DEMO_KEY: KeyStatus = { ...KEY, last_four: '-key', store: 'this session only' };

  it('the demo says it is the demo wherever the key and the service show, with its pretend balance', async () => {
    const { settings } = dialog({
      settings_get: () => DEMO_VIEW,
      key_status: () => DEMO_KEY,
      demo_balance: () => 999800,
    });
    await settings.open();
    await flush();
    const keyLine = byTestId(settings.el, 'settings-key-status').textContent ?? '';
    expect(keyLine).toMatch(/^Demo: /);
    expect(keyLine).not.toContain('-key');
    expect(byTestId(settings.el, 'settings-demo-balance').textContent).toBe(
      'Pretend balance: 999,800 credits (nothing is charged).',
    );
    expect(byTestId(settings.el, 'settings-use-own-key').textContent).toBe('Use my own key');
    expect(settings.el.textContent).toContain('Demo service on this computer');
    expect(hasTestId(settings.el, 'settings-key-input')).toBe(false);
    expect(hasTestId(settings.el, 'settings-back-to-demo')).toBe(false);
  });

  it('"Use my own key" leaves the demo and asks for the key; "Back to the demo" returns', async () => {
    let inDemo = true;
    const left: SettingsView = { ...VIEW, demo: false, demo_available: true };
    const { settings, deps, calls } = dialog({
      settings_get: () => (inDemo ? DEMO_VIEW : left),
      key_status: () => (inDemo ? DEMO_KEY : NO_KEY),
      demo_balance: () => 1_000_000,
      demo_switch: (args) => {
        inDemo = (args as { useDemo: boolean }).useDemo;
        return inDemo ? DEMO_VIEW : left;
      },
    });
    await settings.open();
    byTestId(settings.el, 'settings-use-own-key').click();
    await flush();
    await flush();
    expect(calls.filter(([c]) => c === 'demo_switch')).toEqual([['demo_switch', { useDemo: false }]]);
    expect(deps.onSaved).toHaveBeenCalledWith(left);
    expect(deps.onKeyChanged).toHaveBeenCalledWith(NO_KEY);
    expect(byTestId(settings.el, 'settings-status').textContent).toBe(
      'You left the demo. Paste your own API key to start.',
    );
    expect(document.activeElement).toBe(byTestId(settings.el, 'settings-key-input'));
    expect(byTestId(settings.el, 'settings-key-status').textContent).toBe('No key is saved.');

    byTestId(settings.el, 'settings-back-to-demo').click();
    await flush();
    await flush();
    expect(calls.filter(([c]) => c === 'demo_switch')).toHaveLength(2);
    expect(byTestId(settings.el, 'settings-status').textContent).toMatch(/^Back in the demo/);
    expect(hasTestId(settings.el, 'settings-use-own-key')).toBe(true);
  });

  it('a run that is not the demo offers neither way', async () => {
    const { settings } = dialog({ settings_get: () => VIEW, key_status: () => KEY });
    await settings.open();
    expect(hasTestId(settings.el, 'settings-use-own-key')).toBe(false);
    expect(hasTestId(settings.el, 'settings-back-to-demo')).toBe(false);
  });

  it('says "Settings saved." beside the Save button', async () => {
    const { settings } = dialog({ settings_get: () => VIEW, key_status: () => KEY, settings_set: () => VIEW });
    await settings.open();
    byTestId(settings.el, 'settings-save').click();
    await flush();
    await flush();
    const status = byTestId(settings.el, 'settings-status');
    expect(status.textContent).toBe('Settings saved.');
    expect(status.parentElement).toBe(byTestId(settings.el, 'settings-save').parentElement);
  });
});
