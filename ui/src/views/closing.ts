// Closing with work in flight: what happens next, said before the app goes ("3 videos are
// still being made; they will be fetched the next time you open the app"), and while the
// engine waits for createTask answers on the wire, "Finishing sending N tasks…". The shell
// decides when the app exits (src-tauri/src/closing.rs); this only shows and answers.

import type { AppEvent } from '../bindings/AppEvent';
import { h } from '../dom';
import * as ipc from '../ipc';

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What becomes of the work in flight once the app is closed. */
export function whatHappensNext(stillMaking: number, queued: number): string[] {
  const lines: string[] = [];
  if (stillMaking > 0)
    lines.push(
      `${stillMaking} ${plural(stillMaking, 'video is', 'videos are')} still being made; ` +
        `${plural(stillMaking, 'it', 'they')} will be fetched the next time you open the app.`,
    );
  if (queued > 0)
    lines.push(`${queued} queued ${plural(queued, 'task', 'tasks')} will be sent the next time you open the app.`);
  return lines;
}

export function finishingLabel(remaining: number): string {
  return `Finishing sending ${remaining} ${plural(remaining, 'task', 'tasks')}…`;
}

export interface ClosingView {
  el: HTMLElement;
  /** Feeds the closing-related engine events; others are ignored. */
  handle(event: AppEvent): void;
}

export function createClosing(deps: { onError(error: ipc.IpcError): void }): ClosingView {
  const el = h('div', { 'data-testid': 'closing-slot' });
  let closing = false;
  let next: string[] = [];
  let remaining = 0;

  const render = (asking: boolean) => {
    if (!asking && !closing && remaining === 0) {
      el.replaceChildren();
      return;
    }
    const lines = next.map((line) => h('p', { 'data-testid': 'closing-next' }, line));
    const finishing =
      remaining > 0 ? h('p', { 'data-testid': 'closing-finishing', role: 'status' }, finishingLabel(remaining)) : null;
    const actions = asking
      ? h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              'data-testid': 'closing-close',
              onclick: () => void ipc.appClose().catch((e) => deps.onError(ipc.IpcError.from(e))),
            },
            'Close',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-testid': 'closing-keep',
              onclick: () => {
                next = [];
                render(false);
                void ipc.appKeepOpen().catch((e) => deps.onError(ipc.IpcError.from(e)));
              },
            },
            'Keep working',
          ),
        )
      : null;
    const title = asking ? 'Close Seedance Studio?' : closing ? 'Closing…' : null;
    el.replaceChildren(
      h(
        'div',
        { class: 'notices closing', role: 'alert', 'data-testid': 'closing' },
        title ? h('p', {}, h('strong', {}, title)) : null,
        ...lines,
        finishing,
        actions,
      ),
    );
  };

  return {
    el,
    handle(event) {
      switch (event.type) {
        case 'close_asked':
          next = whatHappensNext(event.still_making, event.queued);
          render(true);
          break;
        case 'closing':
          closing = true;
          next = whatHappensNext(event.still_making, event.queued);
          render(false);
          break;
        case 'finishing_sends':
          remaining = event.remaining;
          render(false);
          break;
        default:
          break;
      }
    },
  };
}
