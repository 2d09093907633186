// The key as the engine sees it, where it stays visible: a banner above the studio while
// the service refuses the key (or the keychain cannot be read), with the way out (a new
// key in Settings, or the demo), and the key chip's warning. A toast would be gone before
// the creator wonders why nothing moves. The state comes from the engine
// (`engine_status` at start, then `key_state_changed` events).

import type { EngineKeyState } from '../bindings/EngineKeyState';
import { h } from '../dom';
import * as ipc from '../ipc';

export interface KeyBanner {
  el: HTMLElement;
  /** Shows or hides the banner for the engine's key state. */
  set(state: EngineKeyState): void;
}

/** Whether the chip should warn: the engine cannot use the key it has. */
export function keyNeedsAttention(state: EngineKeyState | null): boolean {
  return state?.state === 'rejected' || state?.state === 'unreadable';
}

export function createKeyBanner(deps: {
  onNewKey(): void;
  /** Set when the API address is this computer: the demo key works there. */
  onUseDemo: (() => void) | null;
}): KeyBanner {
  // The slot stays in place; the banner is in it only while the key needs attention.
  const el = h('div', { 'data-testid': 'key-banner-slot' });
  return {
    el,
    set(state) {
      el.dataset.state = state.state;
      if (state.state !== 'rejected' && state.state !== 'unreadable') {
        el.replaceChildren();
        return;
      }
      const banner = h('div', { class: 'notices key-banner', role: 'alert', 'data-testid': 'key-banner' });
      const title =
        state.state === 'rejected'
          ? 'The service refused your API key.'
          : 'Your API key cannot be read from the keychain right now.';
      const next =
        state.state === 'rejected'
          ? 'Nothing is sent or checked until a working key is saved; your tasks wait and go on afterwards.'
          : 'Your tasks wait and go on by themselves once the keychain answers (unlock it if it asks).';
      banner.replaceChildren(
        h('p', { 'data-testid': 'key-banner-title' }, h('strong', {}, title), ' ', next),
        h('p', { class: 'hint', 'data-testid': 'key-banner-detail' }, state.message),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            { type: 'button', class: 'primary', 'data-testid': 'key-banner-new-key', onclick: () => deps.onNewKey() },
            'Enter a new key',
          ),
          deps.onUseDemo
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'ghost',
                  'data-testid': 'key-banner-demo',
                  onclick: () => deps.onUseDemo?.(),
                },
                'Use the demo instead',
              )
            : h(
                'span',
                { class: 'hint' },
                'Or try the demo: start Seedance Studio with SEEDANCE_DEMO=1 (no key, no credits).',
              ),
        ),
      );
      el.replaceChildren(banner);
    },
  };
}

/**
 * Settings' line about the key as the engine sees it: where a refused key is said again
 * next to the field for a new one, with the way back to the demo. Fills itself from
 * `engine_status`; empty while the key works.
 */
export function engineKeyNote(demoAvailable: boolean, onUseDemo: () => void): HTMLElement {
  const note = h('div', { 'data-testid': 'settings-key-engine' });
  void ipc.engineStatus().then(
    (engine) => {
      // An answer without a key state (an older shell) says nothing.
      const key = engine?.key;
      if (key?.state !== 'rejected' && key?.state !== 'unreadable') return;
      note.replaceChildren(
        h(
          'p',
          { class: 'warning' },
          key.state === 'rejected'
            ? 'The service refused this key. Paste a new one above; your tasks wait and go on once it works.'
            : 'The keychain cannot be read right now; your tasks wait until it can (unlock it if it asks).',
        ),
        demoAvailable
          ? h(
              'button',
              { type: 'button', class: 'ghost', 'data-testid': 'settings-key-demo', onclick: onUseDemo },
              'Use the demo instead',
            )
          : h(
              'p',
              { class: 'hint' },
              'Or try the demo: start Seedance Studio with SEEDANCE_DEMO=1 (no key, no credits).',
            ),
      );
    },
    () => undefined,
  );
  return note;
}
