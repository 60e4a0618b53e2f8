// The month-closing page (月报报送): a county's month as filed beside the
// figures now, what moved, the form to close (again, with a reason); for a
// prefecture or more, which counties have closed. Over closingsFor and
// closeMonth, the same verbs as /v1/closings.
import type { Hono } from 'hono';
import type { ServiceCtx } from '../context.js';
import { type ClosingsView, closeMonth, closingsFor } from '../counting/closings.js';
import type { MovedRecord } from '../counting/revision-records.js';
import { addDays, monthBounds, todayInChina } from '../domain/dates.js';
import { AppError } from '../errors.js';
import { findArea } from '../services/areas.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { serviceErrors } from './forms.js';
import { Csrf, fa, type FieldErrors, FormErrors, Page } from './layout.js';
import { areaLabel, figureRows } from './overview.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The month a county closes by default: the last one that has ended (today's, on its last day). */
function defaultMonth(ctx: ServiceCtx): string {
  const today = todayInChina(ctx.clock);
  return today === monthBounds(today).last ? today.slice(0, 7) : addDays(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
}

const q = (area: string, month: string) => `?${new URLSearchParams({ ...(area ? { area } : {}), month })}`;

function ClosingsPage(props: { c: CCtx; view: ClosingsView; areaName: string; errors?: FieldErrors; general?: string | null; reason?: string }) {
  const { c, view } = props;
  const t = c.var.t;
  const title = t.closingsTitle(props.areaName, view.month);
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      <form method="get" action="/console/closings" id="closing-month">
        {view.area ? <input type="hidden" name="area" value={view.area} /> : null}
        <label for="f-month">{t.closingMonth}</label> <input type="month" id="f-month" name="month" value={view.month} />{' '}
        <button type="submit">{t.show}</button>
      </form>
      <p class="muted">{t.closingAsOf(view.asOf)}</p>
      {view.level === 'counties' ? (
        <div class="tablewrap">
          <table id="counties">
            <thead>
              <tr>
                <th>{t.closingCounty}</th>
                <th>{t.status}</th>
                <th>{t.closingClosedAt}</th>
                <th class="num">{t.closingRevisionsCol}</th>
              </tr>
            </thead>
            <tbody>
              {view.counties.map((k) => (
                <tr data-county={k.area} data-closed={k.closed ? 'true' : 'false'}>
                  <td data-label={t.closingCounty}>
                    <a href={`/console/closings${q(k.area, view.month)}`}>{k.name}</a>
                  </td>
                  <td data-label={t.status}>{k.closed ? <span class="tag">{t.closingClosed}</span> : <span class="tag bad">{t.closingNotClosed}</span>}</td>
                  <td data-label={t.closingClosedAt}>{k.closedAt ? k.closedAt.slice(0, 16).replace('T', ' ') + ' UTC' : ''}</td>
                  <td data-label={t.closingRevisionsCol} class="num">{k.revisions > 0 ? <span class="tag bad">{k.revisions}</span> : k.revisions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <CountyView c={c} view={view} errors={props.errors} general={props.general} reason={props.reason} />
      )}
    </Page>
  );
}

function CountyView(props: { c: CCtx; view: Extract<ClosingsView, { level: 'county' }>; errors?: FieldErrors; general?: string | null; reason?: string }) {
  const { c, view } = props;
  const t = c.var.t;
  const moved = new Set(view.revisions.map((r) => r.figure));
  const filedRows = view.filed ? new Map(figureRows(t, view.filed.figures).map((r) => [r.key, r.value])) : null;
  const canClose = c.var.session!.actor.role === 'admin' || (c.var.session!.actor.role === 'staff' && c.var.session!.actor.areaPrefix === view.area);
  return (
    <>
      <p id="closing-status" data-closed={view.closed ? 'true' : 'false'}>
        {view.closed ? <span class="tag">{t.closingClosed}</span> : <span class="tag bad">{t.closingNotClosed}</span>}{' '}
        {view.closed ? <span id="revisions-count" data-n={view.revisions.length}>{t.closingRevisionsN(view.revisions.length)}</span> : null}
      </p>
      <div class="tablewrap">
        <table id="figures">
          <thead>
            <tr>
              <th>{t.closingFigure}</th>
              {filedRows ? <th class="num">{t.closingFiled}</th> : null}
              <th class="num">{t.closingNow}</th>
            </tr>
          </thead>
          <tbody>
            {figureRows(t, view.now).map((r) => (
              <tr data-figure={r.key} data-moved={moved.has(r.key) ? 'true' : 'false'}>
                <td data-label={t.closingFigure}>{r.label}</td>
                {filedRows ? (
                  <td data-label={t.closingFiled} class="num">
                    {filedRows.get(r.key) ?? ''}
                  </td>
                ) : null}
                <td data-label={t.closingNow} class="num">
                  {moved.has(r.key) ? <span class="tag bad">{r.value}</span> : r.value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">{t.partsNote}</p>
      {view.revisions.length ? <MovedRecords c={c} view={view} /> : null}
      {canClose ? (
        <form method="post" action="/console/closings" id="close-month" novalidate>
          <Csrf c={c} />
          <FormErrors t={t} errors={props.errors} general={props.general} />
          <input type="hidden" name="area" value={view.area} />
          <input type="hidden" name="month" value={view.month} />
          {view.closed ? (
            <div class={props.errors?.reason ? 'field has-error' : 'field'}>
              <label for="f-reason">{t.closingReason}</label>
              <input type="text" {...fa('reason', props.errors, true)} value={props.reason ?? ''} maxlength={500} />
              <span class="hint" id="hint-reason">
                {t.closingReasonHint}
              </span>
              {props.errors?.reason ? (
                <span class="err" id="err-reason">
                  {props.errors.reason}
                </span>
              ) : null}
            </div>
          ) : null}
          <button type="submit" class="primary">
            {view.closed ? t.closingReclose : t.closingClose}
          </button>
        </form>
      ) : null}
      {view.history.length ? (
        <>
          <h2>{t.closingHistory}</h2>
          <ul id="filings">
            {view.history.map((f) => (
              <li>
                {f.closedAt.slice(0, 16).replace('T', ' ')} UTC · {f.closedBy.role}
                {f.reason ? ` · ${f.reason}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

const recordHref: Partial<Record<MovedRecord['kind'], string>> = { household: '/console/households/', worker: '/console/workers/' };

/** Each record that moved a filed figure, once, with the figures it moved. */
function MovedRecords(props: { c: CCtx; view: Extract<ClosingsView, { level: 'county' }> }) {
  const t = props.c.var.t;
  const labels = new Map(figureRows(t, props.view.now).map((r) => [r.key, r.label]));
  const byKey = new Map<string, { record: MovedRecord; figures: string[] }>();
  for (const rev of props.view.revisions) {
    for (const rec of rev.records) {
      const key = `${rec.kind}:${rec.id}:${rec.change}`;
      const entry = byKey.get(key) ?? { record: rec, figures: [] };
      entry.figures.push(rev.figure);
      byKey.set(key, entry);
    }
  }
  return (
    <>
      <h2>{t.closingRecords}</h2>
      {byKey.size === 0 ? (
        <p class="muted" id="moved-records-none">
          {t.closingRecordsNone}
        </p>
      ) : (
        <div class="tablewrap">
          <table id="moved-records">
            <thead>
              <tr>
                <th>{t.closingRecord}</th>
                <th>{t.closingChange}</th>
                <th>{t.closingEffective}</th>
                <th>{t.closingRecordedAt}</th>
                <th>{t.closingRecordedBy}</th>
                <th>{t.closingMovedFigures}</th>
              </tr>
            </thead>
            <tbody>
              {[...byKey.values()].map(({ record: r, figures }) => (
                <tr data-kind={r.kind} data-id={String(r.id)} data-change={r.change}>
                  <td data-label={t.closingRecord}>
                    {recordHref[r.kind] ? <a href={`${recordHref[r.kind]}${r.id}`}>{`${t.recordKind[r.kind]} ${r.id}`}</a> : `${t.recordKind[r.kind]} ${r.id}`}
                  </td>
                  <td data-label={t.closingChange}>{t.recordChange[r.change] ?? r.change}</td>
                  <td data-label={t.closingEffective}>{r.change === 'placement.ended' && typeof r.detail.lastDayWorked === 'string' ? t.closingEndedOn(r.date, r.detail.lastDayWorked) : r.date}</td>
                  <td data-label={t.closingRecordedAt}>{r.changedAt.slice(0, 16).replace('T', ' ')} UTC</td>
                  <td data-label={t.closingRecordedBy}>{r.changedBy ? `${r.changedBy.role}${r.changedBy.tokenId ? ` #${r.changedBy.tokenId}` : ''} · ${r.changedBy.action}` : t.closingNotAudited}</td>
                  <td data-label={t.closingMovedFigures}>{figures.map((f) => labels.get(f) ?? f).join('；')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

async function render(c: CCtx, area: string | undefined, month: string, extra: { errors?: FieldErrors; general?: string | null; reason?: string } = {}, status: 200 | 400 | 403 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const view = await closingsFor(ctx, { area, month });
  const a = view.area ? await findArea(ctx.db, view.area) : undefined;
  return c.html(<ClosingsPage c={c} view={view} areaName={areaLabel(c.var.t, a)} {...extra} />, status);
}

export function closingRoutes(app: Hono<ConsoleEnv>) {
  app.get('/closings', async (c) => {
    const ctx = ctxOf(c);
    const query = c.req.query();
    const area = query.area && /^\d{2,12}$/.test(query.area) ? query.area : undefined;
    const month = query.month && MONTH.test(query.month) ? query.month : defaultMonth(ctx);
    return render(c, area, month);
  });

  app.post('/closings', async (c) => {
    const ctx = ctxOf(c);
    const body = await c.req.parseBody();
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const area = str('area');
    const month = str('month');
    if (!/^\d{6}$/.test(area) || !MONTH.test(month)) throw new AppError('validation_failed', 'area and month are required');
    const reason = str('reason').trim().slice(0, 500);
    try {
      await closeMonth(ctx, { area, month, reason: reason || undefined });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'conflict' || err.code === 'rule_broken')) {
        const { errors, general } = serviceErrors(c.var.t, err, { reason: 'reason' });
        return render(c, area, month, { errors, general, reason }, err.status as 409 | 422);
      }
      throw err;
    }
    return c.redirect(`/console/closings${q(area, month)}`, 303);
  });
}
