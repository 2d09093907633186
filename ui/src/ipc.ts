// The only way the views reach Rust: every command as a typed function (generated from
// the shell's one list of commands into bindings/commands.ts), the `IpcError` every
// rejection becomes, engine events, dropped files and local file URLs. Nothing here can
// read the API key: no command returns it.

import { convertFileSrc } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { AppEvent } from './bindings/AppEvent';
import { IpcError } from './ipc-call';

export * from './bindings/commands';
export { IpcError };

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
 * `thumb:` scheme (src-tauri/src/thumbnails.rs). The full frame is 1920 × 1080 × 4 bytes decoded.
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
  if (!response.ok)
    throw new IpcError(
      response.status === 404 ? 'not_found' : 'storage',
      `The video file could not be read (${response.status}).`,
    );
  return URL.createObjectURL(await response.blob());
}
