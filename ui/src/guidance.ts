// Turns a failure's guidance into the failure card's words and its ONE primary button.
// Pure; unit-tested in tests/guidance.test.ts. The card branches on `action.type` and
// `category`, never on message text.

import type { ActionView } from './bindings/ActionView';
import type { GuidanceView } from './bindings/GuidanceView';
import { grouped, kindLabel } from './format';

/** What pressing the primary button does; the view wires each intent to a command. */
export type Intent =
  | 'retry'
  | 'edit_prompt'
  | 'replace_reference'
  | 'trim_media'
  | 'add_credits'
  | 'fix_key'
  | 'wait_for_slot'
  | 'contact_support'
  | 'check_connection'
  | 'review_unknown'
  | 'fix_input'
  | 'none';

export interface PrimaryAction {
  intent: Intent;
  label: string;
  /** A short line under the button (credits needed, slots in use), if any. */
  hint: string | null;
}

const credits = (n: number) => `${grouped(n)} credits`;

/** The single primary button for an action. */
export function primaryAction(action: ActionView): PrimaryAction {
  switch (action.type) {
    case 'retry':
      return { intent: 'retry', label: 'Retry', hint: null };
    case 'edit_prompt':
      return { intent: 'edit_prompt', label: 'Edit prompt', hint: null };
    case 'replace_reference': {
      const what = action.kind ? kindLabel(action.kind).toLowerCase() : 'reference';
      const label = action.index !== null ? `Replace ${what} ${action.index}` : `Replace ${what}`;
      return { intent: 'replace_reference', label, hint: null };
    }
    case 'trim_media': {
      const what = action.kind === 'audio' ? 'audio' : action.kind === 'video' ? 'video' : 'media';
      return { intent: 'trim_media', label: `Trim ${what}`, hint: null };
    }
    case 'add_credits': {
      const parts: string[] = [];
      if (action.required !== null) parts.push(`needs ${credits(action.required)}`);
      if (action.available !== null) parts.push(`you have ${credits(action.available)}`);
      const hint = parts.length ? capitalize(parts.join(', ')) : null;
      return { intent: 'add_credits', label: 'Add credits', hint };
    }
    case 'fix_key':
      return { intent: 'fix_key', label: 'Fix key', hint: null };
    case 'wait_for_slot': {
      const hint =
        action.limit !== null && action.current !== null ? `${action.current} of ${action.limit} slots in use` : null;
      return { intent: 'wait_for_slot', label: 'Wait for a slot', hint };
    }
    case 'contact_support':
      return { intent: 'contact_support', label: 'Copy details for support', hint: null };
    case 'check_connection':
      return { intent: 'check_connection', label: 'Try again', hint: 'Check your internet connection first.' };
    case 'review_unknown_submission':
      return { intent: 'review_unknown', label: 'Decide what to do', hint: null };
    case 'fix_input':
      return {
        intent: 'fix_input',
        label: action.field ? `Fix ${fieldName(action.field)}` : 'Fix settings',
        hint: null,
      };
    case 'none':
      return { intent: 'none', label: '', hint: null };
    default:
      // A newer shell may send an action this UI does not know: offer nothing rather than guess.
      return { intent: 'none', label: '', hint: null };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "duration", "references", "aspect ratio". */
export function fieldName(field: string): string {
  return field.replace(/[._]/g, ' ').trim() || 'settings';
}

/** A guidance that is always safe to render, even when fields are missing or unknown. */
export function normalize(guidance: GuidanceView | null | undefined): GuidanceView {
  return {
    category: guidance?.category ?? 'unknown',
    retryable: guidance?.retryable ?? false,
    refund: guidance?.refund ?? 'not_applicable',
    refund_note: guidance?.refund_note ?? null,
    title: guidance?.title?.trim() || 'Something went wrong',
    explanation:
      guidance?.explanation?.trim() ||
      'The app could not tell what happened. Nothing else was sent; you can try again.',
    action: guidance?.action ?? { type: 'none' },
    detail: guidance?.detail ?? null,
    field_problems: guidance?.field_problems ?? [],
  };
}
