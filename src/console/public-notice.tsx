// The public notice (公示) as it is posted on a village board: the people
// proposed, their names masked as the custom is (周*山), their village, the
// post, its subsidy and term, the notice period's dates, how and to whom to
// object (office and phone), the issuing office and date; laid out to print
// on one A4 page. Anyone with the address may read it; no sign-in.
import type { Hono } from 'hono';
import { AppError } from '../errors.js';
import { today } from '../services/households.js';
import { publicNoticePage } from '../services/public-notices.js';
import * as z from 'zod';
import type { CCtx, ConsoleEnv } from './context.js';
import { Page } from './layout.js';

const noticeIdParam = z.object({ id: z.string().regex(/^pn_[A-Za-z0-9_-]{20,100}$/) });

export function parseNoticeId(c: CCtx): string {
  const p = noticeIdParam.safeParse({ id: c.req.param('id') });
  if (!p.success) throw new AppError('not_found', 'not found');
  return p.data.id;
}

export function publicNoticeRoutes(app: Hono<ConsoleEnv>) {
  app.get('/public/notices/:id', async (c) => {
    const page = await publicNoticePage(c.var.deps.db, parseNoticeId(c));
    if (!page) throw new AppError('not_found', 'not found');
    const t = c.var.t;
    const day = today({ clock: c.var.deps.clock });
    const state = page.status === 'open' && day > page.lastDay ? 'due' : page.status;
    const subsidy = `${page.post.wageAmount} ${t.yuanPer(t.wagePeriods[page.post.wagePeriod] ?? page.post.wagePeriod)}`;
    const term = page.post.startDate ? t.termFrom(page.post.startDate) : t.termDefault;
    return c.html(
      <Page c={c} title={t.noticeTitle} bare>
        <article class="notice" id="public-notice-page">
          <h1 class="notice-title">{t.publicNoticeHeading(page.post.place)}</h1>
          <p>{t.noticeLead(page.post.employerName, page.post.title, page.people.length)}</p>
          <div class="tablewrap">
            <table id="public-notice">
              <thead>
                <tr>
                  <th class="num">{t.seq}</th>
                  <th>{t.personName}</th>
                  <th>{t.village}</th>
                  <th>{t.post}</th>
                  <th>{t.subsidy}</th>
                  <th>{t.term}</th>
                </tr>
              </thead>
              <tbody>
                {page.people.map((p, i) => (
                  <tr>
                    <td data-label={t.seq} class="num">
                      {i + 1}
                    </td>
                    <td data-label={t.personName}>{p.name}</td>
                    <td data-label={t.village}>{p.village}</td>
                    <td data-label={t.post}>{page.post.title}</td>
                    <td data-label={t.subsidy}>{subsidy}</td>
                    <td data-label={t.term}>{term}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            <strong id="notice-period">{t.noticePeriod(page.startDate, page.lastDay)}</strong>{' '}
            <span class="tag noprint" data-notice-status={page.status} data-notice-state={state}>
              {t.noticeStatus[state]}
            </span>
          </p>
          <h2>{t.howToObject}</h2>
          <p id="how-to-object">{t.objectText(page.startDate, page.lastDay, page.post.employerName, page.post.contactPhone)}</p>
          <p class="notice-sign">
            {page.post.employerName}
            <br />
            {page.startDate}
          </p>
        </article>
      </Page>,
    );
  });
}
