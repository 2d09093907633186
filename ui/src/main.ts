// Boots the UI: loads the catalog, settings and key status, shows onboarding until a key
// is saved, then the studio (compose on the left; tasks and the gallery on the right),
// and routes engine events, drops and failure-card actions between the views.

import type { EngineKeyState } from './bindings/EngineKeyState';
import type { GalleryPage } from './bindings/GalleryPage';
import type { Kind } from './bindings/Kind';
import type { KeyStatus } from './bindings/KeyStatus';
import type { SettingsView } from './bindings/SettingsView';
import type { TaskView } from './bindings/TaskView';
import { spendingSettled } from './compose-model';
import { clear, h } from './dom';
import type { Intent } from './guidance';
import * as ipc from './ipc';
import { createTaskNotes } from './task-notes';
import { createClosing } from './views/closing';
import { createTaskStore } from './task-store';
import { createCompose, type ComposeView } from './views/compose';
import { createGallery, firstPageQuery } from './views/gallery';
import { createKeyBanner, keyNeedsAttention } from './views/key-state';
import { LOGO } from './views/logo';
import { createOnboarding } from './views/onboarding';
import { createPromptLibrary } from './views/prompt-library';
import { createSequences } from './views/sequence';
import { createSettings } from './views/settings';
import { createSpend } from './views/spend';
import { createTasks } from './views/tasks';
import { createUnknownDialog } from './views/unknown';

// Before anything is laid out: the font rule for Linux (see styles.css, `os-linux`).
if (/\bLinux\b/.test(navigator.userAgent) && !/\bAndroid\b/.test(navigator.userAgent)) {
  document.documentElement.classList.add('os-linux');
}

const root = document.getElementById('app') as HTMLElement;

function applyTheme(view: SettingsView) {
  const theme = view.preferences.theme;
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

const toastEl = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'toast' });
let toastTimer: ReturnType<typeof setTimeout> | null = null;
function toast(message: string) {
  toastEl.textContent = message;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastEl.textContent = '';
  }, 5000);
}

function keyChip(
  status: KeyStatus,
  onClick: () => void,
  engineKey: EngineKeyState | null = null,
  demo = false,
): HTMLElement {
  if (demo && status.present) {
    // The demo's key is made up and its credits pretend: the chip says so, not "Key …".
    return h(
      'button',
      {
        type: 'button',
        class: 'chip demo',
        'data-testid': 'key-chip',
        'data-demo': 'true',
        onclick: onClick,
        'aria-label': 'Demo: local demo service, pretend credits. Open settings',
      },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      'Demo · pretend credits',
    );
  }
  const ok = status.present && status.last_test?.result !== 'invalid' && !keyNeedsAttention(engineKey);
  return h(
    'button',
    {
      type: 'button',
      class: `chip ${ok ? 'ok' : 'bad'}`,
      'data-testid': 'key-chip',
      'data-key-state': engineKey?.state ?? null,
      onclick: onClick,
      'aria-label': status.present
        ? `API key ending in ${status.last_four ?? ''}, ${status.store}. Open key settings`
        : 'No API key. Open key settings',
    },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    status.present ? `Key …${status.last_four ?? ''} · ${status.store}` : 'No key',
  );
}

// Start-up is on the clock (docs/benchmarks.md (b)): every call the first screen needs goes
// out at once, the studio reuses the key status it already has, and the performance marks
// let `bench/app-bench.mjs --trace` show where the time goes.
/** A dismissible banner of start-up notices, or null when there is none. */
function startupNotices(messages: string[]): HTMLElement | null {
  if (messages.length === 0) return null;
  const banner: HTMLElement = h(
    'div',
    { class: 'notices', role: 'alert', 'data-testid': 'startup-notices' },
    ...messages.map((m) => h('p', { 'data-testid': 'startup-notice' }, m)),
    h(
      'button',
      { type: 'button', class: 'ghost', 'data-testid': 'dismiss-notices', onclick: () => banner.remove() },
      'Dismiss',
    ),
  );
  return banner;
}

/** What the compose panel reports to, set once the studio around it exists. */
const composeHooks: { onSubmitted(taskId: number): void; onError(error: ipc.IpcError): void } = {
  onSubmitted: () => undefined,
  onError: (error) => toast(error.message),
};

async function boot() {
  performance.mark('boot-start');
  const firstPage = ipc.galleryList(firstPageQuery());
  // Read (and any error shown) by the gallery; onboarding never reads it.
  firstPage.catch(() => undefined);
  const catalogCall = ipc.catalog();
  // The compose panel needs only the catalog: it is built as soon as that arrives, in the
  // wait for the other answers (which come back together; docs/benchmarks.md, "Figures
  // behind the code's comments"), and shown with the rest of the studio (after onboarding
  // when there is no key yet).
  const composeBuilt = catalogCall.then((catalog) =>
    createCompose({
      catalog,
      onSubmitted: (id) => composeHooks.onSubmitted(id),
      onError: (error) => composeHooks.onError(error),
    }),
  );
  composeBuilt.catch(() => undefined);
  const [catalog, settings, key] = await Promise.all([catalogCall, ipc.settingsGet(), ipc.keyStatus()]);
  performance.mark('boot-ipc');
  applyTheme(settings);
  // What start-up had to do about unreadable files, said once above whatever shows.
  const notices = startupNotices(settings.notices);
  // The demo needs no key: its first screen is the studio, on the demo's made-up key.
  let status = key;
  if (!status.present && settings.demo && settings.base_url_is_loopback) {
    status = await ipc.keyUseDemo().catch(() => key);
  }
  if (!status.present) {
    clear(root);
    if (notices) root.appendChild(notices);
    root.appendChild(createOnboarding(settings, () => void studio()));
    root.appendChild(toastEl);
    return;
  }
  await studio(status, firstPage);

  async function studio(known?: KeyStatus, firstGalleryPage?: Promise<GalleryPage>) {
    const status = known ?? (await ipc.keyStatus());
    // Awaited before any other view is made: from here to the end of the first render the
    // studio is built in one go, so the gallery renders its first page already in place.
    const compose = await composeBuilt;
    performance.mark('studio-key');
    clear(root);
    const onError = (error: ipc.IpcError) => {
      if (error.code === 'missing_key') void settingsDialog.open('key');
      toast(error.message);
    };
    // Whether the app runs as the demo now: Settings can leave it and come back.
    let inDemo = settings.demo;
    const settingsDialog = createSettings({
      onSaved: (view) => {
        applyTheme(view);
        inDemo = view.demo;
        chipSlot.replaceChildren(keyChip(keyStatus, openKey, engineKey, inDemo));
        compose.settingsChanged();
        gallery.reload();
      },
      onKeyChanged: (s) => {
        keyStatus = s;
        chipSlot.replaceChildren(keyChip(s, openKey, engineKey, inDemo));
      },
    });
    const openKey = () => void settingsDialog.open('key');
    let keyStatus = status;
    let engineKey: EngineKeyState | null = null;
    const chipSlot = h('div', {}, keyChip(status, openKey, null, inDemo));
    const keyBanner = createKeyBanner({
      onNewKey: openKey,
      onUseDemo: settings.base_url_is_loopback
        ? () =>
            void ipc.keyUseDemo().then(
              (s) => {
                keyStatus = s;
                chipSlot.replaceChildren(keyChip(s, openKey, engineKey, inDemo));
              },
              (e) => onError(ipc.IpcError.from(e)),
            )
        : null,
    });
    const closing = createClosing({ onError: (e) => onError(e) });
    const showEngineKey = (key: EngineKeyState) => {
      engineKey = key;
      keyBanner.set(key);
      chipSlot.replaceChildren(keyChip(keyStatus, openKey, key, inDemo));
    };
    const logo = h('span', { 'aria-hidden': 'true', class: 'brand-logo' });
    logo.innerHTML = LOGO;

    composeHooks.onSubmitted = () => {
      toast('Queued. It shows under In progress and in your library.');
      void tasks.refresh();
    };
    composeHooks.onError = onError;
    const unknown = createUnknownDialog({
      onResolved: () => {
        void tasks.refresh();
        gallery.reload();
      },
      onError,
    });

    const loadDraft = async (
      work: () => Promise<import('./bindings/Draft').Draft>,
      then?: (c: ComposeView) => void,
    ) => {
      try {
        compose.setDraft(await work());
        then?.(compose);
      } catch (error) {
        onError(ipc.IpcError.from(error));
      }
    };

    const retrying = new Set<number>();
    const handleIntent = (task: TaskView, intent: Intent, context: { kind: Kind | null; index: number | null }) => {
      switch (intent) {
        case 'retry':
        case 'check_connection':
        case 'wait_for_slot':
          // One retry call per task at a time; the engine answers a second one with the
          // retry it already made, and sends nothing.
          if (retrying.has(task.id)) break;
          retrying.add(task.id);
          void ipc
            .tasksRetry(task.id)
            .then(
              (retry) => {
                notes.noteTasks(retry);
                toast(task.retried_as === retry.id ? `Already retried as #${retry.id}.` : 'Sent again.');
                void tasks.refresh();
              },
              (e) => onError(ipc.IpcError.from(e)),
            )
            .finally(() => retrying.delete(task.id));
          break;
        case 'edit_prompt':
        case 'fix_input':
          void loadDraft(
            () => ipc.galleryRemix(task.id),
            (c) => c.focusPrompt(),
          );
          break;
        case 'replace_reference':
          void loadDraft(
            () => ipc.galleryRemix(task.id),
            (c) => void c.replaceReference(context.kind, context.index),
          );
          break;
        case 'trim_media':
          void loadDraft(
            () => ipc.galleryRemix(task.id),
            (c) => c.focusReferences(),
          );
          toast('Shorten the media in an editor, then replace it here.');
          break;
        case 'add_credits':
          void ipc.accountAddCredits().then(
            () => toast('Your Seedance account opened in the browser: add credits there, then generate again.'),
            (e) => onError(ipc.IpcError.from(e)),
          );
          break;
        case 'fix_key':
          openKey();
          break;
        case 'review_unknown':
          unknown.open(task);
          break;
        case 'contact_support':
          void navigator.clipboard
            ?.writeText(`${task.guidance?.title ?? ''}\n${task.guidance?.detail ?? ''}`)
            .then(() => toast('Details copied.'));
          break;
        default:
          break;
      }
    };

    const notes = createTaskNotes();
    const store = createTaskStore();
    const chooseLibrary = () => void settingsDialog.chooseLibrary().catch((e) => onError(ipc.IpcError.from(e)));
    const tasks = createTasks({
      states: catalog.states,
      onIntent: handleIntent,
      onReviewUnknown: (t) => unknown.open(t),
      onError,
      notes,
      onOpenTask: (id) => void gallery.open(id),
      onChooseLibrary: chooseLibrary,
      store,
    });
    const gallery = createGallery({
      states: catalog.states,
      onRemix: (id) =>
        void loadDraft(
          () => ipc.galleryRemix(id),
          (c) => c.focusPrompt(),
        ),
      onContinue: (id) =>
        void loadDraft(
          () => ipc.galleryContinue(id),
          (c) => c.focusPrompt(),
        ),
      onIntent: handleIntent,
      onError,
      toast,
      notes,
      onChooseLibrary: chooseLibrary,
      firstPage: firstGalleryPage,
      store,
    });

    const promptLibrary = createPromptLibrary({
      promptField: () => root.querySelector<HTMLTextAreaElement>('[data-testid="prompt"]'),
      toast,
    });
    const spend = createSpend();
    const sequences = createSequences({ catalog, toast });
    document.addEventListener('keydown', (event) => {
      if (event.key.toLowerCase() === 'q' && event.shiftKey && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void sequences.open();
      }
    });
    document.addEventListener('keydown', (event) => {
      if (event.key.toLowerCase() === 'p' && event.shiftKey && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void promptLibrary.open();
      }
    });

    if (notices) root.appendChild(notices);
    root.append(
      closing.el,
      keyBanner.el,
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand' }, logo, h('h1', { style: 'font-size:15px' }, 'Seedance Studio')),
        h('div', { class: 'spacer' }),
        chipSlot,
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-testid': 'open-prompt-library',
            title: 'Prompt library (Ctrl+Shift+P)',
            onclick: () => void promptLibrary.open(),
          },
          'Prompts',
        ),
        h(
          'button',
          { type: 'button', class: 'ghost', 'data-testid': 'open-spend', onclick: () => void spend.open() },
          'Spending',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-testid': 'open-sequences',
            title: 'Sequences (Ctrl+Shift+Q)',
            onclick: () => void sequences.open(),
          },
          'Sequences',
        ),
        h(
          'button',
          { type: 'button', class: 'ghost', 'data-testid': 'open-settings', onclick: () => void settingsDialog.open() },
          'Settings',
        ),
      ),
      h('div', { class: 'layout' }, compose.el, h('div', { class: 'work' }, tasks.el, gallery.el)),
      settingsDialog.el,
      promptLibrary.el,
      spend.el,
      sequences.el,
      unknown.el,
      toastEl,
    );
    performance.mark('studio-built');

    // Both listeners are registered together; the task list is read once they are, so no
    // change falls between the read and the first event.
    await Promise.all([
      ipc.onAppEvent((event) => {
        switch (event.type) {
          case 'task_changed':
            // One record for the row, the card and the details: each renders from it.
            tasks.changed(event.task);
            sequences.taskChanged(event.task);
            if (spendingSettled(catalog.states, event.task.state)) compose.spendingChanged();
            break;
          case 'upload_progress':
            tasks.upload(event.task_id, event.reference, event.sent, event.total);
            break;
          case 'polling_paused':
            // The banner says it where it stays; a toast only for other reasons.
            if (!keyNeedsAttention(engineKey)) toast(event.reason);
            break;
          case 'close_asked':
          case 'closing':
          case 'finishing_sends':
            closing.handle(event);
            break;
          case 'key_state_changed':
            showEngineKey(event.key);
            void tasks.refresh();
            break;
          case 'download_failed':
            notes.downloadFailed(event.task_id, { message: event.message, libraryFolder: event.library_folder });
            break;
          default:
            break;
        }
      }),
      ipc
        .onFileDrop(async (drop) => {
          compose.setDropping(drop.type === 'over');
          if (drop.type !== 'drop' || drop.paths.length === 0) return;
          try {
            compose.addInspected(await ipc.referencesAddPaths(drop.paths));
          } catch (error) {
            onError(ipc.IpcError.from(error));
          }
        })
        .catch(() => undefined),
    ]);
    performance.mark('studio-listening');
    // The key state may have changed before the listener was there.
    void ipc.engineStatus().then(
      (engine) => showEngineKey(engine.key),
      () => undefined,
    );
    await tasks.refresh();
    performance.mark('studio-tasks');
    compose.focusPrompt();
  }
}

boot().catch((error) => {
  clear(root);
  root.appendChild(
    h('p', { class: 'boot', role: 'alert' }, `Seedance Studio could not start: ${ipc.IpcError.from(error).message}`),
  );
});
