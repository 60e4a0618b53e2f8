// Worklists: zero-employment households, longest waiting first, filtered by
// township or village, overdue, or a member who cannot leave home; each with
// its members (tap to call), the openings that suit them best and, for a
// public-welfare post, a link that proposes the member for it. And offers
// nobody answered.
import type { Hono } from 'hono';
import * as z from 'zod';
import type { ServiceCtx } from '../context.js';
import { type OpeningMatch, matchOpeningsForWorker } from '../services/matching.js';
import { findArea } from '../services/areas.js';
import { householdsOnOpenNotices } from '../services/public-notices.js';
import { stalledApplications, zeroEmploymentWorklist, type ZeroEmploymentItem } from '../services/worklists.js';
import { decodeCursor, encodeCursor, isoDateSchema } from '../validation.js';
import { AreaPicker, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { Page, Tags, Tel } from './layout.js';
import { areaLabel } from './overview.js';

export const WORKLIST_PAGE = 20;
const BEST_MATCHES = 3;
const cursorShape = z.strictObject({ since: isoDateSchema, householdId: z.number().int() });

export type WorklistRow = ZeroEmploymentItem & { matches: Record<number, OpeningMatch[]> };

/** The page's households with the best few openings for each member able to work. */
export async function worklistWithMatches(ctx: ServiceCtx, items: ZeroEmploymentItem[]): Promise<WorklistRow[]> {
  return Promise.all(
    items.map(async (item) => {
      const able = item.members.filter((m) => m.ableToWork && !m.erased);
      const lists = await Promise.all(able.map(async (m) => [m.id, await matchOpeningsForWorker(ctx, m.id, { limit: BEST_MATCHES })] as const));
      return { ...item, matches: Object.fromEntries(lists) };
    }),
  );
}

interface Filters {
  area?: string;
  asOf?: string;
  overdue: boolean;
  cannotLeaveHome: boolean;
}

/** The filters as a query string (the next page's link and the exports keep them). */
function filterQuery(f: Filters, extra: Record<string, string> = {}) {
  const u = new URLSearchParams();
  if (f.area) u.set('area', f.area);
  if (f.asOf) u.set('asOf', f.asOf);
  if (f.overdue) u.set('overdue', '1');
  if (f.cannotLeaveHome) u.set('cannotLeaveHome', '1');
  for (const [k, v] of Object.entries(extra)) u.set(k, v);
  return u.toString();
}

function ZeroPage(props: {
  c: CCtx;
  title: string;
  filters: Filters;
  asOf: string;
  picker: PickerState;
  rows: WorklistRow[];
  counts: { total: number; overdue: number };
  next: string | null;
  areaNames: Record<string, string>;
  onNotice: Map<number, { noticeId: string }>;
}) {
  const { c, rows, filters } = props;
  const t = c.var.t;
  return (
    <Page c={c} title={props.title}>
      <h1>{props.title}</h1>
      <form method="get" action="/console/worklists/zero-employment" id="worklist-filter" class="filters">
        <AreaPicker t={t} p={props.picker} legend={t.area} />
        <fieldset class="group">
          <legend>{t.showOnly}</legend>
          <div class="checks">
            <label>
              <input type="checkbox" name="overdue" value="1" checked={filters.overdue} /> {t.overdueOnly}
            </label>
            <label>
              <input type="checkbox" name="cannotLeaveHome" value="1" checked={filters.cannotLeaveHome} /> {t.cannotLeaveHomeOnly}
            </label>
          </div>
        </fieldset>
        <div class="actions">
          <label for="f-asOf">{t.asOf}</label>
          <input type="date" id="f-asOf" name="asOf" value={props.asOf} />
          <button type="submit" class="primary">
            {t.show}
          </button>
        </div>
      </form>
      <p id="worklist-counts" data-total={props.counts.total} data-overdue={props.counts.overdue} role="status">
        {t.worklistCounts(props.counts.total, props.counts.overdue)}
      </p>
      {rows.length === 0 ? <p class="msg ok">{t.noResults}</p> : null}
      {rows.length ? (
        <div class="tablewrap">
          <table id="worklist">
            <thead>
              <tr>
                <th>{t.household}</th>
                <th>{t.since}</th>
                <th class="num">{t.daysWaiting}</th>
                <th>{t.members}</th>
                <th>{t.bestMatches}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-household={r.householdId} data-overdue={r.overdue ? 'true' : 'false'}>
                  <td data-label={t.household}>
                    <a href={`/console/households/${r.householdId}`}>{t.householdNo(r.householdId)}</a>
                    <br />
                    <span class="muted">{props.areaNames[r.areaCode] ?? r.areaCode}</span>
                    <br />
                    <Tags
                      items={[
                        ...(r.overdue ? [{ text: t.overdue, cls: 'bad' }] : []),
                        ...(r.povertyAlleviated ? [{ text: t.poverty }] : []),
                        ...(r.monitored ? [{ text: t.monitored }] : []),
                      ]}
                    />
                    {props.onNotice.has(r.householdId) ? (
                      <div>
                        <span class="tag busy">{t.onNotice}</span>{' '}
                        <a href={`/console/notices/${props.onNotice.get(r.householdId)!.noticeId}`}>{t.seeNotice}</a>
                      </div>
                    ) : null}
                  </td>
                  <td data-label={t.since}>{r.since}</td>
                  <td data-label={t.daysWaiting} class="num">
                    {r.daysWaiting}
                  </td>
                  <td data-label={t.members}>
                    {r.members.map((m) => (
                      <div>
                        {m.erased ? t.erasedPerson : <a href={`/console/workers/${m.id}`}>{m.name ?? '—'}</a>} <Tel phone={m.phone} />{' '}
                        <Tags items={[...(!m.ableToWork ? [{ text: t.notAble }] : []), ...(m.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : [])]} />
                      </div>
                    ))}
                  </td>
                  <td data-label={t.bestMatches}>
                    {r.members.every((m) => (r.matches[m.id] ?? []).length === 0) ? (
                      <span class="muted">{t.noMatches}</span>
                    ) : (
                      r.members
                        .filter((m) => (r.matches[m.id] ?? []).length > 0)
                        .map((m) => (
                          <div>
                            <strong>{m.name}</strong>
                            {t.colon}
                            <ul style="margin:.1rem 0 .3rem 1rem;padding:0">
                              {(r.matches[m.id] ?? []).map((x) => (
                                <li>
                                  {x.opening.title}{' '}
                                  <span class="muted">
                                    ({t.kinds[x.opening.kind]}
                                    {t.reasonSep}
                                    {x.reasons
                                      .slice(0, 2)
                                      .map((reason) => t.reason(reason))
                                      .join(t.reasonSep)}
                                    )
                                  </span>
                                  {x.opening.kind === 'public_welfare' && !props.onNotice.has(r.householdId) ? (
                                    <>
                                      {' '}
                                      <a href={`/console/openings/${x.opening.id}?pick=${m.id}`} class="propose" data-propose={`${x.opening.id}:${m.id}`}>
                                        {t.propose1}
                                      </a>
                                    </>
                                  ) : null}
                                </li>
                              ))}
                            </ul>
                          </div>
                        ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {props.next ? (
        <p class="pager">
          <a href={`/console/worklists/zero-employment?${filterQuery({ ...filters, asOf: props.asOf }, { cursor: props.next })}`} id="next-page" rel="next">
            {t.next} →
          </a>
        </p>
      ) : null}
      <p class="noprint">
        {t.exports}
        {t.colon}
        <a href={`/console/exports/worklist.xlsx?${filterQuery({ area: filters.area, asOf: props.asOf, overdue: false, cannotLeaveHome: false })}`}>.xlsx</a> ·{' '}
        <a href={`/console/exports/worklist.csv?${filterQuery({ area: filters.area, asOf: props.asOf, overdue: false, cannotLeaveHome: false })}`}>CSV</a>
      </p>
    </Page>
  );
}

const rootOf = (ctx: ServiceCtx) => (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');

export function worklistRoutes(app: Hono<ConsoleEnv>) {
  app.get('/worklists/zero-employment', async (c) => {
    const ctx = ctxOf(c);
    const query = c.req.query();
    const picked = pickedArea(query, 'area', rootOf(ctx));
    const asOfRaw = query.asOf ?? '';
    const filters: Filters = {
      area: picked && /^\d{2,12}$/.test(picked) ? picked : undefined,
      asOf: isoDateSchema.safeParse(asOfRaw).success ? asOfRaw : undefined,
      overdue: query.overdue === '1',
      cannotLeaveHome: query.cannotLeaveHome === '1',
    };
    const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
    const list = await zeroEmploymentWorklist(ctx, {
      area: filters.area,
      asOf: filters.asOf,
      after,
      limit: WORKLIST_PAGE,
      overdueOnly: filters.overdue,
      cannotLeaveHome: filters.cannotLeaveHome,
      withCounts: true,
      withPhones: true,
    });
    const rows = await worklistWithMatches(ctx, list.items);
    const area = list.area ? await findArea(ctx.db, list.area) : undefined;
    const codes = [...new Set(rows.map((r) => r.areaCode))];
    const names = Object.fromEntries(
      (await Promise.all(codes.map((code) => findArea(ctx.db, code)))).filter((a) => a).map((a) => [a!.code, a!.name]),
    );
    const picker = await loadPicker(ctx, query, 'area', { value: filters.area });
    const onNotice = await householdsOnOpenNotices(ctx, rows.map((r) => r.householdId));
    const t = c.var.t;
    return c.html(
      <ZeroPage
        c={c}
        title={`${areaLabel(t, area)} · ${t.worklistTitle}`}
        filters={filters}
        asOf={list.asOf}
        picker={picker}
        rows={rows}
        counts={list.counts ?? { total: rows.length, overdue: rows.filter((r) => r.overdue).length }}
        next={list.next ? encodeCursor(list.next) : null}
        areaNames={names}
        onNotice={onNotice}
      />,
    );
  });

  app.get('/worklists/stalled', async (c) => {
    const ctx = ctxOf(c);
    const picked = pickedArea(c.req.query(), 'area', rootOf(ctx));
    const list = await stalledApplications(ctx, { area: picked && /^\d{2,12}$/.test(picked) ? picked : undefined, limit: 200 });
    const t = c.var.t;
    return c.html(
      <Page c={c} title={t.stalledTitle}>
        <h1>{t.stalledTitle}</h1>
        <p class="muted" id="stalled-count" data-total={list.items.length}>
          {t.foundN(list.items.length)}
        </p>
        {list.items.length === 0 ? <p class="msg ok">{t.noResults}</p> : null}
        {list.items.length ? (
          <div class="tablewrap">
            <table id="stalled">
              <thead>
                <tr>
                  <th>{t.worker}</th>
                  <th>{t.phone}</th>
                  <th>{t.opening}</th>
                  <th>{t.offeredAt}</th>
                  <th class="num">{t.daysWaiting}</th>
                  <th>{t.state}</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((a) => (
                  <tr data-application={a.applicationId}>
                    <td data-label={t.worker}>
                      <a href={`/console/workers/${a.worker.id}`}>{a.worker.name ?? t.erasedPerson}</a>
                    </td>
                    <td data-label={t.phone}>
                      <Tel phone={a.worker.phone} />
                    </td>
                    <td data-label={t.opening}>
                      {a.opening.title} <span class="muted">({a.opening.employerName})</span>
                    </td>
                    <td data-label={t.offeredAt}>{a.offeredAt.slice(0, 10)}</td>
                    <td data-label={t.daysWaiting} class="num">
                      {a.daysWaiting}
                    </td>
                    <td data-label={t.state}>{a.noticeId ? <a href={`/console/notices/${a.noticeId}`}>{t.onNoticeLink}</a> : t.states.offered}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Page>,
    );
  });
}
