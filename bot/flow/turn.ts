// One turn of the conversation: the session being changed, the language, the
// ports and the replies so far, with the few moves every step uses.
//
// Buttons name what they are for, not when they were sent: `<step>:<action>:<arg>`
// acts while the chat is at that step (so every tap on a toggle keyboard
// counts, and an older copy of the same question still works); `m:` (a
// worker's menu) and `e:` (an employer's) act whenever the chat is that
// person, and name the record they act on; `g:` buttons on messages the
// service sent on its own are checked against the records.
import { type Lang, t, type TextKey } from '../texts/index.js';
import type { Button, Ports, Reply, Session } from './types.js';

export interface Turn {
  s: Session;
  lang: Lang;
  ports: Ports;
  replies: Reply[];
}

export type Params = Record<string, string | number>;

export const say = (turn: Turn, key: TextKey, params?: Params, extra: Partial<Reply> = {}) =>
  turn.replies.push({ text: t(turn.lang, key, params), ...extra });

/** A button of the current step. */
export const btn = (turn: Turn, key: TextKey, action: string, params?: Params): Button => ({
  text: t(turn.lang, key, params),
  data: `${turn.s.step}:${action}`,
});

/** A button of the worker's menu (`m:`) or the employer's (`e:`), valid at any step. */
export const mbtn = (turn: Turn, scope: 'm' | 'e', key: TextKey, action: string, params?: Params): Button => ({
  text: t(turn.lang, key, params),
  data: `${scope}:${action}`,
});

export function rows<T>(items: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}
