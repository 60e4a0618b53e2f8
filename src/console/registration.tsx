// Registering a person on their behalf: into a household already known (from
// its page, "add a member") or with a new household whose village is picked.
// The person's facts are the same fields the person's page edits.
import type { Hono } from 'hono';
import { hoursValues } from '../../db/schema.js';
import { occupations } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import { getScopedHousehold } from '../services/households.js';
import { createWorker, registerWorkerWithHousehold } from '../services/workers.js';
import type { ServiceCtx } from '../context.js';
import { AreaPicker, isPicking, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { FormReader, type FormState, type FormValues, hasValue, readForm, serviceErrors, valueOf } from './forms.js';
import type { Messages } from './i18n.js';
import { Csrf, DefaultSubmit, fa, Field, type FieldErrors, FormErrors, Group, Page, Select } from './layout.js';
import { namesOf, placeName } from './overview.js';

type CareFor = 'elders' | 'children' | 'disabled' | 'other';
const careValues: CareFor[] = ['elders', 'children', 'disabled', 'other'];

export const rootOf = (ctx: ServiceCtx) => (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');

/** The facts of a person staff fill in, for registering and for editing. */
export function WorkerFields(props: { t: Messages; values?: FormValues; errors?: FieldErrors; fresh: boolean }) {
  const { t, values, errors } = props;
  const v = (n: string) => valueOf(values, n);
  return (
    <>
      <Field label={t.personName} name="name" errors={errors}>
        <input {...fa('name', errors)} value={v('name')} size={20} autocomplete="off" />
      </Field>
      <Field label={t.phone} name="phone" errors={errors}>
        <input {...fa('phone', errors)} value={v('phone')} inputmode="tel" size={16} autocomplete="off" />
      </Field>
      <Field label={t.birthDate} name="birthDate" errors={errors} hint={t.birthDateHint}>
        <input type="date" {...fa('birthDate', errors, true)} value={v('birthDate')} />
      </Field>
      <Field label={t.homePoint} name="home" errors={errors} hint={t.pointHint}>
        <input {...fa('home', errors, true)} value={v('home')} size={20} />
      </Field>
      <Field label={t.maxDistance} name="maxDistanceKm" errors={errors}>
        <Select name="maxDistanceKm" value={v('maxDistanceKm') || '5'} options={{ '5': '5', '10': '10', '25': '25' }} errors={errors} />
      </Field>
      <Field label={t.availability} name="availability" errors={errors}>
        <Select name="availability" value={v('availability') || 'full_day'} options={t.hoursValues} errors={errors} />
      </Field>
      <Group legend={t.workFacts} name="facts" errors={errors}>
        <label>
          <input type="checkbox" name="ableToWork" value="1" checked={props.fresh || hasValue(values, 'ableToWork', '1')} /> {t.ableToWork}
        </label>
        <label>
          <input type="checkbox" name="cannotLeaveHome" value="1" checked={hasValue(values, 'cannotLeaveHome', '1')} /> {t.cannotLeaveHome}
        </label>
      </Group>
      <Group legend={t.careFor} name="careFor" errors={errors}>
        {careValues.map((k) => (
          <label>
            <input type="checkbox" name="careFor" value={k} checked={hasValue(values, 'careFor', k)} /> {t.careForValues[k]}
          </label>
        ))}
      </Group>
      <Group legend={t.skills} name="skills" errors={errors}>
        {occupations.map((o) => (
          <label>
            <input type="checkbox" name="skills" value={o.code} checked={hasValue(values, 'skills', o.code)} /> {t.occupation(o.code)}
          </label>
        ))}
      </Group>
    </>
  );
}

/** Reads WorkerFields; errors land on the reader. */
export function readWorker(f: FormReader) {
  return {
    name: f.text('name', { required: true, max: 100 })!,
    phone: f.phone('phone'),
    birthDate: f.date('birthDate'),
    home: f.point('home'),
    maxDistanceKm: f.number('maxDistanceKm', { min: 1, max: 200 }) ?? 5,
    availability: f.oneOf('availability', hoursValues, 'full_day'),
    ableToWork: f.flag('ableToWork'),
    cannotLeaveHome: f.flag('cannotLeaveHome'),
    careFor: f.list('careFor').filter((x): x is CareFor => (careValues as string[]).includes(x)),
    skills: f.skills('skills'),
  };
}

export const workerFields = { householdId: 'householdId', areaCode: 'areaCode', careFor: 'careFor', name: 'name', phone: 'phone', home: 'home', birthDate: 'birthDate' };

// ---------------------------------------------------------------------------
// Registering a person (with a new household, or into one already known)

function RegisterPage(props: {
  c: CCtx;
  state: FormState;
  household?: { id: number; label: string };
  picker: PickerState;
}) {
  const { c, state, household } = props;
  const { values, errors } = state;
  const t = c.var.t;
  const title = household ? t.addMember : t.registerWorker;
  return (
    <Page c={c} title={title}>
      <h1>{title}</h1>
      <form method="post" action="/console/workers" id="register-worker" novalidate>
        <Csrf c={c} />
        <DefaultSubmit />
        <FormErrors t={t} errors={errors} general={state.general} />
        {household ? (
          <fieldset>
            <legend>{t.household}</legend>
            <input type="hidden" name="householdId" value={String(household.id)} />
            <p>
              <a href={`/console/households/${household.id}`}>{household.label}</a>
            </p>
            {errors?.householdId ? (
              <span class="err" id="err-householdId">
                {errors.householdId}
              </span>
            ) : null}
          </fieldset>
        ) : (
          <fieldset>
            <legend>{t.newHousehold}</legend>
            <AreaPicker t={t} p={props.picker} legend={t.householdArea} errors={errors} hint={t.householdAreaHint} choose />
            <Group legend={t.householdStatus} name="status" errors={errors}>
              <label>
                <input type="checkbox" name="povertyAlleviated" value="1" checked={hasValue(values, 'povertyAlleviated', '1')} /> {t.povertyAlleviated}
              </label>
              <label>
                <input type="checkbox" name="monitored" value="1" checked={hasValue(values, 'monitored', '1')} /> {t.monitoredFlag}
              </label>
            </Group>
          </fieldset>
        )}
        <fieldset>
          <legend>{t.worker}</legend>
          <WorkerFields t={t} values={values} errors={errors} fresh={values === undefined} />
        </fieldset>
        <button type="submit" class="primary">
          {t.save}
        </button>
      </form>
    </Page>
  );
}

async function householdLabel(ctx: ServiceCtx, t: Messages, id: number) {
  const h = await getScopedHousehold(ctx, id);
  const names = await namesOf(ctx.db, [h.areaCode]);
  return { id: h.id, label: `${t.householdNo(h.id)} · ${placeName(names, h.areaCode)}` };
}

async function renderRegister(c: CCtx, state: FormState, status: 200 | 400 | 403 | 404 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const t = c.var.t;
  const hid = valueOf(state.values, 'householdId') || c.req.query('household');
  const household = hid && /^\d{1,15}$/.test(hid) ? await householdLabel(ctx, t, Number(hid)).catch(() => undefined) : undefined;
  const picker = await loadPicker(ctx, state.values ?? {}, 'areaCode', { deepest: 'village' });
  return c.html(<RegisterPage c={c} state={state} household={household} picker={picker} />, status);
}

async function postRegister(c: CCtx) {
  const values = await readForm(c.req);
  const ctx = ctxOf(c);
  if (isPicking(values, 'areaCode')) return renderRegister(c, { values });
  const f = new FormReader(values, c.var.t);
  const householdId = f.number('householdId', { integer: true, min: 1 });
  const areaCode = pickedArea(values, 'areaCode', rootOf(ctx));
  if (householdId === undefined && !areaCode) f.errors.areaCode = c.var.t.pickVillage;
  const worker = readWorker(f);
  if (!f.ok) return renderRegister(c, { values, errors: f.errors }, 400);
  try {
    const w =
      householdId !== undefined
        ? await createWorker(ctx, { householdId, ...worker })
        : (await registerWorkerWithHousehold(ctx, { areaCode: areaCode!, povertyAlleviated: f.flag('povertyAlleviated'), monitored: f.flag('monitored') }, worker)).worker;
    return c.redirect(`/console/workers/${w.id}?saved=registered`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const { errors, general } = serviceErrors(c.var.t, err, workerFields);
    return renderRegister(c, { values, errors, general }, err.status as 403 | 404 | 409 | 422);
  }
}


export function registrationRoutes(app: Hono<ConsoleEnv>) {
  app.get('/workers/new', (c) => renderRegister(c, {}));
  app.post('/workers', postRegister);
}
