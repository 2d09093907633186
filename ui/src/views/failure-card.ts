// The failure card: what happened, what it means for credits, and ONE primary button for
// the guidance's action. Renders any guidance, including an unknown category or a
// missing field, without throwing.

import type { GuidanceView } from '../bindings/GuidanceView';
import type { Kind } from '../bindings/Kind';
import { h } from '../dom';
import { normalize, primaryAction, type Intent } from '../guidance';

export interface FailureHandlers {
  onIntent(intent: Intent, context: { kind: Kind | null; index: number | null }): void;
}

export function failureCard(raw: GuidanceView | null, handlers: FailureHandlers, testId = 'failure-card'): HTMLElement {
  const g = normalize(raw);
  const action = primaryAction(g.action);
  const context = {
    kind: 'kind' in g.action ? (g.action.kind ?? null) : null,
    index: 'index' in g.action ? (g.action.index ?? null) : null,
  };
  const titleId = `${testId}-${Math.random().toString(36).slice(2, 8)}`;
  return h('section', { class: 'failure', role: 'group', 'aria-labelledby': titleId, 'data-testid': testId, 'data-category': g.category },
    h('h3', { id: titleId, 'data-testid': 'failure-title' }, g.title),
    h('p', { 'data-testid': 'failure-explanation' }, g.explanation),
    g.refund_note ? h('div', { class: 'refund', 'data-testid': 'failure-refund' }, g.refund_note) : null,
    ...g.field_problems.map((p) => h('div', { class: 'problem' }, p.field ? `${p.field}: ${p.message}` : p.message)),
    action.intent !== 'none'
      ? h('div', { class: 'actions' },
          h('button', {
            type: 'button', class: 'primary', 'data-testid': 'failure-action', 'data-intent': action.intent,
            onclick: () => handlers.onIntent(action.intent, context),
          }, action.label),
          action.hint ? h('span', { class: 'hint', 'data-testid': 'failure-hint' }, action.hint) : null)
      : null,
    g.detail ? h('div', { class: 'detail', 'data-testid': 'failure-detail' }, `Service said: ${g.detail}`) : null,
  );
}
