// Calendar days as integers (days since 1970-01-01, UTC), for date arithmetic
// on ISO dates without time-zone surprises.
export const DAY_MS = 86_400_000;

export function dayNumber(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export const addDays = (isoDate: string, days: number) => isoDay(dayNumber(isoDate) + days);

export const daysBetween = (from: string, to: string) => dayNumber(to) - dayNumber(from);

/** The calendar date in China (UTC+8) of an instant: what "today" means to a bureau. */
export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * The one rule for "today" (DESIGN.md "China time"): the date in
 * Asia/Shanghai of the clock's now. Between 00:00 and 08:00 China time the UTC
 * date is still yesterday's; nothing takes a date from a UTC timestamp.
 */
export const todayInChina = (clock: { now(): Date }) => chinaDate(clock.now());

/** The China date of a stored ISO timestamp (created_at and the like). */
export const chinaDayOf = (timestamp: string) => chinaDate(new Date(timestamp));

/** First and last day of the month of a date. */
export function monthBounds(isoDate: string): { first: string; last: string } {
  const [y, m] = isoDate.split('-').map(Number) as [number, number];
  const first = `${isoDate.slice(0, 7)}-01`;
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return { first, last };
}

/**
 * The first instant after the China (UTC+8) day `isoDate`, as an ISO string
 * comparable with stored `created_at`-style timestamps: "recorded by the end
 * of that day" is `timestamp < chinaDayEnd(day)`.
 */
export function chinaDayEnd(isoDate: string): string {
  return new Date((dayNumber(isoDate) + 1) * DAY_MS - 8 * 3_600_000).toISOString();
}

/**
 * Dates people enter (starts, ends, closings, as-of dates) lie between
 * EARLIEST_DATE and YEARS_AHEAD years after today in China: earlier is before
 * any record this service could hold, later is a typing slip (a placement
 * "ending" in 9999 would keep a household off the list for ever).
 */
export const EARLIEST_DATE = '2000-01-01';
export const YEARS_AHEAD = 5;

/** The last date accepted as of an instant (today in China, YEARS_AHEAD years on; 29 February to 28). */
export function latestDate(now: Date): string {
  const today = chinaDate(now);
  const later = `${Number(today.slice(0, 4)) + YEARS_AHEAD}${today.slice(4)}`;
  return later.endsWith('-02-29') ? `${later.slice(0, 8)}28` : later;
}

/** Why a date is out of reason, or null when it is within it. */
export function dateOutOfRange(isoDate: string, now: Date): string | null {
  if (isoDate < EARLIEST_DATE) return `must be ${EARLIEST_DATE} or later`;
  const latest = latestDate(now);
  if (isoDate > latest) return `must be ${latest} or earlier (at most ${YEARS_AHEAD} years from today)`;
  return null;
}

/**
 * A date as people and spreadsheets write it — 2026-11-03, 2026/11/3,
 * 2026.11.3, 2026年11月3日, 20261103 — as YYYY-MM-DD, or why it is not one
 * (a day that does not exist, such as 2026-02-30, is refused). A cell a
 * spreadsheet stored as a date arrives already as YYYY-MM-DD (readXlsx).
 */
export function parseDateText(text: string): { date: string } | { reason: string } {
  const t = text.normalize('NFKC').trim();
  const m = /^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))$/.exec(t);
  if (!m) return { reason: `must be a date such as 2026-11-03 or 2026年11月3日, not "${text}"` };
  const [y, mo, d] = [m[1]!, m[2] ?? m[4]!, m[3] ?? m[5]!];
  const date = `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || isoDay(dayNumber(date)) !== date) return { reason: `is not a real date: "${text}"` };
  return { date };
}

/**
 * The same day `months` calendar months later (an agreement's term): a day
 * the later month lacks (31 January + 1 month) becomes its last day.
 */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
