// A household's page: its village and status (edit them), its members, adding
// one, and the public-welfare posts its members could be proposed for (none
// while someone of it is on an open notice: one post per household).
import type { Hono } from 'hono';
import { AppError } from '../errors.js';
import { getScopedHousehold, householdView, updateHousehold } from '../services/households.js';
import { matchOpeningsForWorker } from '../services/matching.js';
import { householdsOnOpenNotices } from '../services/public-notices.js';
import type { ServiceCtx } from '../context.js';
import { AreaPicker, isPicking, loadPicker, type PickerState, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { FormReader, type FormState, type FormValues, hasValue, parseId, readForm, serviceErrors, valueOf } from './forms.js';
import { Csrf, DefaultSubmit, fa, Field, FormErrors, Group, Page, Tags } from './layout.js';
import { namesOf, placeName } from './overview.js';
import { rootOf } from './registration.js';

// ---------------------------------------------------------------------------
// A household's page

interface PostOption {
  workerId: number;
  workerName: string | null;
  openingId: number;
  title: string;
  distanceKm: number | null;
}

/** Public-welfare posts open now that members able to work reach and may take (the matcher's word). */
export async function postsForMembers(ctx: ServiceCtx, members: Array<{ id: number; name: string | null; ableToWork: boolean; erased: boolean }>): Promise<PostOption[]> {
  const out: PostOption[] = [];
  for (const m of members.filter((x) => x.ableToWork && !x.erased)) {
    const matches = await matchOpeningsForWorker(ctx, m.id, { limit: 20 });
    for (const x of matches.filter((y) => y.opening.kind === 'public_welfare').slice(0, 3)) {
      out.push({ workerId: m.id, workerName: m.name, openingId: x.opening.id, title: x.opening.title, distanceKm: x.distanceKm });
    }
  }
  return out;
}

async function renderHousehold(c: CCtx, id: number, edit?: FormState, status: 200 | 400 | 403 | 404 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const h = await getScopedHousehold(ctx, id);
  const view = await householdView(ctx, h);
  const names = await namesOf(ctx.db, [h.areaCode]);
  const values: FormValues = edit?.values ?? {
    ...(h.povertyAlleviated ? { povertyAlleviated: '1' } : {}),
    ...(h.monitored ? { monitored: '1' } : {}),
    ...(h.incomeAtMinimumSince ? { incomeAtMinimum: '1' } : {}),
    ...(h.cadreHousehold ? { cadreHousehold: '1' } : {}),
  };
  const picker = await loadPicker(ctx, edit?.values ?? {}, 'areaCode', { deepest: 'village', value: edit?.values ? undefined : h.areaCode });
  // A household with someone on an open notice gets no second proposal (one post per household).
  const onNotice = (await householdsOnOpenNotices(ctx, [h.id])).get(h.id) ?? null;
  const posts = onNotice ? [] : await postsForMembers(ctx, view.members);
  return c.html(<HouseholdPage c={c} view={view} names={names} picker={picker} edit={{ ...edit, values }} posts={posts} onNotice={onNotice} />, status);
}

function HouseholdPage(props: {
  c: CCtx;
  view: Awaited<ReturnType<typeof householdView>>;
  names: Record<string, string>;
  picker: PickerState;
  edit: FormState;
  posts: PostOption[];
  onNotice: { noticeId: string; workerId: number } | null;
}) {
  const { c, view: h, edit } = props;
  const t = c.var.t;
  const title = `${t.householdNo(h.id)} · ${placeName(props.names, h.areaCode)}`;
  const z = h.zeroEmployment;
  return (
    <Page c={c} title={title}>
      <div class="crumbs">
        <a href="/console/households">{t.householdsTitle}</a>
      </div>
      <h1 data-household-page={h.id}>{title}</h1>
      {c.req.query('saved') ? (
        <p class="msg ok" role="status" id="saved">
          {t.saved}
        </p>
      ) : null}
      <Tags
        items={[
          ...(h.povertyAlleviated ? [{ text: t.poverty }] : []),
          ...(h.monitored ? [{ text: t.monitored }] : []),
          ...(h.cadreHousehold ? [{ text: t.cadreHousehold, cls: 'bad' }] : []),
          ...(z.onList ? [{ text: `${t.zeroChart} · ${t.daysN(z.daysWaiting ?? 0)}`, cls: z.overdue ? 'bad' : undefined }] : []),
          ...(z.overdue ? [{ text: t.overdue, cls: 'bad' }] : []),
        ]}
      />
      <dl class="facts">
        <dt>{t.village}</dt>
        <dd>{placeName(props.names, h.areaCode)}</dd>
        <dt>{t.since}</dt>
        <dd>{z.since ?? '—'}</dd>
        <dt>{t.incomeAtMinimum}</dt>
        <dd>{h.incomeAtMinimumSince ? `${t.yes} (${h.incomeAtMinimumSince})` : t.no}</dd>
        <dt>{t.cadreHousehold}</dt>
        <dd>{h.cadreHousehold ? `${t.yes}${h.cadreSince ? ` (${h.cadreSince})` : ''}` : t.no}</dd>
        <dt>{t.registered}</dt>
        <dd>{h.createdAt.slice(0, 10)}</dd>
      </dl>
      <h2>{t.members}</h2>
      <div class="tablewrap">
        <table id="members">
          <thead>
            <tr>
              <th>{t.personName}</th>
              <th>{t.status}</th>
            </tr>
          </thead>
          <tbody>
            {h.members.map((m) => (
              <tr data-worker={m.id}>
                <td data-label={t.personName}>{m.erased ? t.erasedPerson : <a href={`/console/workers/${m.id}`}>{m.name ?? '—'}</a>}</td>
                <td data-label={t.status}>
                  <Tags
                    items={[
                      ...(m.inWork ? [{ text: t.types[m.inWork] ?? m.inWork, cls: 'ok' }] : []),
                      ...(!m.ableToWork ? [{ text: t.notAble }] : []),
                      ...(m.cannotLeaveHome ? [{ text: t.cannotLeaveHome }] : []),
                    ]}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <a href={`/console/workers/new?household=${h.id}`} id="add-member">
          + {t.addMember}
        </a>
      </p>
      <h2 id="posts">{t.proposeForPost}</h2>
      {props.onNotice ? (
        <p id="household-on-notice">
          <span class="tag busy">{t.householdOnNotice}</span> <a href={`/console/notices/${props.onNotice.noticeId}`}>{t.seeNotice}</a>
        </p>
      ) : props.posts.length === 0 ? (
        <p class="muted">{t.noPostsInReach}</p>
      ) : (
        <ul id="post-options">
          {props.posts.map((p) => (
            <li>
              <a href={`/console/openings/${p.openingId}?pick=${p.workerId}`} data-propose={`${p.openingId}:${p.workerId}`}>
                {t.proposeWho(p.workerName ?? '—', p.title)}
              </a>
              {p.distanceKm !== null ? <span class="muted"> · {p.distanceKm} km</span> : null}
            </li>
          ))}
        </ul>
      )}
      <h2>{t.editHousehold}</h2>
      <form method="post" action={`/console/households/${h.id}`} id="edit-household" novalidate>
        <Csrf c={c} />
        <DefaultSubmit />
        <FormErrors t={t} errors={edit.errors} general={edit.general} />
        <AreaPicker t={t} p={props.picker} legend={t.householdArea} errors={edit.errors} hint={t.householdAreaHint} choose />
        <Group legend={t.householdStatus} name="status" errors={edit.errors}>
          <label>
            <input type="checkbox" name="povertyAlleviated" value="1" checked={hasValue(edit.values, 'povertyAlleviated', '1')} /> {t.povertyAlleviated}
          </label>
          <label>
            <input type="checkbox" name="monitored" value="1" checked={hasValue(edit.values, 'monitored', '1')} /> {t.monitoredFlag}
          </label>
          <label>
            <input type="checkbox" name="incomeAtMinimum" value="1" checked={hasValue(edit.values, 'incomeAtMinimum', '1')} /> {t.incomeAtMinimum}
          </label>
          <label>
            <input type="checkbox" name="cadreHousehold" value="1" checked={hasValue(edit.values, 'cadreHousehold', '1')} /> {t.cadreHouseholdFlag}
          </label>
        </Group>
        <Field label={t.cadreSince} name="cadreSince" errors={edit.errors} hint={t.cadreSinceHint}>
          <input type="date" {...fa('cadreSince', edit.errors, true)} value={valueOf(edit.values, 'cadreSince')} />
        </Field>
        <button type="submit" class="primary">
          {t.save}
        </button>
      </form>
    </Page>
  );
}


export function householdRoutes(app: Hono<ConsoleEnv>) {
  app.get('/households/:id{[0-9]+}', (c) => renderHousehold(c, parseId(c.req.param('id'))));

  app.post('/households/:id{[0-9]+}', async (c) => {
    const id = parseId(c.req.param('id'));
    const ctx = ctxOf(c);
    const values = await readForm(c.req);
    if (isPicking(values, 'areaCode')) return renderHousehold(c, id, { values });
    const f = new FormReader(values, c.var.t);
    const areaCode = pickedArea(values, 'areaCode', rootOf(ctx));
    if (!areaCode) f.errors.areaCode = c.var.t.pickVillage;
    const cadreSince = f.date('cadreSince');
    if (!f.ok) return renderHousehold(c, id, { values, errors: f.errors }, 400);
    const h = await getScopedHousehold(ctx, id);
    try {
      await updateHousehold(ctx, id, {
        ...(areaCode !== h.areaCode ? { areaCode } : {}),
        povertyAlleviated: f.flag('povertyAlleviated'),
        monitored: f.flag('monitored'),
        incomeAtMinimum: f.flag('incomeAtMinimum'),
        cadreHousehold: f.flag('cadreHousehold'),
        ...(cadreSince ? { cadreSince } : {}),
      });
      return c.redirect(`/console/households/${id}?saved=1`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.code === 'not_found') throw err;
      const { errors, general } = serviceErrors(c.var.t, err, { areaCode: 'areaCode', cadreSince: 'cadreSince' });
      return renderHousehold(c, id, { values, errors, general }, err.status as 403 | 409 | 422);
    }
  });
}
