// The rules for rural public-welfare posts (乡村公益性岗位) that differ between
// prefectures: who is old enough, what a month pays, how a month's score turns
// into its subsidy, how long an agreement runs and how often holders are asked.
// One place, with Honghe's (红河州) defaults; a deployment overrides any of
// them with the POST_RULES environment variable (JSON, read in src/config.ts).
// Every part of the post's life (eligibility, agreements, assessments, the
// subsidy, the ghost-post checks) reads these and nothing else.
import * as z from 'zod';

export interface ScoreBand {
  /** Lowest total score (0–100) in this band, inclusive. */
  min: number;
  /** Share of the monthly standard paid in this band (0–1). */
  share: number;
  /** The band's name on the payment list, e.g. 优秀. */
  label: string;
}

export interface PostRules {
  /** Age on the day of the hire or renewal: a holder is at least minAge and below maxAge + 1. */
  minAge: number;
  maxAge: number;
  /** The monthly subsidy (岗位补贴) for a full month at full score, in yuan. */
  monthlySubsidyYuan: number;
  /** Days a full month asks for; fewer days worked pay days / fullMonthDays of the band's amount. */
  fullMonthDays: number;
  /** Points of the total score: village attendance (考勤), township assessment, villagers' appraisal. */
  scoreWeights: { attendance: number; township: number; appraisal: number };
  /** Bands from the highest min down; a score falls in the first band whose min it reaches. */
  scoreBands: ScoreBand[];
  /** Length of an agreement (聘用协议), in months: one year in principle. */
  agreementMonths: number;
  /** Staff see an agreement on the renewal list this many days before it ends. */
  renewalNoticeDays: number;
  /** Month M's assessments are due by this day of month M+1. */
  assessmentDueDay: number;
  /** A holder with no assessment for this many months running is flagged. */
  missingAssessmentMonths: number;
  /** Share of holders asked each month in the chat whether they are doing the post (0–1). */
  checkinSampleShare: number;
  /** Days a sampled holder has to answer before staff see a no-answer. */
  checkinAnswerDays: number;
}

/** Honghe's published practice: 16 to 60, 500 yuan a month, 30 + 50 + 20 points, one-year agreements. */
export const HONGHE_POST_RULES: PostRules = Object.freeze({
  minAge: 16,
  maxAge: 60,
  monthlySubsidyYuan: 500,
  fullMonthDays: 22,
  scoreWeights: Object.freeze({ attendance: 30, township: 50, appraisal: 20 }),
  scoreBands: Object.freeze([
    Object.freeze({ min: 90, share: 1, label: '优秀' }),
    Object.freeze({ min: 80, share: 1, label: '良好' }),
    Object.freeze({ min: 60, share: 0.8, label: '合格' }),
    Object.freeze({ min: 0, share: 0, label: '不合格' }),
  ]) as ScoreBand[],
  agreementMonths: 12,
  renewalNoticeDays: 30,
  assessmentDueDay: 10,
  missingAssessmentMonths: 2,
  checkinSampleShare: 0.1,
  checkinAnswerDays: 3,
}) as PostRules;

const bandSchema = z.object({ min: z.number().min(0).max(100), share: z.number().min(0).max(1), label: z.string().min(1).max(20) });

/** The shape POST_RULES may take: any subset of the rules; the rest stay Honghe's. */
export const postRulesOverrideSchema = z
  .object({
    minAge: z.number().int().min(14).max(80),
    maxAge: z.number().int().min(14).max(100),
    monthlySubsidyYuan: z.number().min(0).max(100_000),
    fullMonthDays: z.number().int().min(1).max(31),
    scoreWeights: z.object({ attendance: z.number().min(0), township: z.number().min(0), appraisal: z.number().min(0) }),
    scoreBands: z.array(bandSchema).min(1).max(10),
    agreementMonths: z.number().int().min(1).max(60),
    renewalNoticeDays: z.number().int().min(1).max(180),
    assessmentDueDay: z.number().int().min(1).max(28),
    missingAssessmentMonths: z.number().int().min(1).max(12),
    checkinSampleShare: z.number().min(0).max(1),
    checkinAnswerDays: z.number().int().min(1).max(30),
  })
  .partial()
  .strict();

/** Honghe's rules with an override laid over them; refuses rules that contradict themselves. */
export function postRulesFrom(override: z.infer<typeof postRulesOverrideSchema> = {}): PostRules {
  const rules: PostRules = { ...HONGHE_POST_RULES, ...override };
  const w = rules.scoreWeights;
  if (w.attendance + w.township + w.appraisal !== 100) throw new Error('POST_RULES: scoreWeights must add up to 100');
  if (rules.minAge > rules.maxAge) throw new Error('POST_RULES: minAge must not be above maxAge');
  const bands = [...rules.scoreBands].sort((a, b) => b.min - a.min);
  if (bands[bands.length - 1]!.min !== 0) throw new Error('POST_RULES: the lowest score band must start at 0');
  return { ...rules, scoreBands: bands };
}
