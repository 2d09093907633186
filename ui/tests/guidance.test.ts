import { describe, expect, it } from 'vitest';
import type { ActionView } from '../src/bindings/ActionView';
import { normalize, primaryAction } from '../src/guidance';

describe('primaryAction', () => {
  const cases: [ActionView, string, string][] = [
    [{ type: 'retry' }, 'retry', 'Retry'],
    [{ type: 'edit_prompt' }, 'edit_prompt', 'Edit prompt'],
    [{ type: 'replace_reference', kind: 'image', index: 2 }, 'replace_reference', 'Replace image 2'],
    [{ type: 'replace_reference', kind: null, index: null }, 'replace_reference', 'Replace reference'],
    [{ type: 'trim_media', kind: 'audio' }, 'trim_media', 'Trim audio'],
    [{ type: 'add_credits', required: 200, available: 37.5 }, 'add_credits', 'Add credits'],
    [{ type: 'fix_key' }, 'fix_key', 'Fix key'],
    [{ type: 'wait_for_slot', limit: 2, current: 2 }, 'wait_for_slot', 'Wait for a slot'],
    [{ type: 'review_unknown_submission' }, 'review_unknown', 'Decide what to do'],
    [{ type: 'fix_input', field: 'aspect_ratio' }, 'fix_input', 'Fix aspect ratio'],
  ];
  it.each(cases)('%j → %s', (action, intent, label) => {
    const result = primaryAction(action);
    expect(result.intent).toBe(intent);
    expect(result.label).toBe(label);
  });

  it('shows required against available credits, in the service’s numbers', () => {
    expect(primaryAction({ type: 'add_credits', required: 200, available: 37.5 }).hint).toBe(
      'Needs 200 credits, you have 37.5 credits',
    );
    expect(primaryAction({ type: 'add_credits', required: null, available: null }).hint).toBeNull();
  });

  it('shows slots in use', () => {
    expect(primaryAction({ type: 'wait_for_slot', limit: 3, current: 3 }).hint).toBe('3 of 3 slots in use');
  });

  it('offers no button for an action it does not know', () => {
    expect(primaryAction({ type: 'teleport' } as unknown as ActionView)).toEqual({
      intent: 'none',
      label: '',
      hint: null,
    });
  });
});

describe('normalize', () => {
  it('never leaves a blank card', () => {
    const g = normalize(null);
    expect(g.title).toBe('Something went wrong');
    expect(g.explanation).not.toBe('');
    expect(g.action).toEqual({ type: 'none' });
  });
});
