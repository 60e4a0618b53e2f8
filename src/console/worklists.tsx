// Worklists: zero-employment households, longest waiting first, each with its
// members and the openings that suit them best; and offers nobody answered.
import type { Hono } from 'hono';
import * as z from 'zod';
import { type OpeningMatch, matchOpeningsForWorker } from '../services/matching.js';
import { stalledApplications, zeroEmploymentWorklist, type ZeroEmploymentItem } from '../services/worklists.js';
import { findArea } from '../services/areas.js';
import type { ServiceCtx } from '../context.js';
import { decodeCursor, encodeCursor, isoDateSchema } from '../validation.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { Page, Tags } from './layout.js';
import { areaDateQuery, areaLabel } from './overview.js';

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

function ZeroPage(props: { c: CCtx; title: string; asOf: string; area?: string; rows: WorklistRow[]; next: string | null; areaNames: Record<string, string> }) {
  const { c, rows } = props;
  const t = c.var.t;
  return (
    <Page c={c} title={props.title}>
      <h1>{props.title}</h1>
      <form class="inline" method="get" action="/console/worklists/zero-employment">
        <label>
          {t.area}
          <input name="area" value={props.area ?? ''} inputmode="numeric" pattern="\d{2,12}" size={12} />
        </label>
        <label>
          {t.asOf}
          <input type="date" name="asOf" value={props.asOf} />
        </label>
        <button type="submit" class="secondary">{t.show}</button>
      </form>
      {rows.length === 0 ? <p class="msg ok">{t.noResults}</p> : null}
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
                <td>
                  #{r.householdId}
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
                </td>
                <td>{r.since}</td>
                <td class="num">{r.daysWaiting}</td>
                <td>
                  {r.members.map((m) => (
                    <div>
                      {m.name ?? '—'}{' '}
                      <Tags
                        items={[...(!m.ableToWork ? [{ text: t.notAble }] : []), ...(m.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : [])]}
                      />
                    </div>
                  ))}
                </td>
                <td>
                  {r.members.every((m) => (r.matches[m.id] ?? []).length === 0) ? (
                    <span class="muted">{t.noMatches}</span>
                  ) : (
                    r.members
                      .filter((m) => (r.matches[m.id] ?? []).length > 0)
                      .map((m) => (
                        <div>
                          <strong>{m.name}</strong>:
                          <ul style="margin:.1rem 0 .3rem 1rem;padding:0">
                            {(r.matches[m.id] ?? []).map((x) => (
                              <li>
                                {x.opening.kind === 'public_welfare' ? (
                                  <a href={`/console/openings/${x.opening.id}`}>{x.opening.title}</a>
                                ) : (
                                  x.opening.title
                                )}{' '}
                                <span class="muted">
                                  ({t.kinds[x.opening.kind]}; {x.reasons.slice(0, 2).map((reason) => t.reason(reason)).join('；')})
                                </span>
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
      {props.next ? (
        <p>
          <a href={`/console/worklists/zero-employment?${new URLSearchParams({ ...(props.area ? { area: props.area } : {}), asOf: props.asOf, cursor: props.next })}`}>
            {t.next} →
          </a>
        </p>
      ) : null}
      <p class="noprint">
        {t.exports}: <a href={`/console/exports/worklist.xlsx?${new URLSearchParams({ ...(props.area ? { area: props.area } : {}), asOf: props.asOf })}`}>.xlsx</a> ·{' '}
        <a href={`/console/exports/worklist.csv?${new URLSearchParams({ ...(props.area ? { area: props.area } : {}), asOf: props.asOf })}`}>CSV</a>
      </p>
    </Page>
  );
}

export function worklistRoutes(app: Hono<ConsoleEnv>) {
  app.get('/worklists/zero-employment', async (c) => {
    const ctx = ctxOf(c);
    const parsed = areaDateQuery.safeParse(c.req.query());
    const input: { area?: string; asOf?: string } = parsed.success ? parsed.data : {};
    const cursor = c.req.query('cursor');
    const after = cursor ? decodeCursor(cursor, cursorShape) : undefined;
    const list = await zeroEmploymentWorklist(ctx, { area: input.area, asOf: input.asOf, after, limit: WORKLIST_PAGE });
    const rows = await worklistWithMatches(ctx, list.items);
    const area = list.area ? await findArea(ctx.db, list.area) : undefined;
    const codes = [...new Set(rows.map((r) => r.areaCode))];
    const names = Object.fromEntries(
      (await Promise.all(codes.map((code) => findArea(ctx.db, code)))).filter((a) => a).map((a) => [a!.code, a!.name]),
    );
    const t = c.var.t;
    return c.html(
      <ZeroPage
        c={c}
        title={`${areaLabel(t, area)} · ${t.worklistTitle}`}
        asOf={list.asOf}
        area={list.area ?? undefined}
        rows={rows}
        next={list.next ? encodeCursor(list.next) : null}
        areaNames={names}
      />,
    );
  });

  app.get('/worklists/stalled', async (c) => {
    const ctx = ctxOf(c);
    const parsed = areaDateQuery.safeParse(c.req.query());
    const list = await stalledApplications(ctx, { area: parsed.success ? parsed.data.area : undefined, limit: 200 });
    const t = c.var.t;
    return c.html(
      <Page c={c} title={t.stalledTitle}>
        <h1>{t.stalledTitle}</h1>
        {list.items.length === 0 ? <p class="msg ok">{t.noResults}</p> : null}
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
                  <td>
                    {a.worker.name ?? '—'} <span class="muted">#{a.worker.id}</span>
                  </td>
                  <td>{a.worker.phone ?? ''}</td>
                  <td>
                    {a.opening.title} <span class="muted">({a.opening.employerName})</span>
                  </td>
                  <td>{a.offeredAt.slice(0, 10)}</td>
                  <td class="num">{a.daysWaiting}</td>
                  <td>
                    {a.noticeId ? (
                      <a href={`/console/notices/${a.noticeId}`}>{t.noticeDone}</a>
                    ) : (
                      t.states.offered
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Page>,
    );
  });
}
