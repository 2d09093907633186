// The failure card: what happened, what it means for credits, and ONE primary button for
// the guidance's action. Renders any guidance, including an unknown category or a
// missing field, without throwing. A failure this window knows was already retried says
// so, and its button leads to the retry instead of offering to pay for another one.

import type { GuidanceView } from '../bindings/GuidanceView';
import type { Kind } from '../bindings/Kind';
import { h } from '../dom';
import { normalize, primaryAction, type Intent } from '../guidance';

export interface FailureHandlers {
  onIntent(intent: Intent, context: { kind: Kind | null; index: number | null }): void;
  /** The task that retried this one, when known (see `TaskNotes.retriedAs`). */
  retriedAs?: number | null;
  /** Shows a task (the retry): required for `retriedAs` to become a button. */
  onShowTask?(id: number): void;
}

/** Actions that would send the same request again; a retried failure does not offer them. */
const SENDS_AGAIN: readonly Intent[] = ['retry', 'check_connection', 'wait_for_slot', 'review_unknown'];

export function failureCard(raw: GuidanceView | null, handlers: FailureHandlers, testId = 'failure-card'): HTMLElement {
  const g = normalize(raw);
  const action = primaryAction(g.action);
  const context = {
    kind: 'kind' in g.action ? (g.action.kind ?? null) : null,
    index: 'index' in g.action ? (g.action.index ?? null) : null,
  };
  const suffix = Math.random().toString(36).slice(2, 8);
  const titleId = `${testId}-${suffix}`;
  const hintId = `${testId}-hint-${suffix}`;
  const retriedAs = handlers.retriedAs ?? null;
  const showRetry = retriedAs !== null && handlers.onShowTask !== undefined && SENDS_AGAIN.includes(action.intent);

  let primary: HTMLElement | null = null;
  if (showRetry) {
    primary = h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'failure-action',
          'data-intent': 'show_retry',
          onclick: () => handlers.onShowTask?.(retriedAs),
        },
        'Show the retry',
      ),
    );
  } else if (action.intent !== 'none') {
    primary = h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-testid': 'failure-action',
          'data-intent': action.intent,
          'aria-describedby': action.hint ? hintId : null,
          onclick: () => handlers.onIntent(action.intent, context),
        },
        action.label,
      ),
      action.hint ? h('span', { class: 'hint', id: hintId, 'data-testid': 'failure-hint' }, action.hint) : null,
    );
  }

  return h(
    'section',
    { class: 'failure', role: 'group', 'aria-labelledby': titleId, 'data-testid': testId, 'data-category': g.category },
    h('h3', { id: titleId, 'data-testid': 'failure-title' }, g.title),
    h('p', { 'data-testid': 'failure-explanation' }, g.explanation),
    g.refund_note ? h('div', { class: 'refund', 'data-testid': 'failure-refund' }, g.refund_note) : null,
    ...g.field_problems.map((p) => h('div', { class: 'problem' }, p.field ? `${p.field}: ${p.message}` : p.message)),
    retriedAs !== null
      ? h('p', { class: 'retried', 'data-testid': 'failure-retried' }, 'Already sent again as a new attempt.')
      : null,
    primary,
    g.detail ? h('div', { class: 'detail', 'data-testid': 'failure-detail' }, `Service said: ${g.detail}`) : null,
  );
}
