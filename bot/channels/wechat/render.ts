// The conversation's replies as WeChat text. WeChat has no inline keyboards:
// a reply's buttons become numbered lines, each a `weixin://bizmsgmenu` link
// (tapping it sends "1 好了" back as text) and the line "回复数字" for clients
// that show links as plain text. The numbers are kept with the session, and
// a reply that starts with one presses that button.
import type { Button, Reply } from '../../flow.js';
import type { Lang } from '../../texts/index.js';

export interface Rendered {
  text: string;
  /** The button data behind 1, 2, 3 … of the last reply that had buttons. */
  choices: string[];
}

const HINT: Record<Lang, { reply: string; location: string }> = {
  zh: { reply: '回复数字选择', location: '发位置：点输入框旁的＋，选「位置」' },
  en: { reply: 'Reply with a number', location: 'To send your location: tap + beside the input, then Location' },
};

/** Link text may not hold the characters that end an attribute or a tag. */
const safe = (s: string) => s.replace(/[<>"&]/g, '');

function choiceLine(n: number, b: Button, links: boolean): string {
  const label = `${n} ${b.text}`;
  if (!links) return label;
  return `<a href="weixin://bizmsgmenu?msgmenucontent=${encodeURIComponent(label)}&msgmenuid=${n}">${safe(label)}</a>`;
}

/**
 * All replies of one turn as one message (a passive reply is one message),
 * each reply's buttons numbered under it, the numbers running on through the
 * turn so a button of an earlier reply (an opening's 报名) stays pressable.
 */
export function renderReplies(replies: Reply[], lang: Lang, opts: { links?: boolean } = {}): Rendered {
  const links = opts.links ?? true;
  const choices: string[] = [];
  const parts: string[] = [];
  for (const r of replies) {
    const lines = [r.text];
    if (r.request === 'location') lines.push(HINT[lang].location);
    for (const b of r.buttons?.flat() ?? []) {
      choices.push(b.data);
      lines.push(choiceLine(choices.length, b, links));
    }
    parts.push(lines.join('\n'));
  }
  if (choices.length) parts.push(`（${HINT[lang].reply}）`);
  return { text: parts.join('\n\n'), choices };
}

/** The button a typed reply names by its number ("2", "2 半天", "２"), if any. */
export function choiceTyped(text: string, choices: string[]): string | null {
  const normal = text.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).trim();
  const m = /^(\d{1,2})(?:\s|$)/.exec(normal);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= choices.length ? choices[n - 1]! : null;
}
