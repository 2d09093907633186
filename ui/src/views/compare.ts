// Two finished videos side by side: both play, pause and seek together (one control for
// both, and either player's own controls move the other), with what differs between
// their requests listed under them (the prompt word by word, then the settings). The
// requests come from the shell (`task_request`); what differs is compare-model's.

import type { Draft } from '../bindings/Draft';
import type { TaskView } from '../bindings/TaskView';
import { markPainted } from '../bench-marks';
import { clock } from '../format';
import { clear, h } from '../dom';
import { takeLabel } from '../gallery-model';
import { followerSeek, promptDiff, requestDifferences } from '../compare-model';
import * as ipc from '../ipc';

export interface CompareDeps {
  onError(error: ipc.IpcError): void;
}

/** The open comparison, so a second one replaces it. */
let current: { close(): void } | null = null;

const nameOf = (task: TaskView, side: string) => takeLabel(task) ?? `Video ${side} (task ${task.id})`;

/**
 * A player for `task`'s file. The asset protocol streams it where the webview can; where
 * it cannot (WebKitGTK hands `<video>` to GStreamer, which has no source for it) the file
 * is played from a blob URL, revoked when the comparison closes.
 */
function player(task: TaskView, side: 'a' | 'b', blobs: string[]): HTMLVideoElement {
  const video = h('video', {
    preload: 'auto',
    controls: true,
    muted: side === 'b',
    src: ipc.fileUrl(task.video_path ?? ''),
    'data-testid': `compare-video-${side}`,
    'aria-label': `${nameOf(task, side.toUpperCase())} player`,
  }) as HTMLVideoElement;
  // One soundtrack at a time: two of the same scene out of step are noise.
  video.muted = side === 'b';
  video.addEventListener(
    'error',
    () => {
      if (video.src.startsWith('blob:') || !task.video_path) return;
      ipc.videoBlobUrl(task.video_path).then(
        (url) => {
          blobs.push(url);
          video.src = url;
        },
        () => {
          /* the player stays empty; the differences still show */
        },
      );
    },
    { once: true },
  );
  return video;
}

/** Opens the comparison of `a` and `b` (both finished videos) over the window. */
export function openCompare(a: TaskView, b: TaskView, deps: CompareDeps): HTMLElement {
  current?.close();
  const returnFocus = document.activeElement as HTMLElement | null;
  const blobs: string[] = [];
  const left = player(a, 'a', blobs);
  const right = player(b, 'b', blobs);
  const videos = [left, right];

  // While one player is being moved to follow the other, its own events are not news.
  let following = false;
  const follow = (leader: HTMLVideoElement, act: (follower: HTMLVideoElement) => void | Promise<void>) => {
    if (following) return;
    following = true;
    const follower = leader === left ? right : left;
    Promise.resolve()
      .then(() => act(follower))
      .catch(() => undefined)
      .finally(() => {
        following = false;
      });
  };
  // Where this view last moved each player. Its `seeked` lands later, as a task of its own,
  // and may land after the viewer has moved the other player: followed, that stale
  // position would drag the viewer's choice back. Only a seek that ends elsewhere (the
  // viewer's own, on this player) leads.
  const movedTo = new Map<HTMLVideoElement, number>();
  const moveTo = (video: HTMLVideoElement, to: number) => {
    movedTo.set(video, to);
    video.currentTime = to;
  };
  const endedOwnMove = (video: HTMLVideoElement) => {
    const to = movedTo.get(video);
    movedTo.delete(video);
    return to !== undefined && Math.abs(video.currentTime - to) < 0.1;
  };
  for (const video of videos) {
    video.addEventListener('play', () => follow(video, (f) => (f.paused ? f.play() : undefined)));
    video.addEventListener('pause', () =>
      follow(video, (f) => {
        if (!f.paused) f.pause();
        moveTo(f, Math.min(video.currentTime, f.duration || video.currentTime));
      }),
    );
    video.addEventListener('seeked', () => {
      if (endedOwnMove(video)) return;
      follow(video, (f) => {
        const to = followerSeek(video.currentTime, f.currentTime, f.duration, 0.05);
        if (to !== null) moveTo(f, to);
      });
    });
    video.addEventListener('timeupdate', () => renderClock());
  }
  // Drift while both play: the left player leads.
  left.addEventListener('timeupdate', () => {
    if (left.paused || following) return;
    const to = followerSeek(left.currentTime, right.currentTime, right.duration);
    if (to !== null) moveTo(right, to);
  });

  const playButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'compare-play', onclick: () => void togglePlay() },
    'Play both',
  );
  const seek = h('input', {
    type: 'range',
    min: 0,
    max: 1000,
    value: 0,
    step: 1,
    'aria-label': 'Position in both videos',
    'data-testid': 'compare-seek',
  }) as HTMLInputElement;
  const time = h('span', { class: 'hint', 'data-testid': 'compare-time', 'aria-live': 'off' }, '0:00');
  const longest = () => Math.max(...videos.map((v) => (Number.isFinite(v.duration) ? v.duration : 0)));
  function renderClock() {
    const total = longest();
    time.textContent = `${clock(Math.floor(left.currentTime))} / ${clock(Math.floor(total))}`;
    if (document.activeElement !== seek && total > 0)
      seek.value = String(Math.round((left.currentTime / total) * 1000));
    playButton.textContent = videos.some((v) => !v.paused) ? 'Pause both' : 'Play both';
  }
  for (const video of videos) {
    video.addEventListener('play', renderClock);
    video.addEventListener('pause', renderClock);
    video.addEventListener('loadedmetadata', renderClock);
  }
  async function togglePlay() {
    if (videos.some((v) => !v.paused)) {
      for (const v of videos) v.pause();
      return;
    }
    following = true;
    try {
      await Promise.all(videos.map((v) => v.play()));
    } catch {
      /* a player that cannot play keeps its poster; the other still plays */
    } finally {
      following = false;
      renderClock();
    }
  }
  seek.addEventListener('input', () => {
    const at = (Number(seek.value) / 1000) * longest();
    for (const v of videos) moveTo(v, Math.min(at, Number.isFinite(v.duration) ? v.duration : at));
    renderClock();
  });

  const differences = h(
    'div',
    { class: 'compare-differences', 'data-testid': 'compare-differences' },
    'Reading both requests…',
  );
  const closeButton = h(
    'button',
    {
      type: 'button',
      class: 'ghost shrink',
      'aria-label': 'Close the comparison',
      'data-testid': 'compare-close',
      onclick: () => close(),
    },
    '✕',
  );
  const side = (task: TaskView, video: HTMLVideoElement, letter: string) =>
    h(
      'figure',
      { class: 'compare-side', 'data-testid': `compare-side-${letter.toLowerCase()}`, 'data-task-id': task.id },
      video,
      h(
        'figcaption',
        {},
        h('strong', {}, `${letter} · ${nameOf(task, letter)}`),
        ` · ${task.model_label} · ${task.resolution}`,
      ),
    );
  const el = h(
    'div',
    {
      class: 'compare',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-label': 'Compare two videos',
      'data-testid': 'compare',
    },
    h('div', { class: 'row' }, h('h2', {}, 'Compare'), closeButton),
    h('div', { class: 'compare-players' }, side(a, left, 'A'), side(b, right, 'B')),
    h('div', { class: 'compare-controls' }, playButton, seek, time),
    differences,
  );

  function onKey(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  }
  function close() {
    document.removeEventListener('keydown', onKey, true);
    for (const v of videos) {
      v.pause();
      v.removeAttribute('src');
      v.load();
    }
    for (const url of blobs) URL.revokeObjectURL(url);
    el.remove();
    if (current === handle) current = null;
    returnFocus?.focus();
  }
  const handle = { close };
  current = handle;
  document.addEventListener('keydown', onKey, true);
  document.body.appendChild(el);
  closeButton.focus();

  void Promise.all([ipc.taskRequest(a.id), ipc.taskRequest(b.id)]).then(
    ([ra, rb]) => showDifferences(differences, ra, rb, a, b),
    (error) => {
      differences.textContent = 'The requests could not be read.';
      deps.onError(ipc.IpcError.from(error));
    },
  );
  return el;
}

function showDifferences(target: HTMLElement, ra: Draft, rb: Draft, a: TaskView, b: TaskView) {
  markPainted('compare-painted');
  clear(target);
  const labels = new Map([
    [a.model, a.model_label],
    [b.model, b.model_label],
  ]);
  const found = requestDifferences(ra, rb, (id) => labels.get(id) ?? id);
  if (found.length === 0) {
    target.append(h('p', { 'data-testid': 'compare-same' }, 'Both were made from the same request.'));
    return;
  }
  target.append(h('h3', {}, `What differs (${found.length})`));
  const list = h('dl', { 'data-testid': 'compare-difference-list' });
  for (const d of found)
    list.append(
      h('dt', { 'data-field': d.field }, d.label),
      h(
        'dd',
        { 'data-field': d.field, 'data-testid': `difference-${d.field}` },
        h('span', { class: 'was' }, `A: ${d.a}`),
        ' → ',
        h('span', { class: 'now' }, `B: ${d.b}`),
      ),
    );
  target.append(list);
  if (ra.prompt !== rb.prompt) {
    const diff = h('p', { class: 'prompt-diff', 'data-testid': 'compare-prompt-diff' });
    for (const part of promptDiff(ra.prompt, rb.prompt))
      diff.append(
        part.kind === 'same'
          ? document.createTextNode(part.text)
          : h(
              part.kind === 'removed' ? 'del' : 'ins',
              { title: part.kind === 'removed' ? 'Only in A' : 'Only in B' },
              part.text,
            ),
      );
    target.append(h('h3', {}, 'Prompt, A to B'), diff);
  }
}
