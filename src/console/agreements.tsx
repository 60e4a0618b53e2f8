// The public-welfare posts' agreements (聘用协议): the renewal list (agreements
// ending within POST_RULES.renewalNoticeDays) or every running one, each row
// with its renew button and a release form (coded reason, last day worked).
// Over the same verbs as /v1/agreements.
import type { Hono } from 'hono';
import { agreementExitReasons } from '../../db/schema.js';
import { postRulesOf } from '../context.js';
import { addDays } from '../domain/dates.js';
import { AppError } from '../errors.js';
import { type AgreementExitReason, type AgreementView, exitAgreement, listAgreements, renewAgreement } from '../services/agreements/agreements.js';
import { today } from '../services/households.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { parseId, readForm, valueOf } from './forms.js';
import { Csrf, Page } from './layout.js';
import { say } from './i18n.js';

const AREA = /^\d{2,12}$/;
const SHOWN = 100;

function AgreementsPage(props: { c: CCtx; items: AgreementView[]; due: boolean; area: string; cutoff: string | null; message?: { ok: boolean; text: string } }) {
  const { c } = props;
  const t = c.var.t;
  const ctx = ctxOf(c);
  const rules = postRulesOf(ctx);
  const day = today(ctx);
  const title = props.due ? t.renewalDueTitle : t.agreementsTitle;
  const back = `/console/agreements?${new URLSearchParams({ ...(props.due ? { due: 'renewal' } : {}), ...(props.area ? { area: props.area } : {}) })}`;
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      {props.message ? (
        <p class={props.message.ok ? 'msg ok' : 'msg error'} role={props.message.ok ? 'status' : 'alert'} id="agreement-message">
          {props.message.text}
        </p>
      ) : null}
      {props.due && props.cutoff ? <p class="muted">{t.renewalDueHelp(rules.renewalNoticeDays, props.cutoff)}</p> : null}
      <p>
        {props.due ? (
          <a href={`/console/agreements${props.area ? `?area=${props.area}` : ''}`}>{t.allAgreements}</a>
        ) : (
          <a href={`/console/agreements?due=renewal${props.area ? `&area=${props.area}` : ''}`}>{t.dueOnly}</a>
        )}
      </p>
      {props.items.length === 0 ? (
        <p class="muted" id="no-agreements">{t.noAgreements}</p>
      ) : (
        <div class="tablewrap">
          <table id="agreements">
            <thead>
              <tr>
                <th>{t.holder}</th>
                <th>{t.post}</th>
                <th>{t.agreementStart}</th>
                <th>{t.agreementEnd}</th>
                <th>{t.renew}</th>
                <th>{t.release}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((v) => {
                const a = v.agreement;
                const pre = `x${a.id}`;
                return (
                  <tr data-agreement={a.id}>
                    <td data-label={t.holder}>
                      <a href={`/console/workers/${v.worker.id}`}>{v.worker.name ?? '—'}</a>
                    </td>
                    <td data-label={t.post}>{v.opening ? <a href={`/console/openings/${v.opening.id}`}>{v.opening.title}</a> : '—'}</td>
                    <td data-label={t.agreementStart}>{a.startDate}</td>
                    <td data-label={t.agreementEnd}>{a.endDate}</td>
                    <td data-label={t.renew}>
                      <form method="post" action={`/console/agreements/${a.id}/renew`}>
                        <Csrf c={c} />
                        <input type="hidden" name="back" value={back} />
                        <button type="submit" data-renew={a.id}>
                          {t.renew}
                        </button>
                      </form>
                    </td>
                    <td data-label={t.release}>
                      <form method="post" action={`/console/agreements/${a.id}/exit`} class="inline">
                        <Csrf c={c} />
                        <input type="hidden" name="back" value={back} />
                        <label for={`f-${pre}Reason`}>{t.exitReason}</label>{' '}
                        <select id={`f-${pre}Reason`} name="reason">
                          {agreementExitReasons.map((r) => (
                            <option value={r}>{t.exitReasons[r] ?? r}</option>
                          ))}
                        </select>{' '}
                        <label for={`f-${pre}Last`}>{t.lastDayWorked}</label>{' '}
                        <input type="date" id={`f-${pre}Last`} name="lastDayWorked" value={addDays(day, -1) < a.startDate ? day : addDays(day, -1)} aria-describedby={`hint-${pre}Last`} />
                        <span class="hint" id={`hint-${pre}Last`}>
                          {t.lastDayWorkedHint}
                        </span>{' '}
                        <button type="submit" data-release={a.id}>
                          {t.release}
                        </button>
                      </form>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

async function render(c: CCtx, q: { due: boolean; area: string }, message?: { ok: boolean; text: string }, status: 200 | 400 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const list = await listAgreements(ctx, { area: q.area || undefined, ...(q.due ? { due: 'renewal' as const } : {}), limit: SHOWN });
  return c.html(<AgreementsPage c={c} items={list.items} due={q.due} area={q.area} cutoff={list.cutoff} message={message} />, status);
}

/** The list the form came from (its own query), else the renewal list. */
function queryOf(back: string | undefined): { due: boolean; area: string } {
  const url = new URL(back && back.startsWith('/console/agreements') ? back : '/console/agreements?due=renewal', 'http://x');
  const area = url.searchParams.get('area') ?? '';
  return { due: url.searchParams.get('due') === 'renewal', area: AREA.test(area) ? area : '' };
}

const listUrl = (q: { due: boolean; area: string }) => `/console/agreements?due=${q.due ? 'renewal' : 'all'}${q.area ? `&area=${q.area}` : ''}`;

export function agreementRoutes(app: Hono<ConsoleEnv>) {
  app.get('/agreements', async (c) => {
    const area = c.req.query('area') ?? '';
    const t = c.var.t;
    const done = c.req.query('done');
    const end = c.req.query('end') ?? '';
    const message =
      done === 'renewed' && /^\d{4}-\d{2}-\d{2}$/.test(end) ? { ok: true, text: t.renewedDone(end) } : done === 'exited' ? { ok: true, text: t.exitedDone } : undefined;
    return render(c, { due: c.req.query('due') === 'renewal', area: AREA.test(area) ? area : '' }, message);
  });

  app.post('/agreements/:id{[0-9]+}/renew', async (c) => {
    const id = parseId(c.req.param('id'));
    const values = await readForm(c.req);
    const q = queryOf(valueOf(values, 'back'));
    try {
      const next = await renewAgreement(ctxOf(c), id);
      return c.redirect(`${listUrl(q)}&done=renewed&end=${next.agreement.endDate}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found' || err.code === 'forbidden') throw err;
      return render(c, q, { ok: false, text: say(c.var.t, err.issues.map((i) => i.message).join('; ') || err.message) }, err.status as 409 | 422);
    }
  });

  app.post('/agreements/:id{[0-9]+}/exit', async (c) => {
    const id = parseId(c.req.param('id'));
    const values = await readForm(c.req);
    const q = queryOf(valueOf(values, 'back'));
    const t = c.var.t;
    const reason = agreementExitReasons.find((r) => r === valueOf(values, 'reason')) as AgreementExitReason | undefined;
    const lastDayWorked = valueOf(values, 'lastDayWorked');
    if (!reason || !/^\d{4}-\d{2}-\d{2}$/.test(lastDayWorked)) {
      return render(c, q, { ok: false, text: !reason ? `${t.exitReason}: ${t.required}` : `${t.lastDayWorked}: ${t.fieldErrors.invalidDate}` }, 400);
    }
    try {
      await exitAgreement(ctxOf(c), id, { reason, lastDayWorked });
      return c.redirect(`${listUrl(q)}&done=exited`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found' || err.code === 'forbidden') throw err;
      return render(c, q, { ok: false, text: say(t, err.message) }, err.status as 409 | 422);
    }
  });
}
