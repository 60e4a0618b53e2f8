// The bot's words, held to what a reader with primary-school reading needs:
// short prompts, no bureau jargon, no slash commands, no English in Chinese.
import { describe, expect, it } from 'vitest';
import { en } from '../../bot/texts/en.js';
import { JARGON, MAX_PROMPT_CHARS } from '../../bot/texts/jargon.js';
import { zh } from '../../bot/texts/zh.js';

const entries = Object.entries(zh) as Array<[keyof typeof zh, string]>;
/** Staff notices are for bureau staff, who use the bureau's words. */
const forWorkers = entries.filter(([key]) => !key.startsWith('staff.'));
const withoutPlaceholders = (text: string) => text.replace(/\{\w+\}/g, '');

describe('the Chinese catalogue', () => {
  it(`keeps every text within ${MAX_PROMPT_CHARS} characters (placeholders not counted)`, () => {
    const long = entries.filter(([, text]) => withoutPlaceholders(text).length > MAX_PROMPT_CHARS).map(([key, text]) => `${key} (${withoutPlaceholders(text).length})`);
    expect(long).toEqual([]);
  });

  it('uses none of the bureau’s words kept in jargon.ts', () => {
    const found = forWorkers.flatMap(([key, text]) => JARGON.filter((word) => text.includes(word)).map((word) => `${key}: ${word}`));
    expect(found).toEqual([]);
  });

  it('names no slash command, in either language', () => {
    const slash = [...entries, ...Object.entries(en)].filter(([, text]) => /(^|[^\w])\/[a-z]/i.test(text)).map(([key]) => key);
    expect(slash).toEqual([]);
  });

  it('has no English in Chinese texts but the language choice itself', () => {
    const english = entries.filter(([key, text]) => key !== 'lang.ask' && key !== 'lang.button' && /[A-Za-z]/.test(withoutPlaceholders(text))).map(([key]) => key);
    expect(english).toEqual([]);
  });

  it('the length rule would catch a long one and the word rule a jargon word', () => {
    // The checks themselves bite: the intro as it was on main fails both.
    const old = '“就近”帮您在家附近找工作：公益性岗位、帮扶车间和本地企业。\n\n我们保存：您的姓名、电话（可不填）、住址或所在村、能走多远、技能和能干活的时间。只用于给您推荐附近的工作，工作人员只能看到本辖区的人。您随时可以发送 /delete 删除全部资料。\n\n同意吗？';
    expect(old.length).toBeGreaterThan(MAX_PROMPT_CHARS);
    expect(JARGON.filter((w) => old.includes(w))).toEqual(expect.arrayContaining(['公益性岗位', '帮扶车间', '辖区']));
    expect(/(^|[^\w])\/[a-z]/i.test(old)).toBe(true);
  });
});

describe('the conversation', () => {
  it('imports no messenger (neither grammY nor the WeChat or SMS channel), so every channel reuses it', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = ['bot/flow.ts', ...readdirSync('bot/flow').map((f) => `bot/flow/${f}`)];
    const messenger = files.filter((f) => /from '(grammy|@grammyjs\/[^']+)'|telegram|wechat|channels\//i.test(readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('import')).join('\n')));
    expect(files.length).toBeGreaterThan(5);
    expect(messenger).toEqual([]);
  });
});
