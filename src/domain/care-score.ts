// Where a new serving post would do the most good (issue 18, "where care is
// needed"): a village scores high when many people there need care per post
// that already serves them, and carers of that village who cannot leave home
// and are not in work could take the post. Pure: the counts in, the score and
// the numbers that justify it out.
//
// For each group g (elders, children, disabled) of a village:
//   peoplePerPost(g) = people(g) / (servingPosts(g) + 1)
// where people(g) is the civil-affairs count and servingPosts(g) the slots of
// posts serving g there, filled or open, as of the date; the + 1 is the post
// being considered, so a village with no post yet divides by one. The group
// with the largest peoplePerPost is what a new post should serve (ties:
// elders, then children, then disabled). Then
//   score = peoplePerPost(best) × min(carers, CARERS_COUNTED)
// where carers are the village's people who cannot leave home, are not in
// work and could hold a public-welfare post (household poverty-alleviated or
// monitored). No carers: score 0 — a post nobody of the village can take
// employs nobody near home. Past CARERS_COUNTED carers, more do not make one
// new post more useful, so a crowd of carers does not outrank great need.
export const careGroups = ['elders', 'children', 'disabled'] as const;
export type CareGroup = (typeof careGroups)[number];

/** Carers counted at most in a score (see the header). */
export const CARERS_COUNTED = 3;

export interface CareNumbers {
  people: Record<CareGroup, number>;
  /** Slots of serving posts, filled + open, per group. */
  servingPosts: Record<CareGroup, number>;
  /** Carers not in work who could hold a public-welfare post. */
  carers: number;
}

export interface CareScore {
  score: number;
  /** What a new post here should serve; null when nobody here is counted as needing care. */
  serves: CareGroup | null;
  people: number;
  servingPosts: number;
  peoplePerPost: number;
  carers: number;
  carersCounted: number;
  /** The rule applied to this row's numbers, in words. */
  text: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function careScore(n: CareNumbers): CareScore {
  let best: CareGroup | null = null;
  let bestPer = 0;
  for (const g of careGroups) {
    const per = n.people[g] / (n.servingPosts[g] + 1);
    if (n.people[g] > 0 && per > bestPer) {
      best = g;
      bestPer = per;
    }
  }
  const carersCounted = Math.min(Math.max(n.carers, 0), CARERS_COUNTED);
  if (!best) {
    return { score: 0, serves: null, people: 0, servingPosts: 0, peoplePerPost: 0, carers: n.carers, carersCounted, text: 'no one counted as needing care here: score 0' };
  }
  const people = n.people[best];
  const posts = n.servingPosts[best];
  const per = round2(bestPer);
  const score = round2(bestPer * carersCounted);
  const text =
    `${people} ${best} / (${posts} serving slots + 1 new) = ${per} per post` +
    ` × ${carersCounted} carer${carersCounted === 1 ? '' : 's'}` +
    (n.carers > CARERS_COUNTED ? ` (of ${n.carers}; at most ${CARERS_COUNTED} count)` : '') +
    ` = ${score}` +
    (n.carers === 0 ? ': no carer here could take it' : '');
  return { score, serves: best, people, servingPosts: posts, peoplePerPost: per, carers: n.carers, carersCounted, text };
}

/** Higher score first; then more people in need; then by area code (a stable order). */
export function compareCare(a: { score: CareScore; peopleTotal: number; areaCode: string }, b: { score: CareScore; peopleTotal: number; areaCode: string }): number {
  return b.score.score - a.score.score || b.peopleTotal - a.peopleTotal || (a.areaCode < b.areaCode ? -1 : a.areaCode > b.areaCode ? 1 : 0);
}

/** The rule in one sentence, for the API and the export (the header says why). */
export const CARE_RULE =
  `score = people of the group in most need per serving post (people / (serving slots filled + open + 1)) × min(carers who cannot leave home, are not in work and could hold a public-welfare post, ${CARERS_COUNTED}); higher first, then more people in need, then area code`;
