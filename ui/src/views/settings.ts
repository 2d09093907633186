// Settings (a modal dialog): the API key (status, replace, test, remove), the API
// address, library folder, spending caps, notifications and theme.

import type { KeyStatus } from '../bindings/KeyStatus';
import type { Preferences } from '../bindings/Preferences';
import type { SettingsView } from '../bindings/SettingsView';
import type { Theme } from '../bindings/Theme';
import { clear, h, uid } from '../dom';
import { grouped, keyCheckMessage } from '../format';
import * as ipc from '../ipc';
import { askInline } from './confirm';
import { engineKeyNote } from './key-state';

export interface SettingsDeps {
  onSaved(view: SettingsView): void;
  onKeyChanged(status: KeyStatus): void;
}

export interface SettingsDialog {
  el: HTMLDialogElement;
  open(section?: 'key' | 'library'): Promise<void>;
  /**
   * Lets the creator pick another library folder: the folder picker at once, or these
   * settings when `SEEDANCE_LIBRARY_DIR` decides the folder (they say so there).
   */
  chooseLibrary(): Promise<void>;
}

function numberOrNull(value: string): number | null {
  const n = Number.parseFloat(value);
  return value.trim() === '' || !Number.isFinite(n) ? null : n;
}

export function createSettings(deps: SettingsDeps): SettingsDialog {
  const el = h('dialog', { 'aria-labelledby': 'settings-title', 'data-testid': 'settings' });
  const body = h('div');
  // Beside Save, where the creator is looking when they press it; its line keeps its
  // height when empty, so nothing in the dialog moves when it fills.
  const status = h('p', { role: 'status', class: 'settings-status', 'data-testid': 'settings-status' });
  el.append(h('h1', { id: 'settings-title' }, 'Settings'), body);

  const field = (label: string, control: HTMLElement, hint?: string) => {
    control.id ||= uid('setting');
    return h(
      'div',
      { class: 'field' },
      h('label', { for: control.id }, label),
      control,
      hint ? h('div', { class: 'hint' }, hint) : null,
    );
  };

  async function render(view: SettingsView, key: KeyStatus, focus: 'key' | 'library' | null) {
    clear(body);
    status.textContent = '';
    const p = view.preferences;

    const keyInput = h('input', {
      type: 'password',
      autocomplete: 'off',
      'data-testid': 'settings-key-input',
      placeholder: key.present ? 'Paste a new key to replace it' : 'Paste your API key',
    });
    const keyLine = h(
      'p',
      { 'data-testid': 'settings-key-status' },
      view.demo && key.present
        ? 'Demo: a made-up key for the demo service on this computer. Its credits are pretend; nothing is charged.'
        : key.present
          ? `A key ending in …${key.last_four ?? ''} is saved (${key.store}).`
          : 'No key is saved.',
    );
    // The demo and the creator's own key, from here both ways: "Use my own key" moves
    // the app to the real service (the demo's videos stay in the history, made for the
    // demo service, and nothing is sent anywhere for them); "Back to the demo" returns.
    const leaveDemo = view.demo
      ? h(
          'div',
          { class: 'demo-note', 'data-testid': 'settings-leave-demo' },
          h('p', { 'data-testid': 'settings-demo-balance' }, 'Pretend balance: checking…'),
          h(
            'p',
            {},
            'Ready for your own videos? Your own key talks to the real service and spends real credits. The demo’s videos stay in your history, marked as made for the demo service.',
          ),
          h(
            'button',
            {
              type: 'button',
              'data-testid': 'settings-use-own-key',
              onclick: () => void switchDemo(false),
            },
            'Use my own key',
          ),
        )
      : view.demo_available
        ? h(
            'div',
            { class: 'demo-note', 'data-testid': 'settings-demo-return' },
            h('p', {}, 'You left the demo. Its videos wait in your history, made for the demo service.'),
            h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                'data-testid': 'settings-back-to-demo',
                onclick: () => void switchDemo(true),
              },
              'Back to the demo',
            ),
          )
        : null;
    if (view.demo) void showDemoBalance(leaveDemo);
    const testLine = h(
      'p',
      { 'data-testid': 'settings-key-test', role: 'status' },
      key.last_test ? keyCheckMessage(key.last_test) : '',
    );
    const saveKey: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        'data-testid': 'settings-key-save',
        onclick: async () => {
          try {
            const s = await ipc.keySet(keyInput.value);
            keyInput.value = '';
            deps.onKeyChanged(s);
            await render(view, s, null);
            status.textContent = 'Key saved in the system keychain.';
          } catch (error) {
            const e = ipc.IpcError.from(error);
            status.textContent = e.message;
            if (e.code !== 'keychain_unavailable') return;
            askInline(saveKey, {
              question: 'Keep the key for this session only?',
              detail: 'It stays in memory until Seedance Studio quits and is never written to disk.',
              confirmLabel: 'Keep for this session',
              cancelLabel: 'Don’t keep it',
              testId: 'confirm-session-key',
              focus: 'confirm',
              tone: 'primary',
              onConfirm: async () => {
                try {
                  const s = await ipc.keySetSessionOnly(keyInput.value);
                  keyInput.value = '';
                  deps.onKeyChanged(s);
                  await render(view, s, null);
                  status.textContent = 'Key kept for this session only.';
                } catch (failure) {
                  status.textContent = ipc.IpcError.from(failure).message;
                }
              },
            });
          }
        },
      },
      'Save key',
    );
    const removeKey: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': 'settings-key-remove',
        disabled: !key.present,
        onclick: () =>
          askInline(removeKey, {
            question: 'Remove the API key from this computer?',
            detail: 'Generations stop until a key is saved again.',
            confirmLabel: 'Yes, remove',
            testId: 'confirm-remove-key',
            onConfirm: async () => {
              try {
                const s = await ipc.keyClear();
                deps.onKeyChanged(s);
                await render(view, s, null);
              } catch (error) {
                status.textContent = ipc.IpcError.from(error).message;
              }
            },
          }),
      },
      'Remove key',
    );
    const keySection = h(
      'fieldset',
      {},
      h('legend', {}, view.demo ? 'API key · Demo' : 'API key'),
      keyLine,
      engineKeyNote(view.base_url_is_loopback, async () => {
        try {
          const s = await ipc.keyUseDemo();
          deps.onKeyChanged(s);
          await render(view, s, null);
        } catch (error) {
          status.textContent = ipc.IpcError.from(error).message;
        }
      }),
      leaveDemo,
      view.demo ? null : field('New key', keyInput),
      h(
        'div',
        { class: view.demo ? 'row hidden' : 'row key-buttons' },
        saveKey,
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'settings-key-test-button',
            disabled: !key.present,
            onclick: async () => {
              testLine.textContent = 'Checking…';
              try {
                testLine.textContent = keyCheckMessage(await ipc.keyTest());
              } catch (error) {
                testLine.textContent = ipc.IpcError.from(error).message;
              }
            },
          },
          'Test key',
        ),
        removeKey,
      ),
      testLine,
    );

    const baseUrl = h('input', {
      type: 'url',
      'data-testid': 'settings-base-url',
      value: p.base_url ?? '',
      placeholder: 'https://seedance2-pro.com/api/v1',
      disabled: view.base_url_source === 'env',
    });
    const libraryLine = h('input', {
      type: 'text',
      readonly: true,
      value: view.effective_library_dir,
      'data-testid': 'settings-library',
    });
    const daily = h('input', {
      type: 'number',
      min: 0,
      step: 1,
      'data-testid': 'settings-daily-cap',
      value: p.daily_cap_credits ?? '',
      placeholder: 'No limit',
    });
    const monthly = h('input', {
      type: 'number',
      min: 0,
      step: 1,
      'data-testid': 'settings-monthly-cap',
      value: p.monthly_cap_credits ?? '',
      placeholder: 'No limit',
    });
    const notify = h('input', {
      type: 'checkbox',
      id: uid('notify'),
      checked: p.notifications,
      'data-testid': 'settings-notifications',
    });
    const theme = h(
      'select',
      { 'data-testid': 'settings-theme' },
      h('option', { value: 'system' }, 'Follow the system'),
      h('option', { value: 'dark' }, 'Dark'),
      h('option', { value: 'light' }, 'Light'),
    );
    theme.value = p.theme;

    const chooseLibrary = h(
      'button',
      {
        type: 'button',
        'data-testid': 'settings-library-choose',
        disabled: view.library_dir_from_env,
        onclick: async () => {
          try {
            const v = await ipc.settingsPickLibraryDir();
            deps.onSaved(v);
            await render(v, key, null);
          } catch (error) {
            status.textContent = ipc.IpcError.from(error).message;
          }
        },
      },
      'Choose folder…',
    );

    const collect = (): Preferences => ({
      base_url: baseUrl.value.trim() || null,
      library_dir: p.library_dir,
      daily_cap_credits: numberOrNull(daily.value),
      monthly_cap_credits: numberOrNull(monthly.value),
      notifications: notify.checked,
      theme: theme.value as Theme,
    });

    body.append(
      keySection,
      h(
        'fieldset',
        {},
        h('legend', {}, view.demo ? 'Service · Demo' : 'Service'),
        field(
          'API address',
          baseUrl,
          view.demo
            ? `Demo service on this computer (${view.effective_base_url}): pretend credits, made-up videos.`
            : view.base_url_source === 'env'
              ? `Set by SEEDANCE_API_BASE: ${view.effective_base_url}`
              : `In use: ${view.effective_base_url}`,
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Library'),
        field(
          'Library folder',
          libraryLine,
          view.library_dir_from_env
            ? 'Set by SEEDANCE_LIBRARY_DIR.'
            : 'Finished videos and their last frames are saved here.',
        ),
        chooseLibrary,
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Spending caps (credits)'),
        h('div', { class: 'row' }, field('Per day', daily), field('Per month', monthly)),
        h('div', { class: 'hint' }, 'A generation that would pass a cap is not sent.'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Appearance and notifications'),
        h(
          'label',
          { class: 'check', for: notify.id },
          notify,
          'Notify me when a video finishes or fails while the app is in the background',
        ),
        field('Theme', theme),
      ),
      h(
        'div',
        { class: 'buttons' },
        status,
        h(
          'button',
          { type: 'button', class: 'ghost', 'data-testid': 'settings-close', onclick: () => el.close() },
          'Close',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-testid': 'settings-save',
            onclick: async () => {
              try {
                const v = await ipc.settingsSet(collect());
                deps.onSaved(v);
                // After the re-render, which clears the status line.
                await render(v, key, null);
                status.textContent = 'Settings saved.';
              } catch (error) {
                status.textContent = ipc.IpcError.from(error).message;
              }
            },
          },
          'Save settings',
        ),
      ),
    );
    if (focus === 'key') keyInput.focus();
    // The folder is set by the environment: the line that says so gets the focus.
    if (focus === 'library') (view.library_dir_from_env ? libraryLine : chooseLibrary).focus();
  }

  /** The demo's pretend balance, read from the demo service when the dialog is drawn. */
  async function showDemoBalance(note: HTMLElement | null) {
    const line = note?.querySelector('[data-testid="settings-demo-balance"]');
    if (!line) return;
    try {
      const balance = await ipc.demoBalance();
      line.textContent =
        balance === null
          ? 'Pretend balance: the demo service did not say.'
          : `Pretend balance: ${grouped(Math.round(balance))} credits (nothing is charged).`;
    } catch (error) {
      line.textContent = ipc.IpcError.from(error).message;
    }
  }

  /** Leaves the demo for the creator's own key (`useDemo` false) or comes back to it. */
  async function switchDemo(useDemo: boolean) {
    try {
      const view = await ipc.demoSwitch(useDemo);
      const key = await ipc.keyStatus();
      deps.onSaved(view);
      deps.onKeyChanged(key);
      await render(view, key, !useDemo && !key.present ? 'key' : null);
      status.textContent = useDemo
        ? 'Back in the demo: pretend credits, made-up videos.'
        : key.present
          ? `You left the demo. Your key ending in …${key.last_four ?? ''} is in use.`
          : 'You left the demo. Paste your own API key to start.';
    } catch (error) {
      status.textContent = ipc.IpcError.from(error).message;
    }
  }

  async function open(section?: 'key' | 'library') {
    // Busy until drawn afresh: what shows before is the last opening's content.
    el.setAttribute('aria-busy', 'true');
    try {
      const [view, key] = await Promise.all([ipc.settingsGet(), ipc.keyStatus()]);
      if (!el.open) el.showModal();
      await render(view, key, section ?? null);
    } finally {
      el.removeAttribute('aria-busy');
    }
    // Each opening starts at the top (the title, the key), not where Save was last pressed.
    if (!section) el.scrollTop = 0;
  }

  return {
    el,
    open,
    async chooseLibrary() {
      const view = await ipc.settingsGet();
      if (view.library_dir_from_env) {
        await open('library');
        return;
      }
      deps.onSaved(await ipc.settingsPickLibraryDir());
    },
  };
}
