// Workers, households, employers and openings of the area: search by name or
// phone, paged by cursor with the number found; register an employer, certify
// a workshop, create a public-welfare post. Every change goes through the
// service verbs, which audit it; a refused form is shown again as typed.
// (A person's and a household's own pages are in people.tsx.)
import type { Hono } from 'hono';
import { employerKinds, hoursValues, servesValues, wagePeriods } from '../../db/schema.js';
import { occupations } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import { createEmployer, searchEmployers, searchEmployersPage, updateEmployer } from '../services/employers.js';
import { householdView, searchHouseholdsPage } from '../services/households.js';
import { createOpening, searchOpeningsPage } from '../services/openings.js';
import { searchWorkersPage } from '../services/workers.js';
import type { ServiceCtx } from '../context.js';
import { AreaPicker, isPicking, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { FormReader, type FormValues, hasValue, readForm, serviceErrors, valueOf } from './forms.js';
import type { Messages } from './i18n.js';
import { Csrf, DefaultSubmit, fa, Field, type FieldErrors, FormErrors, Group, Page, Select, Tags, Tel } from './layout.js';
import { namesOf, placeName } from './overview.js';

export const REGISTRY_PAGE = 50;
const rootOf = (ctx: ServiceCtx) => (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');

/** The picked area, checked as a code (the service checks that it exists and is ours). */
function readArea(f: FormReader, values: FormValues, name: string, root: string, required: boolean): string | undefined {
  const code = pickedArea(values, name, root);
  if (!code) {
    if (required) f.errors[name] = f.t.pickArea;
    return undefined;
  }
  if (!/^\d{2,12}$/.test(code)) {
    f.errors[name] = f.t.fieldErrors.invalidArea;
    return undefined;
  }
  return code;
}

function SearchForm(props: { c: CCtx; action: string; q: string; hint: string; extra?: unknown }) {
  const t = props.c.var.t;
  return (
    <form class="inline" method="get" action={props.action} role="search">
      <label>
        {t.search}
        <input name="q" value={props.q} placeholder={props.hint} size={24} type="search" />
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
  total?: number;
  next?: string | null;
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
      {props.total !== undefined ? (
        <p class="muted" id="total" data-total={props.total}>
          {c.var.t.foundN(props.total)}
        </p>
      ) : null}
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
      <div class="pager">
        {c.req.query('before') ? <a href={`${props.action}?q=${encodeURIComponent(props.q)}`}>{c.var.t.firstPage}</a> : null}
        {props.next ? (
          <a href={props.next} id="next-page" rel="next">
            {c.var.t.next} →
          </a>
        ) : null}
      </div>
    </Page>
  );
}

function SkillChecks(props: { t: Messages; values?: FormValues; errors?: FieldErrors }) {
  return (
    <Group legend={props.t.skills} name="skills" errors={props.errors}>
      {occupations.map((o) => (
        <label>
          <input type="checkbox" name="skills" value={o.code} checked={hasValue(props.values, 'skills', o.code)} /> {props.t.occupation(o.code)}
        </label>
      ))}
    </Group>
  );
}

// ---------------------------------------------------------------------------
// Openings

function PostForm(props: { c: CCtx; employers: Array<{ id: number; name: string }>; picker: PickerState; values?: FormValues; errors?: FieldErrors; general?: string | null }) {
  const { c, values, errors } = props;
  const t = c.var.t;
  const v = (n: string) => valueOf(values, n);
  return (
    <Page c={c} title={t.newPost}>
      <h1>{t.newPost}</h1>
      <form method="post" action="/console/openings" id="new-post" novalidate>
        <Csrf c={c} />
        <DefaultSubmit />
        <FormErrors t={t} errors={errors} general={props.general} />
        <Field label={t.title} name="title" errors={errors}>
          <input {...fa('title', errors)} value={v('title')} size={30} />
        </Field>
        <Field label={t.employer} name="employerId" errors={errors}>
          <Select name="employerId" value={v('employerId')} options={Object.fromEntries([['', t.pickAny], ...props.employers.map((e) => [String(e.id), e.name])])} errors={errors} />
        </Field>
        <AreaPicker t={t} p={props.picker} legend={t.postArea} errors={errors} hint={t.postAreaHint} choose />
        <Field label={t.serves} name="serves" errors={errors}>
          <Select name="serves" value={v('serves') || 'none'} options={t.servesValues} errors={errors} />
        </Field>
        <Field label={t.slots} name="slots" errors={errors}>
          <input {...fa('slots', errors)} value={v('slots') || '1'} inputmode="numeric" size={6} />
        </Field>
        <Field label={t.wage} name="wageAmount" errors={errors}>
          <input {...fa('wageAmount', errors)} value={v('wageAmount')} inputmode="decimal" size={8} />
        </Field>
        <Field label={t.wagePeriod} name="wagePeriod" errors={errors}>
          <Select name="wagePeriod" value={v('wagePeriod') || 'month'} options={t.wagePeriods} errors={errors} />
        </Field>
        <Field label={t.hours} name="hours" errors={errors}>
          <Select name="hours" value={v('hours') || 'part_day'} options={t.hoursValues} errors={errors} />
        </Field>
        <SkillChecks t={t} values={values} errors={errors} />
        <Field label={t.startDate} name="startDate" errors={errors}>
          <input type="date" {...fa('startDate', errors)} value={v('startDate')} />
        </Field>
        <Field label={t.closingDate} name="closingDate" errors={errors}>
          <input type="date" {...fa('closingDate', errors)} value={v('closingDate')} />
        </Field>
        <button type="submit" class="primary">{t.create}</button>
      </form>
    </Page>
  );
}

const employerChoices = async (c: CCtx) =>
  (await searchEmployers(ctxOf(c), { q: '', limit: 200 })).map((e) => ({ id: e.id, name: `${e.name} (${c.var.t.employerKinds[e.kind]})` }));

async function renderPostForm(c: CCtx, values?: FormValues, errors?: FieldErrors, general?: string | null, status: 200 | 400 | 403 | 409 | 422 = 200) {
  const picker = await loadPicker(ctxOf(c), values ?? {}, 'areaCode', { deepest: 'village' });
  return c.html(<PostForm c={c} employers={await employerChoices(c)} picker={picker} values={values} errors={errors} general={general} />, status);
}

async function postOpening(c: CCtx) {
  const values = await readForm(c.req);
  if (isPicking(values, 'areaCode')) return renderPostForm(c, values);
  const f = new FormReader(values, c.var.t);
  const input = {
    title: f.text('title', { required: true })!,
    employerId: f.number('employerId', { required: true, integer: true, min: 1 })!,
    areaCode: readArea(f, values, 'areaCode', rootOf(ctxOf(c)), true)!,
    serves: f.oneOf('serves', servesValues, 'none')!,
    slots: f.number('slots', { required: true, integer: true, min: 1, max: 10_000 })!,
    wage: { amount: f.number('wageAmount', { required: true, min: 0, max: 1_000_000 })!, period: f.oneOf('wagePeriod', wagePeriods, 'month')! },
    hours: f.oneOf('hours', hoursValues, 'part_day')!,
    skills: f.skills('skills'),
    startDate: f.date('startDate'),
    closingDate: f.date('closingDate'),
  };
  if (!f.ok) return renderPostForm(c, values, f.errors, null, 400);
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
    return renderPostForm(c, values, errors, general, err.status as 403 | 409 | 422);
  }
}

// ---------------------------------------------------------------------------
// Employers

function EmployerForm(props: { c: CCtx; picker: PickerState; values?: FormValues; errors?: FieldErrors; general?: string | null }) {
  const { c, values, errors } = props;
  const t = c.var.t;
  const v = (n: string) => valueOf(values, n);
  return (
    <Page c={c} title={t.newEmployer}>
      <h1>{t.newEmployer}</h1>
      <form method="post" action="/console/employers" id="new-employer" novalidate>
        <Csrf c={c} />
        <DefaultSubmit />
        <FormErrors t={t} errors={errors} general={props.general} />
        <Field label={t.name} name="name" errors={errors}>
          <input {...fa('name', errors)} value={v('name')} size={30} />
        </Field>
        <Field label={t.kind} name="kind" errors={errors}>
          <Select name="kind" value={v('kind') || 'workshop'} options={t.employerKinds} errors={errors} />
        </Field>
        <AreaPicker t={t} p={props.picker} legend={t.employerArea} errors={errors} choose />
        <Field label={t.placePoint} name="point" errors={errors} hint={t.pointHint}>
          <input {...fa('point', errors, true)} value={v('point')} size={20} />
        </Field>
        <Field label={t.phone} name="phone" errors={errors}>
          <input {...fa('phone', errors)} value={v('phone')} inputmode="tel" size={16} />
        </Field>
        <button type="submit" class="primary">{t.create}</button>
      </form>
    </Page>
  );
}

async function renderEmployerForm(c: CCtx, values?: FormValues, errors?: FieldErrors, general?: string | null, status: 200 | 400 | 403 | 409 | 422 = 200) {
  const picker = await loadPicker(ctxOf(c), values ?? {}, 'areaCode', { deepest: 'village' });
  return c.html(<EmployerForm c={c} picker={picker} values={values} errors={errors} general={general} />, status);
}

async function postEmployer(c: CCtx) {
  const values = await readForm(c.req);
  if (isPicking(values, 'areaCode')) return renderEmployerForm(c, values);
  const f = new FormReader(values, c.var.t);
  const name = f.text('name', { required: true })!;
  const kind = f.oneOf('kind', employerKinds, 'workshop')!;
  const areaCode = readArea(f, values, 'areaCode', rootOf(ctxOf(c)), true)!;
  const point = f.point('point');
  const phone = f.phone('phone');
  if (!f.ok) return renderEmployerForm(c, values, f.errors, null, 400);
  try {
    const e = await createEmployer(ctxOf(c), { name, kind, areaCode, point: point ?? null, contact: phone ? { phone } : {} });
    return c.redirect(`/console/employers?q=${encodeURIComponent(e.name)}&saved=${e.id}`, 303);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const { errors, general } = serviceErrors(c.var.t, err, { areaCode: 'areaCode', name: 'name' });
    return renderEmployerForm(c, values, errors, general, err.status as 403 | 409 | 422);
  }
}

// ---------------------------------------------------------------------------

const beforeOf = (c: CCtx) => {
  const b = c.req.query('before');
  return b && /^\d{1,15}$/.test(b) ? Number(b) : undefined;
};

export function registryRoutes(app: Hono<ConsoleEnv>) {
  app.get('/workers', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const page = await searchWorkersPage(ctx, { q, beforeId: beforeOf(c), limit: REGISTRY_PAGE });
    const rows = page.items;
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
        total={page.total}
        next={page.nextBeforeId ? `/console/workers?q=${encodeURIComponent(q)}&before=${page.nextBeforeId}` : null}
        tableId="workers"
        headers={[t.personName, t.phone, t.village, t.household, t.skills, t.status]}
      >
        {rows.map((w) => (
          <tr data-worker={w.id}>
            <td data-label={t.personName}>
              <a href={`/console/workers/${w.id}`}>{w.name}</a>
            </td>
            <td data-label={t.phone}>
              <Tel phone={w.phone} />
            </td>
            <td data-label={t.village}>{placeName(names, w.areaCode)}</td>
            <td data-label={t.household}>
              <a href={`/console/households/${w.householdId}`}>{t.householdNo(w.householdId)}</a>
            </td>
            <td data-label={t.skills}>{w.skills.map((s) => t.occupation(s)).join(t.listSep)}</td>
            <td data-label={t.status}>
              <Tags
                items={[
                  ...(!w.ableToWork ? [{ text: t.notAble }] : []),
                  ...(w.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : []),
                  ...w.careFor.map((x) => ({ text: `${t.careFor}${t.colon}${t.careForValues[x] ?? x}` })),
                ]}
              />
            </td>
          </tr>
        ))}
      </SearchPage>,
    );
  });

  app.get('/households', async (c) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const q = c.req.query('q') ?? '';
    const page = await searchHouseholdsPage(ctx, { q, beforeId: beforeOf(c), limit: REGISTRY_PAGE });
    const views = await Promise.all(page.items.map((h) => householdView(ctx, h)));
    const names = await namesOf(ctx.db, views.map((h) => h.areaCode));
    return c.html(
      <SearchPage
        c={c}
        title={t.householdsTitle}
        action="/console/households"
        q={q}
        hint={t.searchHintHousehold}
        add={{ href: '/console/workers/new', label: t.registerWorker }}
        empty={views.length === 0}
        total={page.total}
        next={page.nextBeforeId ? `/console/households?q=${encodeURIComponent(q)}&before=${page.nextBeforeId}` : null}
        tableId="households"
        headers={[t.household, t.village, t.members, t.status]}
      >
        {views.map((h) => (
          <tr data-household={h.id}>
            <td data-label={t.household}>
              <a href={`/console/households/${h.id}`}>{t.householdNo(h.id)}</a>
            </td>
            <td data-label={t.village}>{placeName(names, h.areaCode)}</td>
            <td data-label={t.members}>
              {h.members.map((m) => (
                <div>
                  {m.erased ? t.erasedPerson : <a href={`/console/workers/${m.id}`}>{m.name ?? '—'}</a>} {m.inWork ? <span class="tag ok">{t.types[m.inWork]}</span> : null}
                  {!m.ableToWork ? <span class="tag">{t.notAble}</span> : null}
                </div>
              ))}
            </td>
            <td data-label={t.status}>
              <Tags
                items={[
                  ...(h.povertyAlleviated ? [{ text: t.poverty }] : []),
                  ...(h.monitored ? [{ text: t.monitored }] : []),
                  ...(h.zeroEmployment.onList
                    ? [{ text: `${t.zeroChart} · ${t.daysN(h.zeroEmployment.daysWaiting ?? 0)}`, cls: h.zeroEmployment.overdue ? 'bad' : undefined }]
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
    const page = await searchEmployersPage(ctx, { q, beforeId: beforeOf(c), limit: REGISTRY_PAGE });
    const rows = page.items;
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
        total={page.total}
        next={page.nextBeforeId ? `/console/employers?q=${encodeURIComponent(q)}&before=${page.nextBeforeId}` : null}
        tableId="employers"
        headers={[t.name, t.kind, t.place, t.phone, t.status]}
      >
        {rows.map((e) => (
          <tr data-employer={e.id}>
            <td data-label={t.name}>{e.name}</td>
            <td data-label={t.kind}>{t.employerKinds[e.kind]}</td>
            <td data-label={t.place}>{placeName(names, e.areaCode)}</td>
            <td data-label={t.phone}>
              <Tel phone={e.contact.phone} />
            </td>
            <td data-label={t.status}>
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
  app.get('/employers/new', (c) => renderEmployerForm(c));
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
    const page = await searchOpeningsPage(ctx, { q, beforeId: beforeOf(c), limit: REGISTRY_PAGE });
    const rows = page.items;
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
        total={page.total}
        next={page.nextBeforeId ? `/console/openings?q=${encodeURIComponent(q)}&before=${page.nextBeforeId}` : null}
        tableId="openings"
        headers={[t.title, t.kind, t.employer, t.place, { text: t.slots, cls: 'num' }, { text: t.slotsFilled, cls: 'num' }, t.status]}
      >
        {rows.map(({ opening: o, employerName }) => (
          <tr data-opening={o.id}>
            <td data-label={t.title}>{o.kind === 'public_welfare' ? <a href={`/console/openings/${o.id}`}>{o.title}</a> : o.title}</td>
            <td data-label={t.kind}>{t.kinds[o.kind]}</td>
            <td data-label={t.employer}>{employerName}</td>
            <td data-label={t.place}>{placeName(names, o.areaCode)}</td>
            <td data-label={t.slots} class="num">{o.slots}</td>
            <td data-label={t.slotsFilled} class="num">{o.slotsFilled}</td>
            <td data-label={t.status}>{t.statuses[o.status]}</td>
          </tr>
        ))}
      </SearchPage>,
    );
  });
  // Prefilled from the query (the care-coverage page's "create a serving post here"); nothing is saved until sent.
  app.get('/openings/new', (c) => {
    const q = c.req.query();
    const prefill: FormValues = {};
    for (const k of ['title', 'areaCode', 'serves', 'slots', 'hours', 'wageAmount'] as const) if (q[k]) prefill[k] = q[k]!;
    return renderPostForm(c, Object.keys(prefill).length ? prefill : undefined);
  });
  app.post('/openings', postOpening);
}
