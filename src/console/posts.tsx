// The public-welfare post's month in the console: a township's (or any
// area's) holders of a month in one form — one row each, one submit, no
// script needed — with each row's subsidy, how the holder was told and
// whether it is paid; and the ghost-post worklist, each flag resolved with a
// note. Over the same verbs as /v1/assessments and /v1/post-checks.
import type { Hono } from 'hono';
import type { ServiceCtx } from '../context.js';
import { addDays, todayInChina } from '../domain/dates.js';
import { AppError, type Issue } from '../errors.js';
import { findArea } from '../services/areas.js';
import { type AssessmentInput, type AssessmentView, type HolderMonth, allMonthHolders, markAssessmentPaid, MONTH_RE, recordAssessments, tellAssessment } from '../services/posts/assessments.js';
import { listPostChecks, type PostCheckItem, resolvePostCheck } from '../services/posts/checks.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { type Messages, say } from './i18n.js';
import { Csrf, FormErrors, Page } from './layout.js';
import { areaLabel } from './overview.js';

/** How far the holder was told this month's amount: told, the message waiting to be sent, or not told. */
export const toldState = (m: Messages['postMonth'], a: Pick<AssessmentView, 'told' | 'toldHow'>) =>
  a.told ? m.told : a.toldHow === 'message' ? m.toldQueued : m.notTold;

/** The month staff assess by default: the one before today's (its results are due by the 10th). */
function defaultMonth(ctx: ServiceCtx): string {
  return addDays(`${todayInChina(ctx.clock).slice(0, 7)}-01`, -1).slice(0, 7);
}

const areaOf = (c: CCtx, raw: string | undefined) => {
  const actor = c.var.session!.actor;
  if (raw && /^\d{2,12}$/.test(raw)) return raw;
  return actor.role === 'staff' ? actor.areaPrefix : undefined;
};

const qs = (params: Record<string, string | undefined>) => {
  const p = new URLSearchParams(Object.entries(params).filter(([, v]) => v) as [string, string][]);
  return p.size ? `?${p}` : '';
};

type RowErrors = Map<number, string>;

function AssessmentsPage(props: {
  c: CCtx;
  area: string | undefined;
  areaName: string;
  month: string;
  holders: HolderMonth[];
  rowErrors?: RowErrors;
  values?: Record<string, string>;
  general?: string | null;
  notice?: string | null;
}) {
  const { c, month, holders } = props;
  const t = c.var.t;
  const m = t.postMonth;
  const rules = c.var.deps.config.POST_RULES;
  const w = rules.scoreWeights;
  const title = m.title(props.areaName, month);
  const v = (name: string, fallback: number | null | undefined) => props.values?.[name] ?? (fallback == null ? '' : String(fallback));
  const errors: Record<string, string> = {};
  for (const [pid, msg] of props.rowErrors ?? []) errors[`d-${pid}`] = msg;
  const yuan = (n: number) => n.toFixed(2);
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      <form method="get" action="/console/assessments" id="assessment-month">
        <label for="f-area">{m.area}</label> <input id="f-area" name="area" value={props.area ?? ''} inputmode="numeric" size={12} />{' '}
        <label for="f-month">{m.month}</label> <input type="month" id="f-month" name="month" value={month} /> <button type="submit">{m.show}</button>
      </form>
      <p class="muted">{m.rulesNote(rules.monthlySubsidyYuan, rules.fullMonthDays)}</p>
      {props.notice ? (
        <p class="msg ok" role="status">
          {props.notice}
        </p>
      ) : null}
      <p>
        {m.exportList}: <a href={`/console/exports/subsidy.xlsx${qs({ area: props.area, month })}`}>.xlsx</a> ·{' '}
        <a href={`/console/exports/subsidy.csv${qs({ area: props.area, month })}`}>CSV</a>
      </p>
      {holders.length === 0 ? (
        <p id="no-holders">{m.none}</p>
      ) : (
        <>
          <form method="post" action="/console/assessments" id="assessments" novalidate>
            <Csrf c={c} />
            <input type="hidden" name="area" value={props.area ?? ''} />
            <input type="hidden" name="month" value={month} />
            <FormErrors t={t} errors={errors} general={props.general} />
            <div class="tablewrap">
              <table id="holders">
                <caption class="muted">{title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{m.holder}</th>
                    <th scope="col">{m.post}</th>
                    <th scope="col" class="num">{m.daysHeld}</th>
                    <th scope="col">{m.days}</th>
                    <th scope="col">{m.attendance(w.attendance)}</th>
                    <th scope="col">{m.township(w.township)}</th>
                    <th scope="col">{m.appraisal(w.appraisal)}</th>
                    <th scope="col">{m.total}</th>
                    <th scope="col" class="num">{m.amount}</th>
                    <th scope="col">{m.deduction}</th>
                    <th scope="col">{m.state}</th>
                  </tr>
                </thead>
                <tbody>
                  {holders.map((h) => {
                    const a = h.assessment;
                    const who = h.name ?? `#${h.workerId}`;
                    const err = props.rowErrors?.get(h.placementId);
                    const input = (key: string, label: string, value: number | null | undefined, max: number, disabled: boolean) => (
                      <input
                        type="number"
                        inputmode="decimal"
                        min="0"
                        max={String(max)}
                        step={key === 'd' ? '1' : '0.5'}
                        size={4}
                        id={`f-${key}-${h.placementId}`}
                        name={`${key}-${h.placementId}`}
                        value={v(`${key}-${h.placementId}`, value)}
                        aria-label={`${who} ${label}`}
                        aria-invalid={err ? 'true' : undefined}
                        aria-describedby={err ? `err-d-${h.placementId}` : undefined}
                        disabled={disabled}
                      />
                    );
                    const paid = Boolean(a?.paidAt);
                    return (
                      <tr data-placement={h.placementId} data-assessed={a ? 'true' : 'false'} class={err ? 'has-error' : undefined}>
                        <th scope="row" data-label={m.holder}>
                          <a href={`/console/workers/${h.workerId}`}>{who}</a>
                          {err ? (
                            <span class="err" id={`err-d-${h.placementId}`}>
                              {err}
                            </span>
                          ) : null}
                        </th>
                        <td data-label={m.post}>{h.post ?? ''}</td>
                        <td data-label={m.daysHeld} class="num">{h.daysHeld}</td>
                        <td data-label={m.days}>{input('d', m.days, a?.daysWorked, h.daysHeld, paid)}</td>
                        <td data-label={m.attendance(w.attendance)}>{input('a', m.attendance(w.attendance), a?.attendance, w.attendance, paid)}</td>
                        <td data-label={m.township(w.township)}>{input('t', m.township(w.township), a?.township, w.township, paid)}</td>
                        <td data-label={m.appraisal(w.appraisal)}>{input('p', m.appraisal(w.appraisal), a?.appraisal, w.appraisal, paid)}</td>
                        <td data-label={m.total}>{input('s', m.total, a && a.attendance === null ? a.total : null, 100, paid)}</td>
                        <td data-label={m.amount} class="num">{a ? yuan(a.amountYuan) : <span class="muted">{m.notAssessed}</span>}</td>
                        <td data-label={m.deduction}>{a?.deductionReason ?? ''}</td>
                        <td data-label={m.state} data-told={a?.told ? 'true' : 'false'}>
                          {!a ? null : paid ? (
                            <span class="tag">{m.paid}</span>
                          ) : (
                            <>
                              <span class={a.told ? 'tag' : 'tag bad'}>{toldState(m, a)}</span>{' '}
                              {!a.told && a.toldHow !== 'message' ? (
                                <button type="submit" form="row-actions" name="act" value={`message:${a.id}`}>
                                  {m.tellMessage}
                                </button>
                              ) : null}{' '}
                              {!a.told ? (
                                <button type="submit" form="row-actions" name="act" value={`in_person:${a.id}`}>
                                  {m.tellInPerson}
                                </button>
                              ) : (
                                <button type="submit" form="row-actions" name="act" value={`paid:${a.id}`}>
                                  {m.markPaid}
                                </button>
                              )}
                            </>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <button type="submit" class="primary">
              {m.save}
            </button>
          </form>
          <form method="post" action="/console/assessments/act" id="row-actions">
            <Csrf c={c} />
            <input type="hidden" name="area" value={props.area ?? ''} />
            <input type="hidden" name="month" value={month} />
          </form>
        </>
      )}
    </Page>
  );
}

async function renderAssessments(
  c: CCtx,
  area: string | undefined,
  month: string,
  extra: { rowErrors?: RowErrors; values?: Record<string, string>; general?: string | null; notice?: string | null } = {},
  status: 200 | 400 | 409 | 422 = 200,
) {
  const ctx = ctxOf(c);
  const holders = await allMonthHolders(ctx, { area, month });
  const a = area ? await findArea(ctx.db, area) : undefined;
  return c.html(<AssessmentsPage c={c} area={area} areaName={areaLabel(c.var.t, a)} month={month} holders={holders} {...extra} />, status);
}

/** A number field of the sheet: empty is absent; anything else must be a number. */
function numberOf(raw: string): number | null | 'bad' {
  const s = raw.trim();
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : 'bad';
}

function ChecksPage(props: { c: CCtx; area: string | undefined; areaName: string; items: PostCheckItem[]; general?: string | null; notice?: string | null }) {
  const { c } = props;
  const t = c.var.t;
  const m = t.postMonth;
  const title = m.checksTitle(props.areaName);
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      {props.notice ? (
        <p class="msg ok" role="status">
          {props.notice}
        </p>
      ) : null}
      <FormErrors t={t} general={props.general} />
      {props.items.length === 0 ? (
        <p id="no-checks">{m.noChecks}</p>
      ) : (
        <ul id="post-checks" class="cards">
          {props.items.map((i) => (
            <li data-check={i.id} data-kind={i.kind}>
              <h2>
                {m.kinds[i.kind] ?? i.kind}
                {i.kind === 'concurrent_placement' && i.detail.outOfCounty === true ? ` · ${m.outOfCounty}` : ''}
              </h2>
              <p>
                <a href={`/console/workers/${i.workerId}`}>{i.name ?? `#${i.workerId}`}</a> · {i.post ?? ''} · {i.month} · {m.raised} {i.raisedAt.slice(0, 10)}
              </p>
              <form method="post" action={`/console/post-checks/${i.id}/resolve`} id={`resolve-${i.id}`}>
                <Csrf c={c} />
                <input type="hidden" name="area" value={props.area ?? ''} />
                <fieldset>
                  <legend>{m.resolution}</legend>
                  <label>
                    <input type="radio" name="resolution" value="confirmed" required /> {m.confirmed}
                  </label>{' '}
                  <label>
                    <input type="radio" name="resolution" value="cleared" /> {m.cleared}
                  </label>
                </fieldset>
                <label for={`f-note-${i.id}`}>{m.note}</label>
                <input type="text" id={`f-note-${i.id}`} name="note" required maxlength={1000} size={40} />{' '}
                <button type="submit">{m.resolve}</button>
              </form>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

async function renderChecks(c: CCtx, area: string | undefined, extra: { general?: string | null; notice?: string | null } = {}, status: 200 | 400 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const page = await listPostChecks(ctx, { area, limit: 100 });
  const a = area ? await findArea(ctx.db, area) : undefined;
  return c.html(<ChecksPage c={c} area={area} areaName={areaLabel(c.var.t, a)} items={page.items} {...extra} />, status);
}

export function postRoutes(app: Hono<ConsoleEnv>) {
  app.get('/assessments', async (c) => {
    const ctx = ctxOf(c);
    const q = c.req.query();
    const month = q.month && MONTH_RE.test(q.month) && q.month <= todayInChina(ctx.clock).slice(0, 7) ? q.month : defaultMonth(ctx);
    const notice = q.saved && /^\d+$/.test(q.saved) ? c.var.t.postMonth.saved(Number(q.saved)) : null;
    return renderAssessments(c, areaOf(c, q.area), month, { notice });
  });

  app.post('/assessments', async (c) => {
    const ctx = ctxOf(c);
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const month = str('month');
    if (!MONTH_RE.test(month)) throw new AppError('validation_failed', 'month is required (YYYY-MM)');
    const area = areaOf(c, str('area'));
    const holders = await allMonthHolders(ctx, { area, month });
    const rows: AssessmentInput[] = [];
    const owners: number[] = [];
    const rowErrors: RowErrors = new Map();
    const values: Record<string, string> = {};
    for (const h of holders) {
      if (h.assessment?.paidAt) continue;
      const raw = Object.fromEntries(['d', 'a', 't', 'p', 's'].map((k) => [k, str(`${k}-${h.placementId}`)]));
      for (const [k, val] of Object.entries(raw)) values[`${k}-${h.placementId}`] = val;
      if (Object.values(raw).every((x) => !x.trim())) continue;
      const nums = Object.fromEntries(Object.entries(raw).map(([k, val]) => [k, numberOf(val)]));
      if (Object.values(nums).includes('bad')) {
        rowErrors.set(h.placementId, c.var.t.fieldErrors.invalidNumber);
        continue;
      }
      const n = nums as Record<string, number | null>;
      const row: AssessmentInput = { placementId: h.placementId, month, daysWorked: n.d ?? -1, attendance: n.a, township: n.t, appraisal: n.p, total: n.s };
      // Unchanged rows are written as nothing (recordAssessments skips the same values).
      rows.push(row);
      owners.push(h.placementId);
    }
    if (rowErrors.size === 0) {
      const r = await recordAssessments(ctx, rows);
      for (const rej of r.rejected) rowErrors.set(owners[rej.index]!, rej.issues.map((i: Issue) => `${i.path}: ${say(c.var.t, i.message)}`).join('；'));
      if (rowErrors.size === 0) return c.redirect(`/console/assessments${qs({ area, month, saved: String(r.written) })}`, 303);
    }
    return renderAssessments(c, area, month, { rowErrors, values }, 422);
  });

  app.post('/assessments/act', async (c) => {
    const ctx = ctxOf(c);
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const month = MONTH_RE.test(str('month')) ? str('month') : defaultMonth(ctx);
    const area = areaOf(c, str('area'));
    const m = /^(message|in_person|paid):(\d{1,15})$/.exec(str('act'));
    if (!m) throw new AppError('validation_failed', 'act is not valid');
    const id = Number(m[2]);
    try {
      if (m[1] === 'paid') await markAssessmentPaid(ctx, id);
      else await tellAssessment(ctx, id, m[1] as 'message' | 'in_person');
    } catch (err) {
      if (err instanceof AppError && (err.code === 'conflict' || err.code === 'rule_broken')) {
        return renderAssessments(c, area, month, { general: say(c.var.t, err.message) }, err.status as 409 | 422);
      }
      throw err;
    }
    return c.redirect(`/console/assessments${qs({ area, month })}`, 303);
  });

  app.get('/post-checks', async (c) => {
    const q = c.req.query();
    return renderChecks(c, areaOf(c, q.area), { notice: q.resolved === '1' ? c.var.t.postMonth.resolvedOk : null });
  });

  app.post('/post-checks/:id{[0-9]{1,15}}/resolve', async (c) => {
    const ctx = ctxOf(c);
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const area = areaOf(c, str('area'));
    const resolution = str('resolution');
    const note = str('note').trim();
    if ((resolution !== 'confirmed' && resolution !== 'cleared') || !note) {
      return renderChecks(c, area, { general: `${c.var.t.postMonth.resolution} / ${c.var.t.postMonth.note}: ${c.var.t.required}` }, 400);
    }
    try {
      await resolvePostCheck(ctx, Number(c.req.param('id')), { resolution, note: note.slice(0, 1000) });
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return renderChecks(c, area, { general: say(c.var.t, err.message) }, 409);
      throw err;
    }
    return c.redirect(`/console/post-checks${qs({ area, resolved: '1' })}`, 303);
  });
}
