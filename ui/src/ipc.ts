// The only module that talks to Tauri. Every command is a typed function here; a
// rejection always becomes an `IpcError` with a stable `code` the views branch on (they
// never parse message strings). Nothing here can read the API key: no command returns it.

import { invoke, convertFileSrc } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { AppEvent } from './bindings/AppEvent';
import type { Catalog } from './bindings/Catalog';
import type { ComposeCheck } from './bindings/ComposeCheck';
import type { Draft } from './bindings/Draft';
import type { ErrorCode } from './bindings/ErrorCode';
import type { GalleryPage } from './bindings/GalleryPage';
import type { GalleryQuery } from './bindings/GalleryQuery';
import type { InspectedReference } from './bindings/InspectedReference';
import type { KeyCheck } from './bindings/KeyCheck';
import type { KeyStatus } from './bindings/KeyStatus';
import type { Preferences } from './bindings/Preferences';
import type { SettingsView } from './bindings/SettingsView';
import type { TaskView } from './bindings/TaskView';
import type { UnknownSubmissionChoice } from './bindings/UnknownSubmissionChoice';

/** Every code the shell rejects with; typed so a code added there must be added here. */
const KNOWN_CODES: Record<ErrorCode, true> = {
  keychain_unavailable: true, keychain_locked: true, keychain_failed: true, invalid_key: true, missing_key: true,
  invalid_input: true, not_found: true, not_allowed: true, storage: true, internal: true,
};

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(KNOWN_CODES, code);

/** A command's rejection. `code` is `'unknown'` when the shell sent something this UI does not know. */
export class IpcError extends Error {
  readonly code: ErrorCode | 'unknown';

  constructor(code: ErrorCode | 'unknown', message: string) {
    super(message);
    this.name = 'IpcError';
    this.code = code;
  }

  static from(raw: unknown): IpcError {
    if (raw instanceof IpcError) return raw;
    if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
      return new IpcError(isErrorCode(raw.code) ? raw.code : 'unknown', String(raw.message));
    }
    const text = raw instanceof Error ? raw.message : typeof raw === 'string' ? raw : 'Something went wrong.';
    return new IpcError('unknown', text);
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw IpcError.from(raw);
  }
}

// key -------------------------------------------------------------------------------
export const keyStatus = () => call<KeyStatus>('key_status');
/** Saves the key in the OS keychain. Rejects with `keychain_unavailable` when there is none. */
export const keySet = (key: string) => call<KeyStatus>('key_set', { key });
/** Keeps the key in memory until the app quits. */
export const keySetSessionOnly = (key: string) => call<KeyStatus>('key_set_session_only', { key });
export const keyClear = () => call<KeyStatus>('key_clear');
export const keyTest = () => call<KeyCheck>('key_test');
/** Only allowed while the API address points at this computer (the fake service). */
export const keyUseDemo = () => call<KeyStatus>('key_use_demo');

// settings ----------------------------------------------------------------------------
export const settingsGet = () => call<SettingsView>('settings_get');
export const settingsSet = (preferences: Preferences) => call<SettingsView>('settings_set', { preferences });
/** Opens a folder picker; resolves to the unchanged settings when cancelled. */
export const settingsPickLibraryDir = () => call<SettingsView>('settings_pick_library_dir');

// compose and tasks ---------------------------------------------------------------------
export const catalog = () => call<Catalog>('catalog');
export const composeCheck = (draft: Draft) => call<ComposeCheck>('compose_check', { draft });
export const tasksSubmit = (draft: Draft) => call<TaskView>('tasks_submit', { draft });
export const tasksInFlight = () => call<TaskView[]>('tasks_in_flight');
export const taskGet = (id: number) => call<TaskView>('task_get', { id });
export const tasksRetry = (id: number, confirmMayChargeTwice = false) =>
  call<TaskView>('tasks_retry', { id, confirmMayChargeTwice });
export const tasksCancel = (id: number) => call<void>('tasks_cancel', { id });
/**
 * Tries again to put a finished video in the library after a `download_failed` event;
 * the outcome arrives as events. `not_allowed` when the task is not waiting for its files.
 */
export const tasksDownloadAgain = (id: number) => call<void>('tasks_download_again', { id });
export const tasksResolveUnknown = (id: number, choice: UnknownSubmissionChoice) =>
  call<TaskView | null>('tasks_resolve_unknown', { id, choice });

// references ----------------------------------------------------------------------------
/** The same command serves the file picker, drag and drop and the end-to-end suite. */
export const referencesAddPaths = (paths: string[]) => call<InspectedReference[]>('references_add_paths', { paths });
export const referencesPick = () => call<InspectedReference[]>('references_pick');

// gallery -------------------------------------------------------------------------------
export const galleryList = (query: GalleryQuery) => call<GalleryPage>('gallery_list', { query });
export const galleryReveal = (id: number) => call<void>('gallery_reveal', { id });
/** Resolves to the saved path, or null when the creator cancelled. */
export const gallerySaveAs = (id: number) => call<string | null>('gallery_save_as', { id });
export const galleryOpenUrl = (id: number) => call<void>('gallery_open_url', { id });
export const galleryDelete = (id: number) => call<void>('gallery_delete', { id });
export const galleryRemix = (id: number) => call<Draft>('gallery_remix', { id });
export const galleryContinue = (id: number) => call<Draft>('gallery_continue', { id });

// account -------------------------------------------------------------------------------
/**
 * Opens the service's site in the browser, where credits are added. The shell picks the
 * page from the API address in use; `not_allowed` against the demo service.
 */
export const accountAddCredits = () => call<void>('account_add_credits');

// events and files ------------------------------------------------------------------------
/** Task changes and upload progress from the engine. */
export function onAppEvent(handler: (event: AppEvent) => void): Promise<UnlistenFn> {
  return listen<AppEvent>('app-event', (e) => handler(e.payload));
}

export type DropState = { type: 'over' } | { type: 'drop'; paths: string[] } | { type: 'leave' };

/** Files dragged onto the window: Tauri gives real paths, which go to `referencesAddPaths`. */
export function onFileDrop(handler: (state: DropState) => void): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === 'enter' || p.type === 'over') handler({ type: 'over' });
    else if (p.type === 'drop') handler({ type: 'drop', paths: p.paths });
    else handler({ type: 'leave' });
  });
}

/** A local file as a URL the webview may load (asset protocol, scoped by the shell). */
export const fileUrl = (path: string) => convertFileSrc(path);

/**
 * The gallery's picture of a task: a small JPEG of its last frame, made once by the shell's
 * `thumb:` scheme (src-tauri/src/thumbnails.rs). The full frame is ≈ 8 MB decoded at 1080p.
 */
export const thumbnailUrl = (taskId: number) => convertFileSrc(String(taskId), 'thumb');

/**
 * A library video as a `blob:` URL, for players that cannot stream the asset protocol:
 * WebKitGTK hands `<video src>` to GStreamer, which has no source for custom schemes
 * (tauri#3725), while `fetch` of the same URL works. Reads the whole file into memory,
 * so it is the fallback, not the first choice. Revoke the URL when the player closes.
 */
export async function videoBlobUrl(path: string): Promise<string> {
  const response = await fetch(convertFileSrc(path));
  if (!response.ok) throw new IpcError(response.status === 404 ? 'not_found' : 'storage', `The video file could not be read (${response.status}).`);
  return URL.createObjectURL(await response.blob());
}
