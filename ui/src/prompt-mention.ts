// What typing `@` in the prompt offers: the names of the attached references as the
// service numbers them (from 1 within each kind, in the order attached: "image 1",
// "video 2"; the core's `prompt_refs` reads the same names back and warns when one points
// at nothing). Pure: the view that lists them is `views/prompt-mentions.ts`.

import type { DraftReference } from './bindings/DraftReference';
import { indexWithinKind } from './compose-model';

/** An `@` being typed: where it stands and what follows it up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

/** The `@` word ending at `caret`, if the creator is typing one. */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  // An `@` that starts a word ("me@example" is an address, not a mention), followed by at
  // most a kind word and a number, so a finished name closes the list.
  const found = /(^|[\s(,;"'])@([a-z]{0,5} ?[0-9]{0,2})$/i.exec(before);
  if (!found) return null;
  const query = found[2] ?? '';
  return { start: before.length - query.length - 1, query };
}

/** Every attached reference's name, in the order attached. */
export function referenceNames(references: readonly DraftReference[]): string[] {
  return references.map((ref, position) => `${ref.kind} ${indexWithinKind([...references], position)}`);
}

/** The names that match what follows the `@` ("im", "image 2", "v1"), spaces ignored. */
export function namesFor(references: readonly DraftReference[], query: string): string[] {
  const typed = query.toLowerCase().replace(/\s+/g, '');
  return referenceNames(references).filter((name) => {
    const compact = name.replace(' ', '');
    const [word = '', number = ''] = name.split(' ');
    // "v1" and "img2" are short forms the core reads too.
    return compact.startsWith(typed) || (typed.length > 0 && `${word[0]}${number}`.startsWith(typed));
  });
}

/** The prompt with the `@` word replaced by `name`, and where the caret goes after it. */
export function insertName(
  text: string,
  mention: MentionQuery,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const after = text.slice(caret);
  // A space only where the next word would otherwise run into the name.
  const space = /^\w/.test(after) ? ' ' : '';
  const inserted = `${name}${space}`;
  return {
    text: `${text.slice(0, mention.start)}${inserted}${after}`,
    caret: mention.start + inserted.length,
  };
}
