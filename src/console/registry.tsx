// Workers, households, employers and openings of the area: search by name or
// phone, register a person and their household on their behalf, certify a
// workshop, create a public-welfare post. Every change goes through the
// service verbs, which audit it; a refused form is shown again as typed.
import type { Hono } from 'hono';
import { employerKinds, hoursValues, servesValues, wagePeriods } from '../../db/schema.js';
import { occupations } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import { createEmployer, searchEmployers, updateEmployer } from '../services/employers.js';
import { householdView, searchHouseholds } from '../services/households.js';
import { createOpening, searchOpenings } from '../services/openings.js';
import { createWorker, registerWorkerWithHousehold, searchWorkers } from '../services/workers.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { FormReader, type FormValues, hasValue, readForm, serviceErrors, valueOf } from './forms.js';
import type { Messages } from './i18n.js';
import { Csrf, Field, type FieldErrors, FormErrors, Page, Select, Tags } from './layout.js';
import { namesOf, placeName } from './overview.js';

const RESULTS = 50;

function SearchForm(props: { c: CCtx; action: string; q: string; hint: string; extra?: unknown }) {
  const t = props.c.var.t;
  return (
    <form class="inline" method="get" action={props.action} role="search">
      <label>
        {t.search}
        <input name="q" value={props.q} placeholder={props.hint} size={24} />
      </label>
      <button type="submit" class="secondary">{t.search}</button>
    </form>
  );
}

const savedNote = (c: CCtx) => (c.req.query('saved') ? <p class="msg ok" role="status">{c.var.t.saved}</p> : null);

/** A search page of the registry: title, a link to add one, the search form, and the results table. */
function SearchPage(props: {
  c: CCtx;
  title: string;
  action: string;
  q: string;
  hint: string;
  add?: { href: string; label: string };
  empty: boolean;
  tableId: string;
  headers: Array<string | { text: string; cls: string }>;
  children: unknown;
}) {
  const { c, add } = props;
  return (
    <Page c={c} title={props.title}>
      <h1>{props.title}</h1>
      {savedNote(c)}
      {add ? (
        <p>
          <a href={add.href}>+ {add.label}</a>
        </p>
      ) : null}
      <SearchForm c={c} action={props.action} q={props.q} hint={props.hint} />
      {props.empty ? <p class="muted">{c.var.t.noResults}</p> : null}
      <div class="tablewrap">
        <table id={props.tableId}>
          <thead>
            <tr>
              {props.headers.map((h) => (typeof h === 'string' ? <th>{h}</th> : <th class={h.cls}>{h.text}</th>))}
            </tr>
          </thead>
          <tbody>{props.children}</tbody>
        </table>
      </div>
    </Page>
  );
}

// ---------------------------------------------------------------------------
// Workers

function WorkerForm(props: { c: CCtx; values?: FormValues; errors?: FieldErrors; general?: string | null }) {
  const { c, values, errors } = props;
  const t = c.var.t;
  const v = (n: string) => valueOf(values, n);
  const fresh = values === undefined;
  return (
    <Page c={c} title={t.registerWorker}>
      <h1>{t.registerWorker}</h1>
      <form method="post" action="/console/workers" id="register-worker" novalidate>
        <Csrf c={c} />
        <FormErrors t={t} errors={errors} general={props.general} />
        <fieldset>
          <legend>{t.household}</legend>
          <Field label={t.existingHousehold} name="householdId" errors={errors}>
            <input id="f-householdId" name="householdId" value={v('householdId')} inputmode="numeric" size={10} />
          </Field>
          <Field label={t.householdArea} name="areaCode" errors={errors} hint={t.areaCodeHint}>
            <input id="f-areaCode" name="areaCode" value={v('areaCode')} inputmode="numeric" size={14} />
          </Field>
          <div class="field checks">
            <label>
              <input type="checkbox" name="povertyAlleviated" value="1" checked={hasValue(values, 'povertyAlleviated', '1')} /> {t.povertyAlleviated}
            </label>
            <label>
              <input type="checkbox" name="monitored" value="1" checked={hasValue(values, 'monitored', '1')} /> {t.monitoredFlag}
            </label>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t.worker}</legend>
          <Field label={t.personName} name="name" errors={errors}>
            <input id="f-name" name="name" value={v('name')} size={20} />
          </Field>
          <Field label={t.phone} name="phone" errors={errors}>
            <input id="f-phone" name="phone" value={v('phone')} inputmode="tel" size={16} />
          </Field>
          <Field label={t.homePoint} name="home" errors={errors}>
            <input id="f-home" name="home" value={v('home')} size={20} />
          </Field>
          <Field label={t.maxDistance} name="maxDistanceKm" errors={errors}>
            <Select name="maxDistanceKm" value={v('maxDistanceKm') || '5'} options={{ '5': '5', '10': '10', '25': '25' }} />
          </Field>
          <Field label={t.availability} name="availability" errors={errors}>
            <Select name="availability" value={v('availability') || 'full_day'} options={t.hoursValues} />
          </Field>
          <div class="field checks">
            <label>
              <input type="checkbox" name="ableToWork" value="1" checked={fresh || hasValue(values, 'ableToWork', '1')} /> {t.ableToWork}
            </label>
            <label>
              <input type="checkbox" name="cannotLeaveHome" value="1" checked={hasValue(values, 'cannotLeaveHome', '1')} /> {t.cannotLeaveHome}
            </label>
          </div>
          <Field label={t.careFor} name="careFor" errors={errors}>
            <div class="checks" id="f-careFor">
              {Object.entries(t.careForValues).map(([k, label]) => (
                <label>
                  <input type="checkbox" name="careFor" value={k} checked={hasValue(values, 'careFor', k)} /> {label}
                </label>
              ))}
            </div>
          </Field>
          <Field label={t.skills} name="skills" errors={errors}>
            <SkillChecks t={t} values={values} />
          </Field>
        </fieldset>
        <button type="submit" class="primary">{t.save}</button>
      </form>
    </Page>
  );
}

function SkillChecks(props: { t: Messages; values?: FormValues }) {
  return (
    <div class="checks" id="f-skills">
      {occupations.map((o) => (
        <label>
          <input type="checkbox" name="skills" value={o.code} checked={hasValue(props.values, 'skills', o.code)} /> {props.t.occupation(o.code)}
        </label>
      ))}
    </div>
  );
}

async function postWorker(c: CCtx) {
  const values = await readForm(c.req);
  const f = new FormReader(values, c.var.t);
  const householdId = f.number('householdId', { integer: true, min: 1 });
  const areaCode = f.area('areaCode', { required: householdId === undefined && !f.errors.householdId, lengths: [9, 12] });
  const worker = {
    name: f.text('name', { required: true, max: 100 })!,
    phone: f.phone('phone'),
    home: f.point('home'),
    maxDistanceKm: f.number('maxDistanceKm', { min: 1, max: 200 }) ?? 5,
    availability: f.oneOf('availability', hoursValues, 'full_day'),
    ableToWork: f.flag('ableToWork'),
    cannotLeaveHome: f.flag('cannotLeaveHome'),
    careFor: f.list('careFor').filter((x): x is 'elders' | 'children' | 'disabled' | 'other' => ['elders', 'children', 'disabled', 'other'].includes(x)),
    skills: f.skills('skills'),
  };
  if (!f.ok) return c.html(<WorkerForm c={c} values={values} errors={f.errors} />, 400);
  const ctx = ctxOf(c);
  try {
    const w =
      householdId !== undefined
        ? await createWorker(ctx, { householdId, ...worker })
        : (await registerWorkerWithHousehold(ctx, { areaCode: areaCode!, povertyAlleviated: f.flag('povertyAlleviated'), monitored: f.flag('monitored') }, worker)).worker;
    return c.redirect(`/console/workers?q=${encodeURIComponent(w.name ?? '')}&saved=${w.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const { errors, general } = serviceErrors(c.var.t, err, { householdId: 'householdId', areaCode: 'areaCode', careFor: 'careFor', name: 'name', phone: 'phone' });
    return c.html(<WorkerForm c={c} values={values} errors={errors} general={general} />, err.status);
  }
}

// ---------------------------------------------------------------------------
// Openings

function PostForm(props: { c: CCtx; employers: Array<{ id: number; name: string }>; values?: FormValues; errors?: FieldErrors; general?: string | null }) {
  const { c, values, errors } = props;
  const t = c.var.t;
  const v = (n: string) => valueOf(values, n);
  return (
    <Page c={c} title={t.newPost}>
      <h1>{t.newPost}</h1>
      <form method="post" action="/console/openings" id="new-post" novalidate>
        <Csrf c={c} />
        <FormErrors t={t} errors={errors} general={props.general} />
        <Field label={t.title} name="title" errors={errors}>
          <input id="f-title" name="title" value={v('title')} size={30} />
        </Field>
        <Field label={t.employer} name="employerId" errors={errors}>
          <Select name="employerId" value={v('employerId')} options={Object.fromEntries([['', '—'], ...props.employers.map((e) => [String(e.id), e.name])])} />
        </Field>
        <Field label={t.areaCode} name="areaCode" errors={errors} hint={t.areaCodeHint}>
          <input id="f-areaCode" name="areaCode" value={v('areaCode')} inputmode="numeric" size={14} />
        </Field>
        <Field label={t.serves} name="serves" errors={errors}>
          <Select name="serves" value={v('serves') || 'none'} options={t.servesValues} />
        </Field>
        <Field label={t.slots} name="slots" errors={errors}>
          <input id="f-slots" name="slots" value={v('slots') || '1'} inputmode="numeric" size={6} />
        </Field>
        <Field label={t.wage} name="wageAmount" errors={errors}>
          <input id="f-wageAmount" name="wageAmount" value={v('wageAmount')} inputmode="decimal" size={8} />
        </Field>
        <Field label={t.wagePeriod} name="wagePeriod" errors={errors}>
          <Select name="wagePeriod" value={v('wagePeriod') || 'month'} options={t.wagePeriods} />
        </Field>
        <Field label={t.hours} name="hours" errors={errors}>
          <Select name="hours" value={v('hours') || 'part_day'} options={t.hoursValues} />
        </Field>
        <Field label={t.skills} name="skills" errors={errors}>
          <SkillChecks t={t} values={values} />
        </Field>
        <Field label={t.startDate} name="startDate" errors={errors}>
          <input id="f-startDate" type="date" name="startDate" value={v('startDate')} />
        </Field>
        <Field label={t.closingDate} name="closingDate" errors={errors}>
          <input id="f-closingDate" type="date" name="closingDate" value={v('closingDate')} />
        </Field>
        <button type="submit" class="primary">{t.create}</button>
      </form>
    </Page>
  );
}

const employerChoices = async (c: CCtx) =>
  (await searchEmployers(ctxOf(c), { q: '', limit: 200 })).map((e) => ({ id: e.id, name: `${e.name} (${c.var.t.employerKinds[e.kind]})` }));

async function postOpening(c: CCtx) {
  const values = await readForm(c.req);
  const f = new FormReader(values, c.var.t);
  const input = {
    title: f.text('title', { required: true })!,
    employerId: f.number('employerId', { required: true, integer: true, min: 1 })!,
    areaCode: f.area('areaCode', { required: true })!,
    serves: f.oneOf('serves', servesValues, 'none')!,
    slots: f.number('slots', { required: true, integer: true, min: 1, max: 10_000 })!,
    wage: { amount: f.number('wageAmount', { required: true, min: 0, max: 1_000_000 })!, period: f.oneOf('wagePeriod', wagePeriods, 'month')! },
    hours: f.oneOf('hours', hoursValues, 'part_day')!,
    skills: f.skills('skills'),
    startDate: f.date('startDate'),
    closingDate: f.date('closingDate'),
  };
  if (!f.ok) return c.html(<PostForm c={c} employers={await employerChoices(c)} values={values} errors={f.errors} />, 400);
  try {
    const o = await createOpening(ctxOf(c), { ...input, kind: 'public_welfare', povertyOnly: true, status: 'open' });
    return c.redirect(`/console/openings/${o.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const { errors, general } = serviceErrors(c.var.t, err, {
      title: 'title',
      employerId: 'employerId',
      areaCode: 'areaCode',
      slots: 'slots',
      startDate: 'startDate',
      closingDate: 'closingDate',
    });
    return c.html(<PostForm c={c} employers={await employerChoices(c)} values={values} errors={errors} general={general} />, err.status);
  }
}

// ---------------------------------------------------------------------------
// Employers

function EmployerForm(props: { c: CCtx; values?: FormValues; errors?: FieldErrors; general?: string | null }) {
  const { c, values, errors } = props;
  const t = c.var.t;
  const v = (n: string) => valueOf(values, n);
  return (
    <Page c={c} title={t.newEmployer}>
      <h1>{t.newEmployer}</h1>
      <form method="post" action="/console/employers" id="new-employer" novalidate>
        <Csrf c={c} />
        <FormErrors t={t} errors={errors} general={props.general} />
        <Field label={t.name} name="name" errors={errors}>
          <input id="f-name" name="name" value={v('name')} size={30} />
        </Field>
        <Field label={t.kind} name="kind" errors={errors}>
          <Select name="kind" value={v('kind') || 'workshop'} options={t.employerKinds} />
        </Field>
        <Field label={t.areaCode} name="areaCode" errors={errors} hint={t.areaCodeHint}>
          <input id="f-areaCode" name="areaCode" value={v('areaCode')} inputmode="numeric" size={14} />
        </Field>
        <Field label={t.homePoint} name="point" errors={errors}>
          <input id="f-point" name="point" value={v('point')} size={20} />
        </Field>
        <Field label={t.phone} name="phone" errors={errors}>
          <input id="f-phone" name="phone" value={v('phone')} inputmode="tel" size={16} />
        </Field>
        <button type="submit" class="primary">{t.create}</button>
      </form>
    </Page>
  );
}

async function postEmployer(c: CCtx) {
  const values = await readForm(c.req);
  const f = new FormReader(values, c.var.t);
  const name = f.text('name', { required: true })!;
  const kind = f.oneOf('kind', employerKinds, 'workshop')!;
  const areaCode = f.area('areaCode', { required: true })!;
  const point = f.point('point');
  const phone = f.phone('phone');
  if (!f.ok) return c.html(<EmployerForm c={c} values={values} errors={f.errors} />, 400);
  try {
    const e = await createEmployer(ctxOf(c), { name, kind, areaCode, point: point ?? null, contact: phone ? { phone } : {} });
    return c.redirect(`/console/employers?q=${encodeURIComponent(e.name)}&saved=${e.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const { errors, general } = serviceErrors(c.var.t, err, { areaCode: 'areaCode', name: 'name' });
    return c.html(<EmployerForm c={c} values={values} errors={errors} general={general} />, err.status);
  }
}

// ---------------------------------------------------------------------------

export function registryRoutes(app: Hono<ConsoleEnv>) {
  app.get('/workers', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const rows = await searchWorkers(ctx, { q, limit: RESULTS });
    const names = await namesOf(ctx.db, rows.map((w) => w.areaCode));
    return c.html(
      <SearchPage
        c={c}
        title={t.workersTitle}
        action="/console/workers"
        q={q}
        hint={t.searchHint}
        add={{ href: '/console/workers/new', label: t.registerWorker }}
        empty={rows.length === 0}
        tableId="workers"
        headers={['#', t.personName, t.phone, t.village, t.household, t.skills, '']}
      >
        {rows.map((w) => (
          <tr data-worker={w.id}>
            <td>{w.id}</td>
            <td>{w.name}</td>
            <td>{w.phone ?? ''}</td>
            <td>{placeName(names, w.areaCode)}</td>
            <td>
              <a href={`/console/households?q=${w.householdId}`}>#{w.householdId}</a>
            </td>
            <td>{w.skills.map((s) => t.occupation(s)).join('、')}</td>
            <td>
              <Tags
                items={[
                  ...(!w.ableToWork ? [{ text: t.notAble }] : []),
                  ...(w.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : []),
                  ...w.careFor.map((x) => ({ text: t.careForValues[x] ?? x })),
                ]}
              />
            </td>
          </tr>
        ))}
      </SearchPage>,
    );
  });
  app.get('/workers/new', (c) => c.html(<WorkerForm c={c} />));
  app.post('/workers', postWorker);

  app.get('/households', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const found = await searchHouseholds(ctx, { q, limit: RESULTS });
    const views = await Promise.all(found.map((h) => householdView(ctx, h)));
    const names = await namesOf(ctx.db, views.map((h) => h.areaCode));
    return c.html(
      <SearchPage
        c={c}
        title={t.householdsTitle}
        action="/console/households"
        q={q}
        hint={t.searchHintHousehold}
        empty={views.length === 0}
        tableId="households"
        headers={[t.household, t.village, t.members, t.status]}
      >
        {views.map((h) => (
          <tr data-household={h.id}>
            <td>#{h.id}</td>
            <td>{placeName(names, h.areaCode)}</td>
            <td>
              {h.members.map((m) => (
                <div>
                  {m.name ?? '—'} {m.inWork ? <span class="tag ok">{t.types[m.inWork]}</span> : null}
                  {!m.ableToWork ? <span class="tag">{t.notAble}</span> : null}
                </div>
              ))}
            </td>
            <td>
              <Tags
                items={[
                  ...(h.povertyAlleviated ? [{ text: t.poverty }] : []),
                  ...(h.monitored ? [{ text: t.monitored }] : []),
                  ...(h.zeroEmployment.onList
                    ? [{ text: `${t.zeroChart} ${h.zeroEmployment.daysWaiting}d`, cls: h.zeroEmployment.overdue ? 'bad' : undefined }]
                    : []),
                ]}
              />
            </td>
          </tr>
        ))}
      </SearchPage>,
    );
  });

  app.get('/employers', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const rows = await searchEmployers(ctx, { q, limit: RESULTS });
    const names = await namesOf(ctx.db, rows.map((e) => e.areaCode));
    return c.html(
      <SearchPage
        c={c}
        title={t.employersTitle}
        action="/console/employers"
        q={q}
        hint={t.searchHintEmployer}
        add={{ href: '/console/employers/new', label: t.newEmployer }}
        empty={rows.length === 0}
        tableId="employers"
        headers={['#', t.name, t.kind, t.place, t.phone, t.status]}
      >
        {rows.map((e) => (
          <tr data-employer={e.id}>
            <td>{e.id}</td>
            <td>{e.name}</td>
            <td>{t.employerKinds[e.kind]}</td>
            <td>{placeName(names, e.areaCode)}</td>
            <td>{e.contact.phone ?? ''}</td>
            <td>
              {e.verified ? <span class="tag ok">{t.verified}</span> : null}
              {e.certified ? (
                <span class="tag ok" data-certified="true">
                  {t.certified} {e.certifiedAt?.slice(0, 10)}
                </span>
              ) : e.kind === 'workshop' ? (
                <form method="post" action={`/console/employers/${e.id}/certify`}>
                  <Csrf c={c} />
                  <input type="hidden" name="q" value={q} />
                  <button type="submit" class="secondary">{t.certify}</button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </SearchPage>,
    );
  });
  app.get('/employers/new', (c) => c.html(<EmployerForm c={c} />));
  app.post('/employers', postEmployer);
  app.post('/employers/:id{[0-9]+}/certify', async (c) => {
    const id = Number(c.req.param('id'));
    const body = await c.req.parseBody();
    await updateEmployer(ctxOf(c), id, { certified: true });
    const q = typeof body.q === 'string' ? body.q : '';
    return c.redirect(`/console/employers?q=${encodeURIComponent(q)}&saved=${id}`, 303);
  });

  app.get('/openings', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const rows = await searchOpenings(ctx, { q, limit: RESULTS });
    const names = await namesOf(ctx.db, rows.map((r) => r.opening.areaCode));
    return c.html(
      <SearchPage
        c={c}
        title={t.openingsTitle}
        action="/console/openings"
        q={q}
        hint={t.searchHintOpening}
        add={{ href: '/console/openings/new', label: t.newPost }}
        empty={rows.length === 0}
        tableId="openings"
        headers={['#', t.title, t.kind, t.employer, t.place, { text: t.slots, cls: 'num' }, { text: t.slotsFilled, cls: 'num' }, t.status, '']}
      >
        {rows.map(({ opening: o, employerName }) => (
          <tr data-opening={o.id}>
            <td>{o.id}</td>
            <td>{o.title}</td>
            <td>{t.kinds[o.kind]}</td>
            <td>{employerName}</td>
            <td>{placeName(names, o.areaCode)}</td>
            <td class="num">{o.slots}</td>
            <td class="num">{o.slotsFilled}</td>
            <td>{t.statuses[o.status]}</td>
            <td>{o.kind === 'public_welfare' ? <a href={`/console/openings/${o.id}`}>{t.allocate}</a> : null}</td>
          </tr>
        ))}
      </SearchPage>,
    );
  });
  app.get('/openings/new', async (c) => c.html(<PostForm c={c} employers={await employerChoices(c)} />));
  app.post('/openings', postOpening);
}
