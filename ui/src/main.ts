// Boots the UI: loads the catalog, settings and key status, shows onboarding until a key
// is saved, then the studio (compose on the left; tasks and the gallery on the right),
// and routes engine events, drops and failure-card actions between the views.

import type { GalleryPage } from './bindings/GalleryPage';
import type { Kind } from './bindings/Kind';
import type { KeyStatus } from './bindings/KeyStatus';
import type { SettingsView } from './bindings/SettingsView';
import type { TaskView } from './bindings/TaskView';
import { clear, h } from './dom';
import type { Intent } from './guidance';
import * as ipc from './ipc';
import { createTaskNotes } from './task-notes';
import { createCompose, type ComposeView } from './views/compose';
import { createGallery, firstPageQuery } from './views/gallery';
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

function keyChip(status: KeyStatus, onClick: () => void): HTMLElement {
  const ok = status.present && status.last_test?.result !== 'invalid';
  return h(
    'button',
    {
      type: 'button',
      class: `chip ${ok ? 'ok' : 'bad'}`,
      'data-testid': 'key-chip',
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
  if (!key.present) {
    clear(root);
    if (notices) root.appendChild(notices);
    root.appendChild(createOnboarding(settings, () => void studio()));
    root.appendChild(toastEl);
    return;
  }
  await studio(key, firstPage);

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
    const settingsDialog = createSettings({
      onSaved: (view) => {
        applyTheme(view);
        gallery.reload();
      },
      onKeyChanged: (s) => {
        chipSlot.replaceChildren(keyChip(s, openKey));
      },
    });
    const openKey = () => void settingsDialog.open('key');
    const chipSlot = h('div', {}, keyChip(status, openKey));
    const logo = h('span', { 'aria-hidden': 'true', class: 'brand-logo' });
    logo.innerHTML = LOGO;

    composeHooks.onSubmitted = () => {
      toast('Queued. It will appear below as it progresses.');
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

    const handleIntent = (task: TaskView, intent: Intent, context: { kind: Kind | null; index: number | null }) => {
      switch (intent) {
        case 'retry':
        case 'check_connection':
        case 'wait_for_slot':
          void ipc.tasksRetry(task.id).then(
            (retry) => {
              notes.noteTasks(retry);
              toast('Sent again.');
              void tasks.refresh();
            },
            (e) => onError(ipc.IpcError.from(e)),
          );
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
    const chooseLibrary = () => void settingsDialog.chooseLibrary().catch((e) => onError(ipc.IpcError.from(e)));
    const tasks = createTasks({
      states: catalog.states,
      onIntent: handleIntent,
      onReviewUnknown: (t) => unknown.open(t),
      onError,
      notes,
      onOpenTask: (id) => void gallery.open(id),
      onChooseLibrary: chooseLibrary,
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
            tasks.changed(event.task);
            sequences.taskChanged(event.task);
            // A poster or a failure to show: the gallery's cards change.
            if (catalog.states.finished.includes(event.task.state) || catalog.states.settled.includes(event.task.state))
              gallery.reload();
            break;
          case 'upload_progress':
            tasks.upload(event.task_id, event.reference, event.sent, event.total);
            break;
          case 'polling_paused':
            toast(event.reason);
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
