// First run: paste the API key (saved in the OS keychain, or for this session only when
// there is no keychain), test it, or try the demo when the API address is this computer.

import type { KeyStatus } from '../bindings/KeyStatus';
import type { SettingsView } from '../bindings/SettingsView';
import { h } from '../dom';
import { keyCheckMessage } from '../format';
import * as ipc from '../ipc';
import { LOGO } from './logo';

export function createOnboarding(settings: SettingsView, done: (status: KeyStatus) => void): HTMLElement {
  const input = h('input', {
    type: 'password',
    id: 'onboarding-key',
    autocomplete: 'off',
    'data-testid': 'onboarding-key',
    placeholder: 'Paste your Seedance API key',
  });
  const message = h('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'onboarding-message' });
  const sessionOnly = h(
    'button',
    { type: 'button', hidden: true, 'data-testid': 'onboarding-session-only' },
    'Keep it for this session only',
  );
  const save = h('button', { type: 'button', class: 'primary', 'data-testid': 'onboarding-save' }, 'Save and test key');

  async function saved(status: KeyStatus) {
    message.textContent = 'Checking the key with the service…';
    try {
      const check = await ipc.keyTest();
      message.textContent = keyCheckMessage(check);
      if (check.result === 'invalid' || check.result === 'no_api_access') return;
    } catch (error) {
      message.textContent = ipc.IpcError.from(error).message;
    }
    done(status);
  }

  save.addEventListener('click', async () => {
    sessionOnly.hidden = true;
    try {
      await saved(await ipc.keySet(input.value));
    } catch (error) {
      const e = ipc.IpcError.from(error);
      message.textContent = e.message;
      if (e.code === 'keychain_unavailable') sessionOnly.hidden = false;
    }
  });
  sessionOnly.addEventListener('click', async () => {
    try {
      await saved(await ipc.keySetSessionOnly(input.value));
    } catch (error) {
      message.textContent = ipc.IpcError.from(error).message;
    }
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') save.click();
  });

  const demo = settings.base_url_is_loopback
    ? [
        h('div', { class: 'or' }, 'or'),
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'onboarding-demo',
            style: 'width:100%',
            onclick: async () => {
              try {
                done(await ipc.keyUseDemo());
              } catch (error) {
                message.textContent = ipc.IpcError.from(error).message;
              }
            },
          },
          'Try the demo (local demo service, no key, no credits)',
        ),
      ]
    : [];

  const logo = h('div', { 'aria-hidden': 'true' });
  logo.innerHTML = LOGO;
  return h(
    'main',
    { class: 'onboarding', 'aria-labelledby': 'onboarding-title', 'data-testid': 'onboarding' },
    logo,
    h('h1', { id: 'onboarding-title' }, 'Welcome to Seedance Studio'),
    h(
      'p',
      {},
      'Paste the API key from your Seedance account. It is kept in your system keychain and only ever sent to the Seedance service.',
    ),
    h('div', { class: 'field' }, h('label', { for: input.id }, 'API key'), input),
    h('div', { class: 'row' }, save),
    sessionOnly,
    message,
    ...demo,
  );
}
