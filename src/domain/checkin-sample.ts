// Which public-welfare post holders the sampled check-in (抽查回访) asks in a
// month: deterministic (the same holders for the same month, whichever
// process or run decides), fair (every holder is asked in the same share of
// months in the long run, none singled out) and testable (the count over a
// run of holders is the configured share within a holder or two).
//
// Each (placement, month) gets the fractional part of a Weyl sequence,
// placementId × φ⁻¹ + month × ρ (φ the golden ratio, ρ the plastic number's
// fractional part): over consecutive placement ids its values spread evenly
// over [0, 1) (the three-gap theorem), and month by month a holder's value
// moves on by ρ, so it falls below the share in that share of the months.
const PHI = 0.6180339887498949;
const RHO = 0.3247179572447460;

/** The month's position: months since year 0 (YYYY-MM). */
function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

/** The holder's place in the month's draw, in [0, 1). */
export function checkinDraw(placementId: number, month: string): number {
  const x = placementId * PHI + monthIndex(month) * RHO;
  return x - Math.floor(x);
}

/** Whether the holder of this placement is asked this month, for a share (0–1) of holders. */
export const inCheckinSample = (placementId: number, month: string, share: number) => checkinDraw(placementId, month) < share;
