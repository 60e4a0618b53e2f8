// The overview: the counts of /v1/stats for an area and a date, as figures
// and charts, a 12-month trend (statsFor as of each month's end: the same
// counting, asked twelve times) and one row per area one level down.
import type { Hono } from 'hono';
import { raw } from 'hono/html';
import * as z from 'zod';
import { sql } from 'drizzle-orm';
import { areas, placementTypes, transferScopes } from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { addDays, monthBounds } from '../domain/dates.js';
import { barChart, columnChart, stackedBar } from '../lib/svg-charts.js';
import { type Area, areaAncestry, findArea, listAreas } from '../services/areas.js';
import { today } from '../services/households.js';
import { readVia } from '../services/read-pool/run.js';
import type { Stats } from '../services/stats.js';
import { areaCodeSchema, isoDateSchema } from '../validation.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import type { Messages } from './i18n.js';
import { Page } from './layout.js';
import { AreaPicker, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type OpenNotice, openNotices } from '../services/public-notices.js';
import { stalledApplications } from '../services/worklists.js';

export const areaDateQuery = z.object({
  area: z.union([areaCodeSchema, z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  asOf: z.union([isoDateSchema, z.literal('')]).optional().transform((v) => (v ? v : undefined)),
});

/** The month-ends of the 12 months up to asOf (asOf itself for its own month), oldest first. */
export function trendDates(asOf: string): Array<{ month: string; asOf: string }> {
  const out: Array<{ month: string; asOf: string }> = [];
  let day = asOf;
  for (let i = 0; i < 12; i++) {
    out.unshift({ month: day.slice(0, 7), asOf: day });
    day = addDays(monthBounds(day).first, -1);
  }
  return out;
}

export interface Overview {
  stats: Stats;
  area: Area | null;
  ancestry: Area[];
  trend: Array<{ month: string; started: number; ended: number }>;
  children: Array<{ area: Area; stats: Stats }>;
}

/** The figures of `code` on each of the trend's days, as one read call. */
async function trendOf(ctx: ServiceCtx, code: string | undefined, dates: ReturnType<typeof trendDates>) {
  const figures = await readVia(ctx, 'statsMany', dates.map((m) => ({ area: code, asOf: m.asOf })));
  return dates.map((m, i) => ({ month: m.month, s: figures[i]! }));
}

export async function overviewData(ctx: ServiceCtx, q: { area?: string; asOf?: string }): Promise<Overview> {
  const stats = await readVia(ctx, 'stats', { area: q.area, asOf: q.asOf ?? today(ctx) });
  const code = stats.area ?? undefined;
  const [area, ancestry, trendStats, children] = await Promise.all([
    code ? findArea(ctx.db, code) : Promise.resolve(undefined),
    code ? areaAncestry(ctx.db, code) : Promise.resolve([]),
    trendOf(ctx, code, trendDates(stats.asOf)),
    listAreas(ctx.db, { parent: code, limit: 200 }),
  ]);
  // Each table as one read call (statsMany): a page of 200 areas takes one place in a read thread's queue.
  const childFigures = await readVia(ctx, 'statsMany', children.items.map((a) => ({ area: a.code, asOf: stats.asOf })));
  const childStats = children.items.map((a, i) => ({ area: a, stats: childFigures[i]! }));
  return {
    stats,
    area: area ?? null,
    ancestry: ancestry.reverse(),
    trend: trendStats.map(({ month, s }) => ({ month, started: s.placementsThisMonth.started, ended: s.placementsThisMonth.ended })),
    children: childStats,
  };
}

/** The figures, in the order a bureau reports them; the xlsx export uses the same list. */
export function figureRows(t: Messages, s: Stats): Array<{ key: string; label: string; value: number; warn?: boolean }> {
  return [
    { key: 'workersRegistered', label: t.figures.workersRegistered, value: s.workersRegistered },
    { key: 'inWork.total', label: t.figures.inWork, value: s.inWork.total },
    { key: 'inWork.inProvince', label: t.figures.inProvince, value: s.inWork.inProvince },
    { key: 'inWork.outOfProvince', label: t.figures.outOfProvince, value: s.inWork.outOfProvince },
    ...placementTypes.map((p) => ({ key: `inWork.byType.${p}`, label: `${t.figures.inWork}·${t.types[p]}`, value: s.inWork.byType[p] })),
    ...transferScopes.map((p) => ({ key: `inWork.byScope.${p}`, label: `${t.figures.inWork}·${t.scopes[p]}`, value: s.inWork.byScope[p] })),
    { key: 'publicWelfarePosts.filled', label: t.figures.pwFilled, value: s.publicWelfarePosts.filled },
    { key: 'publicWelfarePosts.open', label: t.figures.pwOpen, value: s.publicWelfarePosts.open },
    { key: 'workshops.certified', label: t.figures.workshops, value: s.workshops.certified },
    { key: 'workshops.povertyAlleviatedEmployed', label: t.figures.workshopPoor, value: s.workshops.povertyAlleviatedEmployed },
    { key: 'zeroEmployment.remaining', label: t.figures.zeroRemaining, value: s.zeroEmployment.remaining },
    { key: 'zeroEmployment.overdue', label: t.figures.zeroOverdue, value: s.zeroEmployment.overdue, warn: s.zeroEmployment.overdue > 0 },
    { key: 'zeroEmployment.allHouseholds', label: t.figures.zeroAll, value: s.zeroEmployment.allHouseholds },
    { key: 'placementsThisMonth.started', label: t.figures.started, value: s.placementsThisMonth.started },
    { key: 'placementsThisMonth.ended', label: t.figures.ended, value: s.placementsThisMonth.ended },
  ];
}

const cardKeys = [
  'workersRegistered',
  'inWork.total',
  'inWork.inProvince',
  'inWork.outOfProvince',
  'publicWelfarePosts.filled',
  'publicWelfarePosts.open',
  'workshops.certified',
  'workshops.povertyAlleviatedEmployed',
  'zeroEmployment.remaining',
  'zeroEmployment.overdue',
  'zeroEmployment.allHouseholds',
  'placementsThisMonth.started',
  'placementsThisMonth.ended',
];

export const areaLabel = (t: Messages, a: Area | null | undefined) => (a ? `${a.name}` : t.allAreas);

function q(params: Record<string, string | undefined>) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

function OverviewPage(props: { c: CCtx; o: Overview; picker: PickerState; notices: OpenNotice[]; stalled: number }) {
  const { c, o } = props;
  const t = c.var.t;
  const s = o.stats;
  const area = s.area ?? undefined;
  const rows = figureRows(t, s);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const title = t.overviewTitle(areaLabel(t, o.area), s.asOf);
  const month = s.asOf.slice(0, 7);
  return (
    <Page c={c} title={title}>
      <div class="crumbs">
        <a href={`/console/overview${q({ area: c.var.session!.actor.role === 'admin' ? '' : undefined, asOf: s.asOf })}`}>
          {c.var.session!.actor.role === 'admin' ? t.allAreas : '⌂'}
        </a>
        {o.ancestry.map((a) => (
          <>
            {' › '}
            <a href={`/console/overview${q({ area: a.code, asOf: s.asOf })}`}>{a.name}</a>
          </>
        ))}
      </div>
      <h1 id="overview-title">{title}</h1>
      <form method="get" action="/console/overview" id="overview-filter">
        <AreaPicker t={t} p={props.picker} legend={t.area} />
        <div class="actions">
          <label for="f-asOf">{t.asOf}</label>
          <input type="date" id="f-asOf" name="asOf" value={s.asOf} />
          <button type="submit" class="primary">
            {t.show}
          </button>
        </div>
      </form>
      <div class="panel" id="to-do">
        <h2>{t.toDo}</h2>
        {props.notices.length === 0 && props.stalled === 0 ? <p class="muted">{t.nothingWaiting}</p> : null}
        {props.notices.length ? (
          <ul id="open-notices">
            {props.notices.map((n) => (
              <li data-notice={n.id} data-due={n.due ? 'true' : 'false'}>
                <a href={`/console/notices/${n.id}`}>{n.title}</a> · {t.peopleN(n.people)} ·{' '}
                {n.due ? <span class="tag bad">{t.noticeStatus.due}</span> : <span class="tag busy">{t.finaliseNotYet(n.finalFrom)}</span>}
              </li>
            ))}
          </ul>
        ) : null}
        {props.stalled > 0 ? (
          <p id="stalled-offers">
            <a href="/console/worklists/stalled">{t.stalledN(props.stalled)}</a>
          </p>
        ) : null}
      </div>
      <div class="cards">
        {cardKeys.map((k) => {
          const r = byKey.get(k)!;
          return (
            <div class={r.warn ? 'card warn' : 'card'}>
              <div class="n" data-figure={k}>{r.value}</div>
              <div class="l">{r.label}</div>
            </div>
          );
        })}
      </div>
      <p class="muted" id="parts-note">{t.partsNote}</p>
      <div class="panel" id="care-panel" style="margin-top:.8rem">
        <h2>{t.care.heading}</h2>
        <div class="cards">
          <div class="card"><div class="n" data-figure="care.leftBehindElders">{s.care.leftBehindElders}</div><div class="l">{t.care.elders}</div></div>
          <div class="card"><div class="n" data-figure="care.leftBehindChildren">{s.care.leftBehindChildren}</div><div class="l">{t.care.children}</div></div>
          <div class="card"><div class="n" data-figure="care.disabledInDifficulty">{s.care.disabledInDifficulty}</div><div class="l">{t.care.disabled}</div></div>
          <div class="card"><div class="n" data-figure="care.servingPosts.filled">{s.care.servingPosts.filled}</div><div class="l">{t.care.servingFilled}</div></div>
          <div class="card"><div class="n" data-figure="care.servingPosts.open">{s.care.servingPosts.open}</div><div class="l">{t.care.servingOpen}</div></div>
        </div>
        <p>
          <a href={`/console/care-coverage${q({ area, asOf: s.asOf })}`} id="care-link">{t.care.link}</a>
        </p>
      </div>
      <div class="charts" style="margin-top:.8rem">
        <div class="panel">
          <h2>{t.byType}</h2>
          {raw(barChart({ title: t.byType, width: 340, bars: placementTypes.map((p) => ({ label: t.types[p]!, value: s.inWork.byType[p] })) }))}
        </div>
        <div class="panel">
          <h2>{t.byScope}</h2>
          {raw(barChart({ title: t.byScope, width: 340, bars: transferScopes.map((p) => ({ label: t.scopes[p]!, value: s.inWork.byScope[p] })) }))}
        </div>
      </div>
      <div class="panel" style="margin-top:.8rem">
        <h2>{t.trend}</h2>
        {raw(
          columnChart({
            title: t.trend,
            width: 900,
            className: 'chart-wide',
            labels: o.trend.map((m) => m.month.slice(2).replace('-', '/')),
            series: [
              { name: t.trendStarted, values: o.trend.map((m) => m.started) },
              { name: t.trendEnded, values: o.trend.map((m) => m.ended) },
            ],
          }),
        )}
        {raw(
          columnChart({
            title: t.trend,
            width: 340,
            className: 'chart-narrow',
            labelEvery: 2,
            labels: o.trend.map((m) => m.month.slice(2).replace('-', '/')),
            series: [
              { name: t.trendStarted, values: o.trend.map((m) => m.started) },
              { name: t.trendEnded, values: o.trend.map((m) => m.ended) },
            ],
          }),
        )}
        <details>
          <summary class="muted">{t.trend}</summary>
          <table>
            <thead>
              <tr>
                <th>{t.month}</th>
                <th class="num">{t.trendStarted}</th>
                <th class="num">{t.trendEnded}</th>
              </tr>
            </thead>
            <tbody>
              {o.trend.map((m) => (
                <tr data-month={m.month}>
                  <td>{m.month}</td>
                  <td class="num">{m.started}</td>
                  <td class="num">{m.ended}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </div>
      <div class="charts" style="margin-top:.8rem">
        <div class="panel">
          <h2>{t.posts}</h2>
          {raw(
            stackedBar({
              title: t.posts,
              width: 300,
              parts: [
                { label: t.postsFilled, value: s.publicWelfarePosts.filled, color: '#2e9d5b' },
                { label: t.postsOpen, value: s.publicWelfarePosts.open, color: '#e07b1f' },
              ],
            }),
          )}
        </div>
        <div class="panel">
          <h2>{t.workshopsChart}</h2>
          {raw(
            barChart({
              title: t.workshopsChart,
              width: 300,
              bars: [
                { label: t.figures.workshops, value: s.workshops.certified, color: '#1f6fb2' },
                { label: t.figures.workshopPoor, value: s.workshops.povertyAlleviatedEmployed, color: '#8e44ad' },
              ],
            }),
          )}
        </div>
        <div class="panel">
          <h2>{t.zeroChart}</h2>
          {raw(
            barChart({
              title: t.zeroChart,
              width: 300,
              bars: [
                { label: t.zeroRemaining, value: s.zeroEmployment.remaining, color: '#e07b1f' },
                { label: t.zeroOverdue, value: s.zeroEmployment.overdue, color: '#c0392b' },
              ],
            }),
          )}
          <p>
            <a href={`/console/worklists/zero-employment${q({ area, asOf: s.asOf })}`}>{t.worklistTitle} →</a>
          </p>
        </div>
      </div>
      {o.children.length > 0 ? (
        <>
          <h2>{t.subareas}</h2>
          <div class="tablewrap">
            <table id="subareas">
              <thead>
                <tr>
                  <th>{t.name}</th>
                  <th class="num">{t.figures.inWork}</th>
                  <th class="num">{t.figures.inProvince}</th>
                  <th class="num">{t.figures.outOfProvince}</th>
                  <th class="num">{t.figures.pwFilled}</th>
                  <th class="num">{t.figures.pwOpen}</th>
                  <th class="num">{t.figures.zeroRemaining}</th>
                  <th class="num">{t.figures.zeroOverdue}</th>
                  <th class="num">{t.figures.started}</th>
                </tr>
              </thead>
              <tbody>
                {o.children.map(({ area: a, stats: cs }) => (
                  <tr data-area={a.code}>
                    <td data-label={t.name}>
                      <a href={`/console/overview${q({ area: a.code, asOf: s.asOf })}`}>{a.name}</a> <span class="muted">{a.code}</span>
                    </td>
                    <td data-label={t.figures.inWork} class="num">{cs.inWork.total}</td>
                    <td data-label={t.figures.inProvince} class="num">{cs.inWork.inProvince}</td>
                    <td data-label={t.figures.outOfProvince} class="num">{cs.inWork.outOfProvince}</td>
                    <td data-label={t.figures.pwFilled} class="num">{cs.publicWelfarePosts.filled}</td>
                    <td data-label={t.figures.pwOpen} class="num">{cs.publicWelfarePosts.open}</td>
                    <td data-label={t.figures.zeroRemaining} class="num">{cs.zeroEmployment.remaining}</td>
                    <td data-label={t.figures.zeroOverdue} class="num">{cs.zeroEmployment.overdue > 0 ? <span class="tag bad">{cs.zeroEmployment.overdue}</span> : 0}</td>
                    <td data-label={t.figures.started} class="num">{cs.placementsThisMonth.started}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <h2>{t.exports}</h2>
      <ul class="exports">
        <li>
          <a href={`/console/closings${q({ area: area && area.length <= 6 ? area : undefined })}`} id="closings-link">
            {t.nav.closings}
          </a>
        </li>
        <li>
          <a href={`/console/agreements?due=renewal${area ? `&area=${area}` : ''}`} id="agreements-link">
            {t.renewalDueTitle}
          </a>{' '}
          · <a href={`/console/assessments${q({ area })}`} id="assessments-link">
            {t.postMonth.nav}
          </a>{' '}
          · {t.postMonth.exportList}: <a href={`/console/exports/subsidy.xlsx${q({ area, month })}`}>.xlsx</a> · <a href={`/console/exports/subsidy.csv${q({ area, month })}`}>CSV</a>{' '}
          · <a href={`/console/post-checks${q({ area })}`} id="post-checks-link">{t.postMonth.checksNav}</a>
        </li>
        <li>
          {t.exportOverview}: <a href={`/console/exports/overview.xlsx${q({ area, asOf: s.asOf })}`}>.xlsx</a> ·{' '}
          <a href={`/console/exports/overview.csv${q({ area, asOf: s.asOf })}`}>CSV</a>
        </li>
        <li>
          {t.exportWorklist}: <a href={`/console/exports/worklist.xlsx${q({ area, asOf: s.asOf })}`}>.xlsx</a> ·{' '}
          <a href={`/console/exports/worklist.csv${q({ area, asOf: s.asOf })}`}>CSV</a>
        </li>
        <li>
          {t.exportPlacements} ({month}): <a href={`/console/exports/placements.xlsx${q({ area, month })}`}>.xlsx</a> ·{' '}
          <a href={`/console/exports/placements.csv${q({ area, month })}`}>CSV</a>
        </li>
      </ul>
    </Page>
  );
}

export function overviewRoutes(app: Hono<ConsoleEnv>) {
  app.get('/overview', async (c) => {
    const ctx = ctxOf(c);
    const query = c.req.query();
    const picked = pickedArea(query, 'area', ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');
    const parsed = areaDateQuery.safeParse({ area: picked ?? '', asOf: query.asOf ?? '' });
    const input: { area?: string; asOf?: string } = parsed.success ? parsed.data : {};
    const o = await overviewData(ctx, input);
    const area = o.stats.area ?? undefined;
    const [picker, notices, stalled] = await Promise.all([
      loadPicker(ctx, query, 'area', { value: area }),
      openNotices(ctx, { area, limit: 50 }),
      stalledApplications(ctx, { area, limit: 200 }),
    ]);
    return c.html(<OverviewPage c={c} o={o} picker={picker} notices={[...notices].sort((a, b) => Number(b.due) - Number(a.due))} stalled={stalled.items.length} />);
  });
}

/** Names of area codes, for labels (one query). */
export async function namesOf(db: ServiceCtx['db'], codes: string[]): Promise<Record<string, string>> {
  const unique = [...new Set(codes.flatMap((c) => (c.length > 9 ? [c, c.slice(0, 9)] : [c])))];
  if (unique.length === 0) return {};
  const rows = await db.select({ code: areas.code, name: areas.name }).from(areas).where(sql`${areas.code} IN (SELECT value FROM json_each(${JSON.stringify(unique)}))`);
  return Object.fromEntries(rows.map((r) => [r.code, r.name]));
}

/** "文澜街道 某村" for a village code, the name alone otherwise. */
export const placeName = (names: Record<string, string>, code: string) =>
  code.length > 9 ? `${names[code.slice(0, 9)] ?? code.slice(0, 9)} ${names[code] ?? code}` : (names[code] ?? code);
