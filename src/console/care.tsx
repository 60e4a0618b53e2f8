// Care coverage (照料服务岗位覆盖): the villages of an area ranked by where a
// new serving post would serve the most people and employ a carer of that
// village (services/care/coverage.ts, the rule in domain/care-score.ts), each
// row with its numbers and "create a serving post here": the new-post form,
// prefilled with a public-welfare post in that village serving the group of
// largest need. Creating it goes through createOpening like any other post.
import type { Hono } from 'hono';
import type { CareVillage } from '../services/care/coverage.js';
import { readVia } from '../services/read-pool/run.js';
import { areaLabel, areaDateQuery } from './overview.js';
import { findArea } from '../services/areas.js';
import { AreaPicker, loadPicker, pickedArea } from './area-picker.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import type { Messages } from './i18n.js';
import { Page } from './layout.js';

/** Rows shown on the page; the export and the API carry every village. */
export const CARE_PAGE_ROWS = 100;

const groupName = (t: Messages, g: string) => (g === 'elders' ? t.care.elders : g === 'children' ? t.care.children : t.care.disabled);

/** The new-post form's fields for a row: a public-welfare post in the village serving its largest need. */
export function newPostFields(t: Messages, v: CareVillage): Record<string, string> | null {
  if (!v.suggestedServes) return null;
  return {
    areaCode: v.areaCode,
    serves: v.suggestedServes,
    title: t.care.postTitle(v.name, groupName(t, v.suggestedServes)),
    slots: '1',
    hours: 'part_day',
  };
}

function Row(props: { t: Messages; v: CareVillage }) {
  const { t, v } = props;
  const fields = newPostFields(t, v);
  const r = v.reason;
  return (
    <tr data-area={v.areaCode} data-rank={v.rank}>
      <td data-label="#" class="num">{v.rank}</td>
      <td data-label={t.care.village}>
        {v.township ? <span class="muted">{v.township.name} </span> : null}
        {v.name} <span class="muted">{v.areaCode}</span>
        <br />
        <span class="muted">{v.counts.asOf ? t.care.sheetOf(v.counts.asOf) : t.care.noSheet}</span>
      </td>
      <td data-label={t.care.elders} class="num">{v.counts.elders} <span class="muted">({t.care.slots(v.servingPosts.elders.filled, v.servingPosts.elders.open)})</span></td>
      <td data-label={t.care.children} class="num">{v.counts.children} <span class="muted">({t.care.slots(v.servingPosts.children.filled, v.servingPosts.children.open)})</span></td>
      <td data-label={t.care.disabled} class="num">{v.counts.disabled} <span class="muted">({t.care.slots(v.servingPosts.disabled.filled, v.servingPosts.disabled.open)})</span></td>
      <td data-label={t.care.carers} class="num">{t.care.carersN(v.carers.eligible, v.carers.notInWork)}</td>
      <td data-label={t.care.score} class="num" data-score={v.score}>{v.score}</td>
      <td data-label={t.care.reason}>
        {r.serves ? t.care.reasonText(r.people, groupName(t, r.serves), r.servingPosts, r.peoplePerPost, r.carersCounted, r.score) : t.care.noNeed}
      </td>
      <td>
        {fields ? (
          // A GET form: it only opens the new-post form, prefilled; nothing is saved until that form is sent.
          <form method="get" action="/console/openings/new" class="inline" data-new-post={v.areaCode}>
            {Object.entries(fields).map(([k, val]) => (
              <input type="hidden" name={k} value={val} />
            ))}
            <button type="submit" class="secondary" aria-label={t.care.createFor(v.name, groupName(t, v.suggestedServes!))}>
              {t.care.create}
            </button>
          </form>
        ) : null}
      </td>
    </tr>
  );
}

export function careRoutes(app: Hono<ConsoleEnv>) {
  app.get('/care-coverage', async (c: CCtx) => {
    const ctx = ctxOf(c);
    const t = c.var.t;
    const query = c.req.query();
    const picked = pickedArea(query, 'area', ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');
    const parsed = areaDateQuery.safeParse({ area: picked ?? '', asOf: query.asOf ?? '' });
    const cov = await readVia(ctx, 'careCoverage', parsed.success ? parsed.data : {});
    const area = cov.area ?? undefined;
    const [picker, areaRow] = await Promise.all([loadPicker(ctx, query, 'area', { value: area }), area ? findArea(ctx.db, area) : undefined]);
    const title = t.care.title(areaLabel(t, areaRow), cov.asOf);
    const shown = cov.villages.slice(0, CARE_PAGE_ROWS);
    return c.html(
      <Page c={c} title={title}>
        <h1>{title}</h1>
        <form method="get" action="/console/care-coverage" id="care-filter">
          <AreaPicker t={t} p={picker} legend={t.area} />
          <div class="actions">
            <label for="f-asOf">{t.asOf}</label>
            <input type="date" id="f-asOf" name="asOf" value={cov.asOf} />
            <button type="submit" class="primary">{t.show}</button>
          </div>
        </form>
        <div class="cards">
          <div class="card"><div class="n" data-figure="leftBehindElders">{cov.totals.leftBehindElders}</div><div class="l">{t.care.elders}</div></div>
          <div class="card"><div class="n" data-figure="leftBehindChildren">{cov.totals.leftBehindChildren}</div><div class="l">{t.care.children}</div></div>
          <div class="card"><div class="n" data-figure="disabledInDifficulty">{cov.totals.disabledInDifficulty}</div><div class="l">{t.care.disabled}</div></div>
          <div class="card"><div class="n" data-figure="servingPosts.filled">{cov.totals.servingPosts.filled}</div><div class="l">{t.care.servingFilled}</div></div>
          <div class="card"><div class="n" data-figure="servingPosts.open">{cov.totals.servingPosts.open}</div><div class="l">{t.care.servingOpen}</div></div>
          <div class="card"><div class="n" data-figure="carersEligible">{cov.totals.carersEligible}</div><div class="l">{t.care.carers}</div></div>
        </div>
        <p class="muted" id="care-rule">{t.care.rule}</p>
        {shown.length === 0 ? (
          <p class="muted">{t.care.none}</p>
        ) : (
          <div class="tablewrap">
            <table id="care-table">
              <thead>
                <tr>
                  <th class="num">#</th>
                  <th>{t.care.village}</th>
                  <th class="num">{t.care.elders}</th>
                  <th class="num">{t.care.children}</th>
                  <th class="num">{t.care.disabled}</th>
                  <th class="num">{t.care.carers}</th>
                  <th class="num">{t.care.score}</th>
                  <th>{t.care.reason}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {shown.map((v) => (
                  <Row t={t} v={v} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cov.villages.length > shown.length ? <p class="muted">{t.care.more(cov.villages.length - shown.length)}</p> : null}
      </Page>,
    );
  });
}
