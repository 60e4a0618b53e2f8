// Allocation of a public-welfare post: its ranked eligible candidates with
// their reasons and status; people whose household is already proposed on an
// open notice are shown apart and cannot be picked. Staff pick people (a
// counter shows the picks against the free slots, drawn by CSS: no script),
// who go on a 7-day public notice (公示); once it has run, staff finalise the
// hires. A withdrawal asks why. The notice's public page is in public-notice.tsx.
import type { Hono } from 'hono';
import * as z from 'zod';
import { endingReasons } from '../../db/schema.js';
import { addDays } from '../domain/dates.js';
import { AppError } from '../errors.js';
import { today } from '../services/households.js';
import type { Candidate } from '../services/matching.js';
import { readVia } from '../services/read-pool/run.js';
import { getOpening, type Opening } from '../services/openings.js';
import { publicWelfareHolders } from '../services/placements.js';
import {
  type FinaliseResult,
  finaliseNotice,
  freeSlots,
  getNotice,
  householdsOnOpenNotices,
  type NoticeView,
  noticesForOpening,
  proposeHires,
  type PublicNotice,
  withdrawFromNotice,
} from '../services/public-notices.js';
import { idSchema } from '../validation.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { type Messages, say } from './i18n.js';
import { Csrf, Page, Select, Tags } from './layout.js';
import { parseNoticeId } from './public-notice.js';
import { namesOf, placeName } from './overview.js';

const CANDIDATES_SHOWN = 30;

/** A notice's state as the day stands: an open notice whose days have run waits to be finalised. */
export function noticeState(n: Pick<PublicNotice, 'status' | 'endDate'>, day: string): 'open' | 'due' | 'finalised' | 'withdrawn' {
  return n.status === 'open' && day >= n.endDate ? 'due' : n.status;
}

interface AllocationProps {
  c: CCtx;
  o: Opening & { employerName: string };
  free: number;
  candidates: Candidate[];
  taken: Map<number, { noticeId: string; openingId: number; workerId: number }>;
  holders: Awaited<ReturnType<typeof publicWelfareHolders>>;
  notices: PublicNotice[];
  names: Record<string, string>;
  picked?: number[];
  error?: string;
  issues?: Record<string, string>;
  note?: string;
}

function candidateTags(t: Messages, cand: Candidate) {
  return [
    { text: t.tiers[cand.tier] ?? cand.tier, cls: cand.tier === 'zero_employment' ? 'bad' : undefined },
    ...(cand.household.povertyAlleviated ? [{ text: t.poverty }] : []),
    ...(cand.household.monitored ? [{ text: t.monitored }] : []),
    ...(cand.worker.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : []),
    ...cand.worker.careFor.map((x) => ({ text: `${t.careFor}${t.colon}${t.careForValues[x] ?? x}` })),
    ...(cand.notes.includes('birth_date_not_recorded') ? [{ text: t.birthDateNotRecorded, cls: 'bad' }] : []),
  ];
}

function AllocationPage(p: AllocationProps) {
  const { c, o } = p;
  const t = c.var.t;
  const title = t.allocationTitle(o.title);
  const picked = new Set(p.picked ?? []);
  const day = today(ctxOf(c));
  const pickable = p.candidates.filter((x) => !p.taken.has(x.worker.householdId));
  const onNotice = p.candidates.filter((x) => p.taken.has(x.worker.householdId));
  const canPick = o.kind === 'public_welfare' && o.status === 'open';
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      <dl class="facts">
        <dt>{t.employer}</dt>
        <dd>{o.employerName}</dd>
        <dt>{t.place}</dt>
        <dd>{placeName(p.names, o.areaCode)}</dd>
        <dt>{t.status}</dt>
        <dd>{t.statuses[o.status]}</dd>
        <dt>{t.slots}</dt>
        <dd>
          <strong data-figure="slots">{o.slots}</strong> · {t.slotsFilled} <strong data-figure="slotsFilled">{o.slotsFilled}</strong> · {t.freeSlots}{' '}
          <strong data-figure="free">{p.free}</strong>
        </dd>
      </dl>
      {p.note ? (
        <p class="msg info" role="status" id="allocation-note">
          {p.note}
        </p>
      ) : null}
      {canPick ? (
        <>
          {p.error ? (
            <p class="msg error" role="alert" id="allocation-error">
              {p.error}
            </p>
          ) : null}
          {pickable.length === 0 ? (
            <p class="muted">{t.noCandidates}</p>
          ) : (
            <form method="post" action={`/console/openings/${o.id}/propose`} id="allocate" class="counter">
              <Csrf c={c} />
              <p class="actions">
                <button type="submit" class="primary" id="propose-top" disabled={p.free === 0}>
                  {t.propose}
                </button>
                <span class="muted">{t.pickUpTo(p.free)}</span>
              </p>
              <h2>{t.candidates}</h2>
              <div class="tablewrap">
                <table id="candidates">
                  <thead>
                    <tr>
                      <th>{t.pick}</th>
                      <th class="num">{t.rank}</th>
                      <th>{t.village}</th>
                      <th>{t.status}</th>
                      <th class="num">{t.distance}</th>
                      <th>{t.reasons}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {pickable.map((cand, i) => (
                      <tr data-worker={cand.worker.id} data-household={cand.worker.householdId} data-pickable="true">
                        <td data-label={t.pick}>
                          <label class="check">
                            <input type="checkbox" name="workerIds" value={String(cand.worker.id)} id={`pick-${cand.worker.id}`} checked={picked.has(cand.worker.id)} />{' '}
                            <a href={`/console/workers/${cand.worker.id}`}>{cand.worker.name ?? '—'}</a>
                          </label>
                          {p.issues?.[String(cand.worker.id)] ? (
                            <div class="err" role="alert" id={`issue-${cand.worker.id}`}>
                              {p.issues[String(cand.worker.id)]}
                            </div>
                          ) : null}
                        </td>
                        <td data-label={t.rank} class="num">
                          {i + 1}
                        </td>
                        <td data-label={t.village}>{placeName(p.names, cand.worker.areaCode)}</td>
                        <td data-label={t.status}>
                          <Tags items={candidateTags(t, cand)} />
                        </td>
                        <td data-label={t.distance} class="num">
                          {cand.distanceKm !== null ? `${cand.distanceKm} km` : '—'}
                        </td>
                        <td data-label={t.reasons}>{cand.reasons.map((r) => t.reason(r)).join(t.reasonSep)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="actions pickbar">
                <span id="pick-counter">
                  {t.picked} <strong class="picks" aria-hidden="true"></strong> / {t.freeSlots} <strong>{p.free}</strong>
                </span>
                <button type="submit" class="primary" disabled={p.free === 0}>
                  {t.propose}
                </button>
              </p>
            </form>
          )}
          {onNotice.length ? (
            <>
              <h2>{t.onOtherNotice}</h2>
              <p class="muted">{t.onOtherNoticeHelp}</p>
              <ul id="taken">
                {onNotice.map((cand) => {
                  const n = p.taken.get(cand.worker.householdId)!;
                  return (
                    <li data-worker={cand.worker.id} data-pickable="false">
                      <a href={`/console/workers/${cand.worker.id}`}>{cand.worker.name ?? '—'}</a> · {placeName(p.names, cand.worker.areaCode)}{' '}
                      <span class="tag busy">{n.workerId === cand.worker.id ? t.onNotice : t.householdOnNotice}</span>{' '}
                      <a href={`/console/notices/${n.noticeId}`}>{t.seeNotice}</a>
                      {p.issues?.[String(cand.worker.id)] ? (
                        <div class="err" role="alert" id={`issue-${cand.worker.id}`}>
                          {p.issues[String(cand.worker.id)]}
                        </div>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
      {canPick && p.holders.length ? (
        <>
          <h2>{t.holdingPost}</h2>
          <p class="muted">{t.holdingPostHelp}</p>
          <ul id="holders">
            {p.holders.map((x) => (
              <li data-worker={x.workerId} data-pickable="false">
                <a href={`/console/workers/${x.workerId}`}>{x.name ?? t.erasedPerson}</a> · {placeName(p.names, x.areaCode)}{' '}
                <span class="tag ok">{t.holdsPostSince(x.startDate)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {p.notices.length > 0 ? (
        <>
          <h2>{t.notices}</h2>
          <ul id="notices">
            {p.notices.map((n) => (
              <li data-notice-state={noticeState(n, day)}>
                <a href={`/console/notices/${n.id}`}>{t.noticePeriod(n.startDate, addDays(n.endDate, -1))}</a> — {t.noticeStatus[noticeState(n, day)]}
              </li>
            ))}
          </ul>
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
    o.kind === 'public_welfare' && o.status === 'open' ? readVia(ctx, 'candidates', { openingId: id, limit: CANDIDATES_SHOWN }) : Promise.resolve([]),
    noticesForOpening(ctx, id),
  ]);
  const [taken, holders] = await Promise.all([
    householdsOnOpenNotices(ctx, [...new Set(candidates.map((x) => x.worker.householdId))]),
    // People of the post's own village (or township) already in a post: shown so nobody looks for them.
    o.kind === 'public_welfare' ? publicWelfareHolders(ctx, { area: o.areaCode, limit: 30 }) : Promise.resolve([]),
  ]);
  const names = await namesOf(ctx.db, [o.areaCode, ...candidates.map((x) => x.worker.areaCode), ...holders.map((x) => x.areaCode)]);
  return c.html(<AllocationPage c={c} o={o} free={free} candidates={candidates} taken={taken} holders={holders} notices={notices} names={names} {...extra} />, status);
}

function NoticeStaffPage(props: { c: CCtx; v: NoticeView; today: string; results?: FinaliseResult[]; error?: string }) {
  const { c, v } = props;
  const t = c.var.t;
  const n = v.notice;
  const state = noticeState(n, props.today);
  const nameOf = new Map(v.entries.map((e) => [e.workerId, e.name]));
  return (
    <Page c={c} title={t.noticeTitle}>
      <h1>
        {t.noticeTitle}
        {t.colon}
        {v.opening.title}
      </h1>
      <p>
        {t.noticePeriod(n.startDate, addDays(n.endDate, -1))} · {t.status}
        {t.colon}
        <strong data-notice-status={n.status} data-notice-state={state}>
          {t.noticeStatus[state]}
        </strong>
      </p>
      <p class="actions">
        <a href={`/console/public/notices/${n.id}`} id="public-link">
          {t.publicPage}
        </a>
        <a href={`/console/openings/${v.opening.id}`}>{t.allocationOf}</a>
      </p>
      {props.error ? (
        <p class="msg error" role="alert">
          {props.error}
        </p>
      ) : null}
      {c.req.query('withdrawn') ? (
        <p class="msg ok" role="status">
          {t.withdrawnDone}
        </p>
      ) : null}
      {props.results ? (
        <div class="msg ok" id="finalise-results" role="status">
          {props.results.map((r) => (
            <div data-worker={r.workerId} data-outcome={r.outcome}>
              {nameOf.get(r.workerId) ?? t.erasedPerson}
              {t.colon}
              {t.results[r.outcome]}
              {r.message ? ` (${say(t, r.message)})` : ''}
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
              <th>{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {v.entries.map((e) => (
              <tr data-worker={e.workerId} data-state={e.state ?? ''}>
                <td data-label={t.personName}>
                  <a href={`/console/workers/${e.workerId}`}>{e.name ?? t.erasedPerson}</a>
                </td>
                <td data-label={t.village}>{placeName(v.areaNames, e.areaCode)}</td>
                <td data-label={t.state}>{e.state ? t.states[e.state] : '—'}</td>
                <td data-label={t.actions}>
                  {n.status === 'open' && e.state === 'offered' ? (
                    <a href={`/console/notices/${n.id}/withdraw?worker=${e.workerId}`} class="withdraw">
                      {t.withdraw}
                    </a>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {n.status === 'open' ? (
        state === 'due' ? (
          <form method="post" action={`/console/notices/${n.id}/finalise`} id="finalise">
            <Csrf c={c} />
            <p>
              <button type="submit" class="primary">
                {t.finalise}
              </button>
            </p>
          </form>
        ) : (
          <p class="muted" id="finalise-not-yet">
            {t.finaliseNotYet(n.endDate)}
          </p>
        )
      ) : null}
    </Page>
  );
}

const withdrawReasons = ['not_eligible', 'other', 'chose_other', 'not_reachable'] as const satisfies ReadonlyArray<(typeof endingReasons)[number]>;

function WithdrawPage(props: { c: CCtx; v: NoticeView; workerId: number; error?: string }) {
  const { c, v } = props;
  const t = c.var.t;
  const e = v.entries.find((x) => x.workerId === props.workerId);
  if (!e) throw new AppError('not_found', 'not found');
  const errors = props.error ? { reason: props.error } : undefined;
  return (
    <Page c={c} title={t.withdrawTitle}>
      <h1>
        {t.withdrawTitle}
        {t.colon}
        {e.name ?? t.erasedPerson}
      </h1>
      <p>
        {t.post}
        {t.colon}
        {v.opening.title}
      </p>
      <form method="post" action={`/console/notices/${v.notice.id}/withdraw`} id="withdraw" novalidate>
        <Csrf c={c} />
        <input type="hidden" name="workerId" value={String(e.workerId)} />
        <div class={errors ? 'field has-error' : 'field'}>
          <label for="f-reason">{t.withdrawReason}</label>
          <Select
            name="reason"
            value=""
            options={Object.fromEntries([['', t.pickAny], ...withdrawReasons.map((r) => [r, t.withdrawReasons[r] ?? r])])}
            errors={errors}
          />
          {errors ? (
            <span class="err" id="err-reason">
              {errors.reason}
            </span>
          ) : null}
        </div>
        <div class="actions">
          <button type="submit" class="danger">
            {t.withdrawDo}
          </button>
          <a href={`/console/notices/${v.notice.id}`}>{t.cancel}</a>
        </div>
      </form>
    </Page>
  );
}

const idParam = z.object({ id: idSchema });

function parseId(c: CCtx): number {
  const p = idParam.safeParse({ id: c.req.param('id') });
  if (!p.success) throw new AppError('not_found', 'not found');
  return p.data.id;
}


export function allocationRoutes(app: Hono<ConsoleEnv>) {
  app.get('/openings/:id{[0-9]+}', async (c) => {
    const pick = Number(c.req.query('pick'));
    return renderAllocation(c, parseId(c), Number.isSafeInteger(pick) && pick > 0 ? { picked: [pick] } : {});
  });

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
      return c.html(<NoticeStaffPage c={c} v={await getNotice(ctx, id)} today={today(ctx)} error={say(c.var.t, err.message)} />, err.status);
    }
  });

  app.get('/notices/:id/withdraw', async (c) => {
    const ctx = ctxOf(c);
    const v = await getNotice(ctx, parseNoticeId(c));
    const workerId = Number(c.req.query('worker'));
    return c.html(<WithdrawPage c={c} v={v} workerId={workerId} />);
  });

  app.post('/notices/:id/withdraw', async (c) => {
    const ctx = ctxOf(c);
    const id = parseNoticeId(c);
    const body = await c.req.parseBody();
    const workerId = Number(body.workerId);
    const reason = withdrawReasons.find((r) => r === body.reason);
    if (!reason) return c.html(<WithdrawPage c={c} v={await getNotice(ctx, id)} workerId={workerId} error={c.var.t.withdrawReasonNeeded} />, 400);
    try {
      await withdrawFromNotice(ctx, id, workerId, reason);
      return c.redirect(`/console/notices/${id}?withdrawn=${workerId}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code === 'not_found' || err.code === 'forbidden') throw err;
      return c.html(<NoticeStaffPage c={c} v={await getNotice(ctx, id)} today={today(ctx)} error={say(c.var.t, err.message)} />, err.status);
    }
  });
}

// The public page lives in its own module; index.tsx mounts it from here.
export { publicNoticeRoutes } from './public-notice.js';
