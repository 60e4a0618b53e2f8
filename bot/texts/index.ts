// The text catalogues and the one function that fills them.
import { occupations } from '../../src/domain/occupations.js';
import { en } from './en.js';
import { type TextKey, zh } from './zh.js';

export type Lang = 'zh' | 'en';
export type { TextKey };

const catalogues: Record<Lang, Record<TextKey, string>> = { zh, en };

export function t(lang: Lang, key: TextKey, params: Record<string, string | number> = {}): string {
  return catalogues[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A skill's name in the language (the occupation list carries both). */
export function skillName(lang: Lang, code: string): string {
  const o = occupations.find((x) => x.code === code);
  return o ? o[lang] : code;
}
