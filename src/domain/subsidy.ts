// A public-welfare post holder's month (月度考核) and the subsidy (岗位补贴)
// that follows from it: the total score (village attendance + township
// assessment + villagers' appraisal, each within its weight in POST_RULES,
// or one total 0–100) falls in the first score band whose `min` it reaches;
// the month pays monthlySubsidyYuan × the band's share, prorated by
// days worked / fullMonthDays (more days than a full month pay a full month).
// Amounts are whole fen (分), rounded half up once at the end, so a list of
// months adds up to what each row says. Every yuan short of the standard has
// its reason stated (the band, the days), as the holder is told it.
import type { PostRules, ScoreBand } from './post-rules.js';

export interface MonthInput {
  daysWorked: number;
  attendance?: number | null;
  township?: number | null;
  appraisal?: number | null;
  /** One total (0–100) instead of the three parts. */
  total?: number | null;
}

export type DeductionCode = 'score_band' | 'days_short';

export interface Subsidy {
  /** The total score, 0–100. */
  total: number;
  band: ScoreBand;
  /** The standard for a full month at full score, in fen. */
  standardFen: number;
  amountFen: number;
  /** standardFen − amountFen. */
  deductionFen: number;
  deductions: DeductionCode[];
  /** The reason in plain words (the payment list's 扣减原因, the holder's notice); null with no deduction. */
  deductionReason: string | null;
}

export interface Problem {
  path: string;
  message: string;
}

/** Why a month's input breaks the rules (scores beyond their weights, parts and a total both), or [] when it keeps them. */
export function monthProblems(rules: PostRules, input: MonthInput, daysInMonth: number): Problem[] {
  const out: Problem[] = [];
  if (!Number.isInteger(input.daysWorked) || input.daysWorked < 0 || input.daysWorked > daysInMonth) {
    out.push({ path: 'daysWorked', message: `must be a whole number from 0 to ${daysInMonth} (the days of the month)` });
  }
  const parts = (['attendance', 'township', 'appraisal'] as const).filter((k) => input[k] != null);
  const hasTotal = input.total != null;
  if (hasTotal && parts.length > 0) out.push({ path: 'total', message: 'give either the total or the three scores, not both' });
  if (!hasTotal && parts.length !== 3) {
    out.push({ path: parts.length ? (['attendance', 'township', 'appraisal'] as const).find((k) => input[k] == null)! : 'total', message: 'give the total or all three scores (attendance, township, appraisal)' });
  }
  for (const k of parts) {
    const v = input[k]!;
    const max = rules.scoreWeights[k];
    if (!(v >= 0 && v <= max)) out.push({ path: k, message: `must be from 0 to ${max} (its weight)` });
  }
  if (hasTotal && !(input.total! >= 0 && input.total! <= 100)) out.push({ path: 'total', message: 'must be from 0 to 100' });
  return out;
}

/** The total score of a month whose input keeps the rules (see monthProblems). */
export function totalScore(input: MonthInput): number {
  if (input.total != null) return input.total;
  return Math.round(((input.attendance ?? 0) + (input.township ?? 0) + (input.appraisal ?? 0)) * 10) / 10;
}

/** The band a total falls in: the first (highest) whose min it reaches. */
export function bandOf(rules: PostRules, total: number): ScoreBand {
  return rules.scoreBands.find((b) => total >= b.min) ?? rules.scoreBands[rules.scoreBands.length - 1]!;
}

const yuan = (fen: number) => (fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2));

/** The month's subsidy by the rules. The input must keep them (see monthProblems). */
export function subsidyFor(rules: PostRules, input: MonthInput): Subsidy {
  const total = totalScore(input);
  const band = bandOf(rules, total);
  const standardFen = Math.round(rules.monthlySubsidyYuan * 100);
  const days = Math.min(input.daysWorked, rules.fullMonthDays);
  const amountFen = Math.round((standardFen * band.share * days) / rules.fullMonthDays);
  const deductions: DeductionCode[] = [];
  const words: string[] = [];
  if (band.share < 1) {
    deductions.push('score_band');
    words.push(`考核${total}分（${band.label}）按${Math.round(band.share * 100)}%发放`);
  }
  if (days < rules.fullMonthDays) {
    deductions.push('days_short');
    words.push(`出勤${input.daysWorked}天，满勤${rules.fullMonthDays}天`);
  }
  return {
    total,
    band,
    standardFen,
    amountFen,
    deductionFen: standardFen - amountFen,
    deductions,
    deductionReason: words.length ? `${words.join('；')}，扣${yuan(standardFen - amountFen)}元` : null,
  };
}

export { yuan as yuanOfFen };
