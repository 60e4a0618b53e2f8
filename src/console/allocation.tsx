// Allocation of a public-welfare post: its ranked eligible candidates with
// their reasons; staff pick people, who go on a 7-day public notice (公示),
// then finalise the hires. The notice's public page shows masked names and
// villages only.
import type { Hono } from 'hono';
import * as z from 'zod';
import { AppError } from '../errors.js';
import { type Candidate, candidatesForOpening } from '../services/matching.js';
import { getOpening, type Opening } from '../services/openings.js';
import {
  type FinaliseResult,
  finaliseNotice,
  freeSlots,
  getNotice,
  type NoticeView,
  noticesForOpening,
  proposeHires,
  type PublicNotice,
  publicNoticePage,
  withdrawFromNotice,
} from '../services/public-notices.js';
import { today } from '../services/households.js';
import { addDays } from '../domain/dates.js';
import { idSchema } from '../validation.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { Csrf, Page, Tags } from './layout.js';
import { say } from './i18n.js';
import { namesOf, placeName } from './overview.js';

const CANDIDATES_SHOWN = 30;

interface AllocationProps {
  c: CCtx;
  o: Opening & { employerName: string };
  free: number;
  candidates: Candidate[];
  notices: PublicNotice[];
  names: Record<string, string>;
  picked?: number[];
  error?: string;
  issues?: Record<string, string>;
}

function AllocationPage(p: AllocationProps) {
  const { c, o } = p;
  const t = c.var.t;
  const title = t.allocationTitle(o.title);
  const picked = new Set(p.picked ?? []);
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      <p>
        {t.employer}: {o.employerName} · {t.place}: {placeName(p.names, o.areaCode)} · {t.status}: {t.statuses[o.status]} · {t.slots}:{' '}
        <strong data-figure="slots">{o.slots}</strong> · {t.slotsFilled}: <strong data-figure="slotsFilled">{o.slotsFilled}</strong> ·{' '}
        {t.freeSlots}: <strong data-figure="free">{p.free}</strong>
      </p>
      {p.notices.length > 0 ? (
        <>
          <h2>{t.notices}</h2>
          <ul>
            {p.notices.map((n) => (
              <li>
                <a href={`/console/notices/${n.id}`}>{t.noticePeriod(n.startDate, addDays(n.endDate, -1))}</a> — {t.noticeStatus[n.status]}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {o.kind === 'public_welfare' && o.status === 'open' ? (
        <>
          <h2>{t.candidates}</h2>
          {p.error ? (
            <p class="msg error" role="alert" id="allocation-error">
              {p.error}
            </p>
          ) : null}
          {p.candidates.length === 0 ? (
            <p class="muted">{t.noCandidates}</p>
          ) : (
            <form method="post" action={`/console/openings/${o.id}/propose`} id="allocate">
              <Csrf c={c} />
              <div class="tablewrap">
                <table id="candidates">
                  <thead>
                    <tr>
                      <th>{t.pick}</th>
                      <th>#</th>
                      <th>{t.personName}</th>
                      <th>{t.village}</th>
                      <th>{t.tier}</th>
                      <th class="num">{t.distance}</th>
                      <th>{t.reasons}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.candidates.map((cand, i) => (
                      <tr data-worker={cand.worker.id} data-household={cand.worker.householdId}>
                        <td>
                          <input
                            type="checkbox"
                            name="workerIds"
                            value={String(cand.worker.id)}
                            id={`pick-${cand.worker.id}`}
                            checked={picked.has(cand.worker.id)}
                            aria-label={`${t.pick} ${cand.worker.name ?? ''}`}
                          />
                        </td>
                        <td>{i + 1}</td>
                        <td>
                          <label for={`pick-${cand.worker.id}`}>{cand.worker.name ?? '—'}</label>
                          {p.issues?.[String(cand.worker.id)] ? (
                            <div class="err" style="color:#b3261e" role="alert">
                              {p.issues[String(cand.worker.id)]}
                            </div>
                          ) : null}
                        </td>
                        <td>{placeName(p.names, cand.worker.areaCode)}</td>
                        <td>
                          <Tags items={[{ text: t.tiers[cand.tier] ?? cand.tier, cls: cand.tier === 'zero_employment' ? 'bad' : undefined }]} />
                        </td>
                        <td class="num">{cand.distanceKm !== null ? `${cand.distanceKm} km` : '—'}</td>
                        <td>{cand.reasons.map((r) => t.reason(r)).join('；')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p>
                <button type="submit" class="primary" disabled={p.free === 0}>
                  {t.propose}
                </button>
              </p>
            </form>
          )}
        </>
      ) : null}
    </Page>
  );
}

async function renderAllocation(c: CCtx, id: number, extra: Partial<AllocationProps> = {}, status: 200 | 400 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const o = await getOpening(ctx, id);
  const [free, candidates, notices] = await Promise.all([
    freeSlots(ctx, id),
    o.kind === 'public_welfare' && o.status === 'open' ? candidatesForOpening(ctx, id, { limit: CANDIDATES_SHOWN }) : Promise.resolve([]),
    noticesForOpening(ctx, id),
  ]);
  const names = await namesOf(ctx.db, [o.areaCode, ...candidates.map((x) => x.worker.areaCode)]);
  return c.html(<AllocationPage c={c} o={o} free={free} candidates={candidates} notices={notices} names={names} {...extra} />, status);
}

function NoticeStaffPage(props: { c: CCtx; v: NoticeView; today: string; results?: FinaliseResult[]; error?: string }) {
  const { c, v } = props;
  const t = c.var.t;
  const n = v.notice;
  const finalFrom = n.endDate;
  return (
    <Page c={c} title={t.noticeTitle}>
      <h1>
        {t.noticeTitle}: {v.opening.title}
      </h1>
      <p>
        {t.noticePeriod(n.startDate, addDays(n.endDate, -1))} · {t.status}: <strong data-notice-status={n.status}>{t.noticeStatus[n.status]}</strong>
      </p>
      <p>
        <a href={`/console/public/notices/${n.id}`} id="public-link">
          {t.publicPage}
        </a>{' '}
        · <a href={`/console/openings/${v.opening.id}`}>{t.allocate}</a>
      </p>
      {props.error ? <p class="msg error" role="alert">{props.error}</p> : null}
      {props.results ? (
        <div class="msg ok" id="finalise-results">
          {props.results.map((r) => (
            <div data-worker={r.workerId} data-outcome={r.outcome}>
              #{r.workerId}: {t.results[r.outcome]}
              {r.message ? ` (${r.message})` : ''}
            </div>
          ))}
        </div>
      ) : null}
      <div class="tablewrap">
        <table id="notice-entries">
          <thead>
            <tr>
              <th>{t.personName}</th>
              <th>{t.village}</th>
              <th>{t.state}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {v.entries.map((e) => (
              <tr data-worker={e.workerId} data-state={e.state ?? ''}>
                <td>{e.name ?? '—'}</td>
                <td>{placeName(v.areaNames, e.areaCode)}</td>
                <td>{e.state ? t.states[e.state] : '—'}</td>
                <td>
                  {n.status === 'open' && e.state === 'offered' ? (
                    <form method="post" action={`/console/notices/${n.id}/withdraw`}>
                      <Csrf c={c} />
                      <input type="hidden" name="workerId" value={String(e.workerId)} />
                      <button type="submit" class="secondary">{t.withdraw}</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {n.status === 'open' ? (
        props.today >= finalFrom ? (
          <form method="post" action={`/console/notices/${n.id}/finalise`} id="finalise">
            <Csrf c={c} />
            <p>
              <button type="submit" class="primary">{t.finalise}</button>
            </p>
          </form>
        ) : (
          <p class="muted" id="finalise-not-yet">{t.finaliseNotYet(finalFrom)}</p>
        )
      ) : null}
    </Page>
  );
}

const idParam = z.object({ id: idSchema });
const noticeIdParam = z.object({ id: z.string().regex(/^pn_[A-Za-z0-9_-]{20,100}$/) });

function parseId(c: CCtx): number {
  const p = idParam.safeParse({ id: c.req.param('id') });
  if (!p.success) throw new AppError('not_found', 'not found');
  return p.data.id;
}

function parseNoticeId(c: CCtx): string {
  const p = noticeIdParam.safeParse({ id: c.req.param('id') });
  if (!p.success) throw new AppError('not_found', 'not found');
  return p.data.id;
}

export function allocationRoutes(app: Hono<ConsoleEnv>) {
  app.get('/openings/:id{[0-9]+}', async (c) => renderAllocation(c, parseId(c)));

  app.post('/openings/:id{[0-9]+}/propose', async (c) => {
    const id = parseId(c);
    const body = await c.req.parseBody({ all: true });
    const raw = body.workerIds;
    const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
    const ids = list.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
    const t = c.var.t;
    if (ids.length === 0) return renderAllocation(c, id, { error: t.fieldErrors.pickOne }, 400);
    try {
      const notice = await proposeHires(ctxOf(c), id, ids);
      return c.redirect(`/console/notices/${notice.id}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found' || err.code === 'forbidden') throw err;
      const issues: Record<string, string> = {};
      for (const i of err.issues) {
        const m = /^workerIds\.(\d+)$/.exec(i.path);
        if (m) issues[m[1]!] = say(c.var.t, i.message);
      }
      return renderAllocation(c, id, { error: say(t, err.message), issues, picked: ids }, err.status as 400 | 409 | 422);
    }
  });

  app.get('/notices/:id', async (c) => {
    const ctx = ctxOf(c);
    const v = await getNotice(ctx, parseNoticeId(c));
    return c.html(<NoticeStaffPage c={c} v={v} today={today(ctx)} />);
  });

  app.post('/notices/:id/finalise', async (c) => {
    const ctx = ctxOf(c);
    const id = parseNoticeId(c);
    try {
      const results = await finaliseNotice(ctx, id);
      return c.html(<NoticeStaffPage c={c} v={await getNotice(ctx, id)} today={today(ctx)} results={results} />);
    } catch (err) {
      if (!(err instanceof AppError) || err.code === 'not_found' || err.code === 'forbidden') throw err;
      return c.html(<NoticeStaffPage c={c} v={await getNotice(ctx, id)} today={today(ctx)} error={err.message} />, err.status);
    }
  });

  app.post('/notices/:id/withdraw', async (c) => {
    const ctx = ctxOf(c);
    const id = parseNoticeId(c);
    const body = await c.req.parseBody();
    const workerId = Number(body.workerId);
    try {
      await withdrawFromNotice(ctx, id, workerId);
      return c.redirect(`/console/notices/${id}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code === 'not_found' || err.code === 'forbidden') throw err;
      return c.html(<NoticeStaffPage c={c} v={await getNotice(ctx, id)} today={today(ctx)} error={err.message} />, err.status);
    }
  });
}

/** The public page of a notice: anyone with the address, no sign-in. */
export function publicNoticeRoutes(app: Hono<ConsoleEnv>) {
  app.get('/public/notices/:id', async (c) => {
    const page = await publicNoticePage(c.var.deps.db, parseNoticeId(c));
    if (!page) throw new AppError('not_found', 'not found');
    const t = c.var.t;
    return c.html(
      <Page c={c} title={t.noticeTitle} bare>
        <h1>{t.noticeTitle}</h1>
        <p>
          <strong>{t.noticePeriod(page.startDate, page.lastDay)}</strong> · <span data-notice-status={page.status}>{t.noticeStatus[page.status]}</span>
        </p>
        <p>{t.noticeIntro}</p>
        <p>
          {t.post}: {page.post.title} · {t.employer}: {page.post.employerName} · {t.place}: {page.post.place}
        </p>
        <div class="tablewrap">
          <table id="public-notice">
            <thead>
              <tr>
                <th>#</th>
                <th>{t.personName}</th>
                <th>{t.village}</th>
                <th>{t.post}</th>
              </tr>
            </thead>
            <tbody>
              {page.people.map((p, i) => (
                <tr>
                  <td>{i + 1}</td>
                  <td>{p.name}</td>
                  <td>{p.village}</td>
                  <td>{page.post.title}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Page>,
    );
  });
}
