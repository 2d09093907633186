// The sequence view's rules: moving shots by button and by drop, what a shot's card says,
// which links a shot may have, and the price "Generate all" asks about.
import { describe, expect, it } from 'vitest';
import type { SequenceQuoteView } from '../src/bindings/SequenceQuoteView';
import type { ShotView } from '../src/bindings/ShotView';
import type { StateGroups } from '../src/bindings/StateGroups';
import type { TakeView } from '../src/bindings/TakeView';
import {
  allowedLinks,
  dropPosition,
  generateQuestion,
  modelForLink,
  movedPosition,
  percent,
  shotStatus,
  shownTake,
  totalLabel,
} from '../src/sequence-model';

const states: StateGroups = {
  in_flight: ['queued', 'submitting', 'waiting', 'generating', 'stuck', 'succeeded'],
  on_service: ['waiting', 'generating', 'stuck'],
  needs_decision: ['submission_unknown', 'not_found'],
  finished: ['succeeded', 'downloaded'],
  failed: ['failed', 'not_found'],
  cancelled: ['cancelled'],
  settled: ['downloaded', 'failed', 'cancelled'],
};

const take = (task: number, state: TakeView['state']): TakeView => ({
  task,
  state,
  has_video: state === 'downloaded',
  verdict: null,
});

function shot(takes: TakeView[], chosen: number | null = null, filmTake: number | null = null): ShotView {
  return {
    id: 1,
    position: 1,
    prompt: 'a lighthouse',
    model: 'seedance-20',
    model_label: 'Seedance 2.0',
    duration_secs: 5,
    link: 'none',
    takes,
    chosen,
    film_take: filmTake,
  };
}

function quote(credits: number, settled: number, upper = false, alreadyTaken = 0): SequenceQuoteView {
  return {
    shots: [
      { shot: 1, position: 1, credits: credits / 2, settled_credits: credits / 2, upper_bound: false },
      { shot: 2, position: 2, credits: credits / 2, settled_credits: settled - credits / 2, upper_bound: upper },
    ],
    already_taken: alreadyTaken,
    credits,
    settled_credits: settled,
    settles_differently: Math.abs(settled - credits) > 0.005,
    credits_label: '',
    settled_label: '',
  };
}

describe('moving shots', () => {
  it('moves by one within the strip and not past its ends', () => {
    expect(movedPosition(2, -1, 3)).toBe(1);
    expect(movedPosition(2, 1, 3)).toBe(3);
    expect(movedPosition(1, -1, 3)).toBeNull();
    expect(movedPosition(3, 1, 3)).toBeNull();
  });

  it('a dropped shot takes the place of the card it was dropped on', () => {
    expect(dropPosition(0, 2)).toBe(3);
    expect(dropPosition(2, 0)).toBe(1);
    expect(dropPosition(1, 1)).toBeNull();
    expect(dropPosition(-1, 1)).toBeNull();
  });
});

describe('a shot on the strip', () => {
  it('shows the film take, else the newest take', () => {
    const s = shot([take(4, 'downloaded'), take(5, 'generating')], null, 4);
    expect(shownTake(s)?.task).toBe(4);
    expect(shotStatus(s, states)).toBe('done');
    const pending = shot([take(4, 'failed'), take(5, 'generating')]);
    expect(shownTake(pending)?.task).toBe(5);
    expect(shotStatus(pending, states)).toBe('in_progress');
  });

  it('says when there is no take, a failure or a decision to make', () => {
    expect(shotStatus(shot([]), states)).toBe('no_take');
    expect(shotStatus(shot([take(3, 'failed')]), states)).toBe('failed');
    expect(shotStatus(shot([take(3, 'submission_unknown')]), states)).toBe('needs_decision');
    expect(shotStatus(shot([take(3, 'cancelled')]), states)).toBe('cancelled');
  });
});

describe('links', () => {
  it('the first shot follows nothing', () => {
    expect(allowedLinks(1)).toEqual(['none']);
    expect(allowedLinks(2)).toEqual(['none', 'keyframe', 'extend']);
  });

  it('extending needs the Extend model, and leaving it goes back to the default', () => {
    expect(modelForLink('extend', 'seedance-20', 'seedance-20')).toBe('seedance2-5-extend');
    expect(modelForLink('none', 'seedance2-5-extend', 'seedance-20')).toBe('seedance-20');
    expect(modelForLink('keyframe', 'seedance2-5', 'seedance-20')).toBe('seedance2-5');
  });
});

describe('the price of Generate all', () => {
  it('states the reserved total alone when it is what is paid', () => {
    expect(totalLabel(quote(400, 400))).toBe('400 credits');
  });

  it('states the settled figure where it differs, "at most" when it assumed the longest source', () => {
    expect(totalLabel(quote(400, 750))).toBe('400 credits reserved, 750 credits once settled');
    expect(totalLabel(quote(400, 750, true))).toBe('400 credits reserved, 750 credits at most once settled');
  });

  it('asks with the count and the total, and says which shots are not sent again', () => {
    const ask = generateQuestion(quote(400, 400, false, 1));
    expect(ask?.question).toBe('Generate 2 shots for 400 credits?');
    expect(ask?.detail).toContain('1 shot already has a take and is not sent again.');
    expect(generateQuestion({ ...quote(0, 0), shots: [] })).toBeNull();
  });

  it('the stitch bar stays within 0 to 100', () => {
    expect(percent(0.426)).toBe(43);
    expect(percent(1.2)).toBe(100);
    expect(percent(-1)).toBe(0);
  });
});
