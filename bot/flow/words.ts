// An opening as the worker reads it: where, the pay, the hours, and why it fits.
import { skillName, t } from '../texts/index.js';
import type { Turn } from './turn.js';
import type { MatchView } from './types.js';

export function matchParams(turn: Turn, m: MatchView, n: number) {
  const { lang } = turn;
  const where = m.distanceKm !== null ? t(lang, 'where.km', { km: m.distanceKm }) : m.nearness ? t(lang, `where.${m.nearness}`) : '';
  const why: string[] = [];
  for (const r of m.reasons) {
    switch (r.code) {
      case 'distance':
      case 'same_village':
      case 'same_township':
        why.push(t(lang, 'reason.near'));
        break;
      case 'skills_met':
        why.push(t(lang, 'reason.skills', { skills: r.skills.map((c) => skillName(lang, c)).join('、') }));
        break;
      case 'hours_fit':
        why.push(t(lang, 'reason.hours'));
        break;
      case 'priority_tier':
        if (r.tier !== 'general') why.push(t(lang, 'reason.priority'));
        break;
      case 'serves_own_village':
        why.push(t(lang, 'reason.ownVillage'));
        break;
    }
  }
  return {
    n,
    title: m.title,
    employer: m.employerName,
    where,
    wage: t(lang, `wage.${m.wage.period}`, { amount: m.wage.amount }),
    hours: t(lang, `hours.${m.hours}`),
    why: [...new Set(why)].join(lang === 'zh' ? '，' : ', '),
  };
}
