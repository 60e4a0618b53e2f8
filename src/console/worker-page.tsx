// A person's page: every fact staff may see and edit, their placements (record
// one with the place picked, end one with a date and a coded reason), a link
// code to read out, a post holder's monthly assessments (each month opens its
// sheet), their applications and the messages owed to them (kinds
// and dates only), erasure after a confirmation. Each action is one service
// verb, audited there.
import type { Hono } from 'hono';
import { placementTypes } from '../../db/schema.js';
import { AppError } from '../errors.js';
import { listApplications } from '../services/applications.js';
import { today } from '../services/households.js';
import { issueLinkCode } from '../services/link-codes.js';
import { getOpening } from '../services/openings.js';
import { alertsForWorker } from '../services/outbox.js';
import { type AssessmentView, workerAssessments } from '../services/posts/assessments.js';
import { createPlacement, endPlacement, getScopedPlacement, type Placement, placementEndReasons, placementsOfWorker } from '../services/placements.js';
import { eraseWorker, getScopedWorker, updateWorker, type Worker, workerView } from '../services/workers.js';
import { AreaPicker, isPicking, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { FormReader, type FormState, type FormValues, parseId, readForm, serviceErrors, valueOf } from './forms.js';
import { say } from './i18n.js';
import { Csrf, DefaultSubmit, fa, Field, FormErrors, Page, Select, Tags, Tel } from './layout.js';
import { namesOf, placeName } from './overview.js';
import { toldState } from './posts.js';
import { readWorker, rootOf, WorkerFields, workerFields } from './registration.js';

// ---------------------------------------------------------------------------
// A person's page

interface WorkerPageForms {
  edit?: FormState;
  place?: FormState;
  end?: { placementId: number } & FormState;
  linkCode?: { code: string; expiresAt: string };
  general?: string;
}

const workerValues = (w: Worker): FormValues => ({
  name: w.name ?? '',
  phone: w.phone ?? '',
  birthDate: w.birthDate ?? '',
  home: w.homeLat !== null && w.homeLon !== null ? `${w.homeLat},${w.homeLon}` : '',
  maxDistanceKm: String(w.maxDistanceKm),
  availability: w.availability,
  ...(w.ableToWork ? { ableToWork: '1' } : {}),
  ...(w.cannotLeaveHome ? { cannotLeaveHome: '1' } : {}),
  careFor: w.careFor,
  skills: w.skills,
});

async function renderWorker(c: CCtx, id: number, forms: WorkerPageForms = {}, status: 200 | 400 | 404 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const t = c.var.t;
  const w = await getScopedWorker(ctx, id);
  const [view, placements, apps, alerts, months] = await Promise.all([
    workerView(ctx, w),
    placementsOfWorker(ctx, id),
    listApplications(ctx, { workerId: id, limit: 50 }),
    alertsForWorker(ctx, id, 20),
    workerAssessments(ctx, id),
  ]);
  const titles = new Map<number, string>();
  for (const a of apps.items) {
    if (!titles.has(a.a.openingId)) titles.set(a.a.openingId, await getOpening(ctx, a.a.openingId).then((o) => o.title).catch(() => t.openingNo(a.a.openingId)));
  }
  const names = await namesOf(ctx.db, [w.areaCode, ...placements.flatMap((p) => (p.areaCode ? [p.areaCode] : []))]);
  const picker = await loadPicker(ctx, forms.place?.values ?? {}, 'placeArea', { root: '', value: forms.place?.values ? undefined : rootOf(ctx) || undefined });
  return c.html(
    <WorkerPage c={c} w={w} view={view} placements={placements} assessments={months} apps={apps.items.map((a) => ({ ...a, title: titles.get(a.a.openingId)! }))} alerts={alerts} names={names} picker={picker} forms={forms} />,
    status,
  );
}

function WorkerPage(props: {
  c: CCtx;
  w: Worker;
  view: Awaited<ReturnType<typeof workerView>>;
  placements: Placement[];
  assessments: AssessmentView[];
  apps: Array<{ a: { id: number; openingId: number; state: string; reason: string | null; updatedAt: string }; title: string }>;
  alerts: Awaited<ReturnType<typeof alertsForWorker>>;
  names: Record<string, string>;
  picker: PickerState;
  forms: WorkerPageForms;
}) {
  const { c, w, view, forms } = props;
  const t = c.var.t;
  const title = w.name ?? t.erasedPerson;
  const saved = c.req.query('saved');
  const edit = forms.edit ?? { values: workerValues(w) };
  const place = forms.place ?? { values: { startDate: today(ctxOf(c)), type: 'enterprise' } };
  const active = props.placements.filter((p) => p.endDate === null);
  return (
    <Page c={c} title={title}>
      <div class="crumbs">
        <a href="/console/workers">{t.workersTitle}</a> › <a href={`/console/households/${w.householdId}`}>{t.householdNo(w.householdId)}</a>
      </div>
      <h1 data-worker-page={w.id}>{title}</h1>
      {saved ? (
        <p class="msg ok" role="status" id="saved">
          {t.savedWhat[saved] ?? t.saved}
        </p>
      ) : null}
      {forms.general ? (
        <p class="msg error" role="alert">
          {forms.general}
        </p>
      ) : null}
      {forms.linkCode ? (
        <p class="msg info" role="status" id="link-code">
          {t.linkCodeIs} <strong data-code={forms.linkCode.code}>{`${forms.linkCode.code.slice(0, 4)} ${forms.linkCode.code.slice(4)}`}</strong> · {t.linkCodeUntil(forms.linkCode.expiresAt.slice(0, 16).replace('T', ' '))}
        </p>
      ) : null}
      <Tags
        items={[
          ...(view.household?.povertyAlleviated ? [{ text: t.poverty }] : []),
          ...(view.household?.monitored ? [{ text: t.monitored }] : []),
          ...(view.household?.zeroEmployment ? [{ text: t.zeroChart, cls: 'bad' }] : []),
          ...(active.length ? active.map((p) => ({ text: t.types[p.type] ?? p.type, cls: 'ok' })) : []),
          ...(!w.ableToWork ? [{ text: t.notAble }] : []),
          ...(w.deceasedOn ? [{ text: t.deceased(w.deceasedOn) }] : []),
          ...(w.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : []),
          ...w.careFor.map((x) => ({ text: `${t.careFor}${t.colon}${t.careForValues[x] ?? x}` })),
        ]}
      />
      <dl class="facts">
        <dt>{t.household}</dt>
        <dd>
          <a href={`/console/households/${w.householdId}`}>{t.householdNo(w.householdId)}</a>
        </dd>
        <dt>{t.village}</dt>
        <dd>{placeName(props.names, w.areaCode)}</dd>
        <dt>{t.phone}</dt>
        <dd>
          <Tel phone={w.phone} />
        </dd>
        <dt>{t.birthDate}</dt>
        <dd>{w.birthDate ?? t.birthDateNotRecorded}</dd>
        <dt>{t.skills}</dt>
        <dd>{w.skills.map((s) => t.occupation(s)).join(t.listSep) || '—'}</dd>
        <dt>{t.availability}</dt>
        <dd>
          {t.hoursValues[w.availability]} · {t.maxDistance} {w.maxDistanceKm}
        </dd>
        <dt>{t.chatLinked}</dt>
        <dd>{view.linkedToChat ? t.yes : t.no}</dd>
        <dt>{t.registered}</dt>
        <dd>{w.createdAt.slice(0, 10)}</dd>
      </dl>

      <h2 id="placements">{t.placementsTitle}</h2>
      {props.placements.length === 0 ? <p class="muted">{t.noPlacements}</p> : null}
      {props.placements.length ? (
        <div class="tablewrap">
          <table id="placement-list">
            <thead>
              <tr>
                <th>{t.kind}</th>
                <th>{t.place}</th>
                <th>{t.startDate}</th>
                <th>{t.endDate}</th>
                <th>{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {props.placements.map((p) => {
                const endState = forms.end?.placementId === p.id ? forms.end : undefined;
                const pre = `end${p.id}`;
                return (
                  <tr data-placement={p.id} data-ended={p.endDate ? 'true' : 'false'}>
                    <td data-label={t.kind}>{t.types[p.type] ?? p.type}</td>
                    <td data-label={t.place}>
                      {p.areaCode ? placeName(props.names, p.areaCode) : '—'} <span class="muted">({t.scopes[p.scope]})</span>
                    </td>
                    <td data-label={t.startDate}>{p.startDate}</td>
                    <td data-label={t.endDate}>{p.endDate ? `${p.endDate} · ${t.endReasons[p.endReason ?? ''] ?? p.endReason ?? ''}` : t.stillInWork}</td>
                    <td data-label={t.actions}>
                      {p.endDate === null ? (
                        <form method="post" action={`/console/placements/${p.id}/end`} class="inline" id={`end-${p.id}`} novalidate>
                          <Csrf c={c} />
                          <FormErrors t={t} errors={endState?.errors} general={endState?.general} />
                          <div class={endState?.errors?.[`${pre}Date`] ? 'has-error' : undefined}>
                            <label for={`f-${pre}Date`}>{t.endDate}</label>
                            <input type="date" {...fa(`${pre}Date`, endState?.errors, true)} value={valueOf(endState?.values, `${pre}Date`) || today(ctxOf(c))} />
                            <span class="hint" id={`hint-${pre}Date`}>{t.endDateHint}</span>
                            {endState?.errors?.[`${pre}Date`] ? (
                              <span class="err" id={`err-${pre}Date`}>
                                {endState.errors[`${pre}Date`]}
                              </span>
                            ) : null}
                          </div>
                          <div>
                            <label for={`f-${pre}Reason`}>{t.endReason}</label>
                            <Select name={`${pre}Reason`} value={valueOf(endState?.values, `${pre}Reason`) || 'contract_ended'} options={t.endReasons} />
                          </div>
                          <button type="submit" class="secondary">
                            {t.endPlacement}
                          </button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      {w.erasedAt ? null : (
        <>
          <h3>{t.recordPlacement}</h3>
          <form method="post" action={`/console/workers/${w.id}/placements`} id="record-placement" novalidate>
            <Csrf c={c} />
        <DefaultSubmit />
            <FormErrors t={t} errors={place.errors} general={place.general} />
            <Field label={t.placementType} name="type" errors={place.errors}>
              <Select name="type" value={valueOf(place.values, 'type') || 'enterprise'} options={Object.fromEntries(placementTypes.map((p) => [p, t.types[p]!]))} errors={place.errors} />
            </Field>
            <AreaPicker t={t} p={props.picker} legend={t.workPlace} errors={place.errors} choose />
            <Field label={t.startDate} name="startDate" errors={place.errors}>
              <input type="date" {...fa('startDate', place.errors)} value={valueOf(place.values, 'startDate')} />
            </Field>
            <Field label={t.contractMonths} name="contractMonths" errors={place.errors} hint={t.contractHint}>
              <input {...fa('contractMonths', place.errors, true)} value={valueOf(place.values, 'contractMonths')} inputmode="numeric" size={4} />
            </Field>
            <button type="submit" class="primary">
              {t.recordPlacement}
            </button>
          </form>

          <h2>{t.editWorker}</h2>
          <form method="post" action={`/console/workers/${w.id}`} id="edit-worker" novalidate>
            <Csrf c={c} />
            <FormErrors t={t} errors={edit.errors} general={edit.general} />
            <WorkerFields t={t} values={edit.values} errors={edit.errors} fresh={false} />
            <button type="submit" class="primary">
              {t.save}
            </button>
          </form>
        </>
      )}

      {props.assessments.length > 0 || props.placements.some((p) => p.type === 'public_welfare') ? <AssessmentHistory c={c} w={w} months={props.assessments} /> : null}

      <h2>{t.applicationsTitle}</h2>
      {props.apps.length === 0 ? (
        <p class="muted">{t.noApplications}</p>
      ) : (
        <div class="tablewrap">
          <table id="worker-applications">
            <thead>
              <tr>
                <th>{t.opening}</th>
                <th>{t.state}</th>
                <th>{t.updated}</th>
              </tr>
            </thead>
            <tbody>
              {props.apps.map(({ a, title }) => (
                <tr data-application={a.id}>
                  <td data-label={t.opening}>
                    <a href={`/console/openings/${a.openingId}`}>{title}</a>
                  </td>
                  <td data-label={t.state}>
                    {t.states[a.state] ?? a.state}
                    {a.reason ? ` (${t.endingReasons[a.reason] ?? a.reason})` : ''}
                  </td>
                  <td data-label={t.updated}>{a.updatedAt.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t.alertsTitle}</h2>
      {props.alerts.length === 0 ? (
        <p class="muted">{t.noAlerts}</p>
      ) : (
        <div class="tablewrap">
          <table id="worker-alerts">
            <thead>
              <tr>
                <th>{t.alertKind}</th>
                <th>{t.status}</th>
                <th>{t.created}</th>
              </tr>
            </thead>
            <tbody>
              {props.alerts.map((a) => (
                <tr>
                  <td data-label={t.alertKind}>{t.alertKinds[a.kind] ?? a.kind}</td>
                  <td data-label={t.status}>{t.outboxStatuses[a.status] ?? a.status}</td>
                  <td data-label={t.created}>{(a.sentAt ?? a.createdAt).slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {w.erasedAt ? null : (
        <>
          <h2>{t.chatLink}</h2>
          <p class="muted">{t.linkCodeHelp}</p>
          <form method="post" action={`/console/workers/${w.id}/link-code`} id="issue-link-code">
            <Csrf c={c} />
            <button type="submit" class="secondary">
              {t.issueLinkCode}
            </button>
          </form>
          <h2>{t.eraseTitle}</h2>
          <p>
            <a href={`/console/workers/${w.id}/erase`} id="erase-link">
              {t.eraseStart}
            </a>
          </p>
        </>
      )}
    </Page>
  );
}

/** A post holder's months: days, score, subsidy, told and paid; each month opens the sheet that lists it (the home area of that month, also after a move). */
function AssessmentHistory(props: { c: CCtx; w: Worker; months: AssessmentView[] }) {
  const t = props.c.var.t;
  const m = t.postMonth;
  return (
    <>
      <h2 id="assessments">{m.personTitle}</h2>
      {props.months.length === 0 ? (
        <p class="muted">{m.personNone}</p>
      ) : (
        <div class="tablewrap">
          <table id="assessment-history">
            <thead>
              <tr>
                <th scope="col">{m.month}</th>
                <th scope="col" class="num">{m.days}</th>
                <th scope="col">{m.score}</th>
                <th scope="col" class="num">{m.amount}</th>
                <th scope="col">{m.deduction}</th>
                <th scope="col">{m.state}</th>
              </tr>
            </thead>
            <tbody>
              {props.months.map((a) => (
                <tr data-assessment={a.id} data-month={a.month}>
                  <th scope="row" data-label={m.month}>
                    <a href={`/console/assessments?${new URLSearchParams({ area: a.areaCode, month: a.month })}`} title={m.open}>
                      {a.month}
                    </a>
                  </th>
                  <td data-label={m.days} class="num">{a.daysWorked}</td>
                  <td data-label={m.score}>
                    {a.total} ({a.band})
                  </td>
                  <td data-label={m.amount} class="num">{a.amountYuan.toFixed(2)}</td>
                  <td data-label={m.deduction}>{a.deductionReason ?? ''}</td>
                  <td data-label={m.state} data-told={a.told ? 'true' : 'false'}>
                    <span class={a.paidAt || a.told ? 'tag' : 'tag bad'}>{a.paidAt ? m.paid : toldState(m, a)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function EraseConfirm(props: { c: CCtx; w: Worker; error?: string }) {
  const { c, w } = props;
  const t = c.var.t;
  return (
    <Page c={c} title={t.eraseTitle}>
      <h1>
        {t.eraseTitle}: {w.name}
      </h1>
      <p class="msg error">{t.eraseWarning}</p>
      <form method="post" action={`/console/workers/${w.id}/erase`} id="erase" novalidate>
        <Csrf c={c} />
        <div class={props.error ? 'field has-error' : 'field'}>
          <label class="check">
            <input type="checkbox" {...fa('confirm', props.error ? { confirm: props.error } : undefined)} value="1" /> {t.eraseConfirm(w.name ?? '')}
          </label>
          {props.error ? (
            <span class="err" id="err-confirm">
              {props.error}
            </span>
          ) : null}
        </div>
        <div class="actions">
          <button type="submit" class="danger">
            {t.eraseDo}
          </button>
          <a href={`/console/workers/${w.id}`}>{t.cancel}</a>
        </div>
      </form>
    </Page>
  );
}


export function workerRoutes(app: Hono<ConsoleEnv>) {
  app.get('/workers/:id{[0-9]+}', (c) => renderWorker(c, parseId(c.req.param('id'))));

  app.post('/workers/:id{[0-9]+}', async (c) => {
    const id = parseId(c.req.param('id'));
    const values = await readForm(c.req);
    const f = new FormReader(values, c.var.t);
    const input = readWorker(f);
    if (!f.ok) return renderWorker(c, id, { edit: { values, errors: f.errors } }, 400);
    try {
      await updateWorker(ctxOf(c), id, { ...input, phone: input.phone ?? null, home: input.home ?? null, birthDate: input.birthDate ?? null });
      return c.redirect(`/console/workers/${id}?saved=edited`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      const { errors, general } = serviceErrors(c.var.t, err, workerFields);
      return renderWorker(c, id, { edit: { values, errors, general } }, err.status as 409 | 422);
    }
  });

  app.post('/workers/:id{[0-9]+}/placements', async (c) => {
    const id = parseId(c.req.param('id'));
    const ctx = ctxOf(c);
    const values = await readForm(c.req);
    if (isPicking(values, 'placeArea')) return renderWorker(c, id, { place: { values } });
    const t = c.var.t;
    const f = new FormReader(values, t);
    const type = f.oneOf('type', placementTypes);
    const startDate = f.date('startDate', { required: true });
    const contractMonths = f.number('contractMonths', { integer: true, min: 1, max: 600 });
    const areaCode = pickedArea(values, 'placeArea', '');
    if (!areaCode) f.errors.placeArea = t.pickPlace;
    if (!f.ok) return renderWorker(c, id, { place: { values, errors: f.errors } }, 400);
    try {
      await createPlacement(ctx, { workerId: id, type: type!, areaCode, startDate: startDate!, contractMonths });
      return c.redirect(`/console/workers/${id}?saved=placed#placements`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      const { errors, general } = serviceErrors(t, err, { areaCode: 'placeArea', startDate: 'startDate', type: 'type', workerId: 'type', contractMonths: 'contractMonths' });
      return renderWorker(c, id, { place: { values, errors, general } }, err.status as 409 | 422);
    }
  });

  app.post('/placements/:id{[0-9]+}/end', async (c) => {
    const pid = parseId(c.req.param('id'));
    const ctx = ctxOf(c);
    const p = await getScopedPlacement(ctx, pid);
    const values = await readForm(c.req);
    const t = c.var.t;
    const f = new FormReader(values, t);
    const pre = `end${pid}`;
    const endDate = f.date(`${pre}Date`, { required: true });
    const reason = f.oneOf(`${pre}Reason`, placementEndReasons, 'other');
    if (!f.ok) return renderWorker(c, p.workerId, { end: { placementId: pid, values, errors: f.errors } }, 400);
    try {
      await endPlacement(ctx, pid, { endDate: endDate!, reason: reason! });
      return c.redirect(`/console/workers/${p.workerId}?saved=ended#placements`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      const { errors, general } = serviceErrors(t, err, { endDate: `${pre}Date` });
      return renderWorker(c, p.workerId, { end: { placementId: pid, values, errors, general } }, err.status as 409 | 422);
    }
  });

  app.post('/workers/:id{[0-9]+}/link-code', async (c) => {
    const id = parseId(c.req.param('id'));
    try {
      const code = await issueLinkCode(ctxOf(c), { workerId: id });
      return renderWorker(c, id, { linkCode: code });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      return renderWorker(c, id, { general: say(c.var.t, err.message) }, err.status as 409);
    }
  });

  app.get('/workers/:id{[0-9]+}/erase', async (c) => {
    const w = await getScopedWorker(ctxOf(c), parseId(c.req.param('id')));
    if (w.erasedAt) return c.redirect(`/console/workers/${w.id}`, 303);
    return c.html(<EraseConfirm c={c} w={w} />);
  });

  app.post('/workers/:id{[0-9]+}/erase', async (c) => {
    const ctx = ctxOf(c);
    const w = await getScopedWorker(ctx, parseId(c.req.param('id')));
    const values = await readForm(c.req);
    if (valueOf(values, 'confirm') !== '1') return c.html(<EraseConfirm c={c} w={w} error={c.var.t.eraseMustConfirm} />, 400);
    await eraseWorker(ctx, w.id);
    return c.redirect(`/console/households/${w.householdId}?saved=erased`, 303);
  });
}
