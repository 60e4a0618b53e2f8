// Drains the outbox rows owed to people reached on WeChat: workers and
// employers with an openid and no Telegram chat (a person with both hears on
// Telegram, which the Telegram sender does). Each row is claimed with a lease
// like the Telegram sender's, rendered in the person's language, and sent:
// - inside the 48-hour window after the person's last message, as a
//   customer-service message (text with numbered choices; replying a number
//   presses the notice's button, as on Telegram);
// - outside it (or when WeChat answers 45015), as the template message
//   configured for the kind in WECHAT_TEMPLATES; with no template for the
//   kind the row is dead with that reason (GET /v1/outbox?status=dead), never
//   dropped silently.
// 45009/45047 (quota) pause every WeChat send for a minute, as a 429 does;
// network errors and 5xx retry with backoff; after MAX_ATTEMPTS, dead.
// Quiet hours hold workers' messages for the morning.
import { and, eq, sql } from 'drizzle-orm';
import { batch, type Db } from '../../../db/client.js';
import { botSessions, employers, outbox, workers } from '../../../db/schema.js';
import { loggedDelivery } from '../../../src/observability/runs.js';
import { cancelOwed, claimOwed, setOutboxRow } from '../../../src/services/outbox.js';
import type { Clock, Deps } from '../../../src/context.js';
import { languageOf, renderNotice } from '../../notices.js';
import { afterQuietHours, DEFAULT_QUIET_HOURS, MAX_ATTEMPTS, LEASE_MS, type QuietHours } from '../../sender.js';
import { type Lang } from '../../texts/index.js';
import { WechatApi, WechatError } from './api.js';
import { renderReplies } from './render.js';

export const WINDOW_MS = 48 * 3_600_000;
export const QUOTA_PAUSE_MS = 60_000;
const CLAIM = 50;

export type TemplateKind = 'opening' | 'offer' | 'expired' | 'checkin' | 'other';

/** WECHAT_TEMPLATES ("opening=id1,offer=id2,other=id3") as a map. */
export function parseTemplates(spec: string | undefined): Partial<Record<TemplateKind, string>> {
  const out: Partial<Record<TemplateKind, string>> = {};
  for (const part of (spec ?? '').split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k && v) out[k as TemplateKind] = v;
  }
  return out;
}

const templateKind = (kind: string): TemplateKind =>
  kind === 'opening_alert' ? 'opening' : kind === 'offer' ? 'offer' : kind.startsWith('expired') ? 'expired' : kind === 'checkin' ? 'checkin' : 'other';

export interface WechatDeliveryReport {
  sent: number;
  byTemplate: number;
  retried: number;
  dead: number;
  dropped: number;
  deferred: number;
}

/** The WeChat API of this server's configuration, or null when the channel's sending side is off. */
export function wechatApiOf(deps: Deps): WechatApi | null {
  const { WECHAT_APP_ID: appId, WECHAT_APP_SECRET: appSecret, WECHAT_API_ROOT: root } = deps.config;
  return appId && appSecret ? new WechatApi({ appId, appSecret, root, clock: deps.clock }) : null;
}

interface Target {
  openid: string;
  worker: boolean;
  lastSeenAt: string | null;
}

async function targetOf(db: Db, row: typeof outbox.$inferSelect): Promise<Target | null> {
  if (row.workerId !== null) {
    const [w] = await db.select().from(workers).where(eq(workers.id, row.workerId));
    return w?.wechatOpenid && !w.erasedAt && !w.telegramChatId ? { openid: w.wechatOpenid, worker: true, lastSeenAt: w.wechatLastSeenAt } : null;
  }
  if (row.employerId !== null) {
    const [e] = await db.select().from(employers).where(eq(employers.id, row.employerId));
    // An employer's last message is not kept: a customer-service message is tried, a template follows a 45015.
    return e?.wechatOpenid && !e.telegramChatId ? { openid: e.wechatOpenid, worker: false, lastSeenAt: null } : null;
  }
  return null;
}

/** The notice's choices become the person's numbered choices, so "1" presses its first button. */
async function rememberChoices(db: Db, clock: Clock, openid: string, choices: string[]) {
  if (choices.length === 0) return;
  const chatId = `wx:${openid}`;
  const [s] = await db.select().from(botSessions).where(eq(botSessions.chatId, chatId));
  const state = { ...(s?.state ?? {}), choices } as Record<string, unknown>;
  await db
    .insert(botSessions)
    .values({ chatId, state, updatedAt: clock.now().toISOString() })
    .onConflictDoUpdate({ target: botSessions.chatId, set: { state: sql`excluded.state` } });
}

export async function deliverWechat(deps: Deps, api: WechatApi, opts: { quietHours?: QuietHours | null; budgetMs?: number } = {}): Promise<WechatDeliveryReport> {
  const { db, clock } = deps;
  const quiet = opts.quietHours === undefined ? DEFAULT_QUIET_HOURS : opts.quietHours;
  const templates = parseTemplates(deps.config.WECHAT_TEMPLATES);
  const report: WechatDeliveryReport = { sent: 0, byTemplate: 0, retried: 0, dead: 0, dropped: 0, deferred: 0 };
  const started = Date.now();
  const setRow = (id: number, set: Parameters<typeof setOutboxRow>[2]) => setOutboxRow(db, id, set);

  for (;;) {
    if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
    const now = clock.now();
    const claimed = await claimOwed(db, now, 'wechat', CLAIM, LEASE_MS);
    if (claimed.length === 0) break;
    let paused = false;
    for (const row of claimed) {
      if (paused) {
        await setRow(row.id, { status: 'pending', notBefore: new Date(clock.now().getTime() + QUOTA_PAUSE_MS).toISOString(), attempts: sql`${outbox.attempts} - 1` });
        continue;
      }
      const to = await targetOf(db, row);
      if (!to) {
        await setRow(row.id, { status: 'cancelled', lastError: 'no reachable chat' });
        report.dropped++;
        continue;
      }
      const quietUntil = afterQuietHours(clock.now(), quiet);
      if (to.worker && quietUntil.getTime() > clock.now().getTime()) {
        await setRow(row.id, { status: 'pending', notBefore: quietUntil.toISOString(), attempts: sql`${outbox.attempts} - 1` });
        report.deferred++;
        continue;
      }
      const lang: Lang = await languageOf(db, `wx:${to.openid}`);
      const notice = await renderNotice(db, row, lang);
      if (!notice) {
        await setRow(row.id, { status: 'cancelled', lastError: 'nothing to say any more' });
        report.dropped++;
        continue;
      }
      const inWindow = to.lastSeenAt !== null && clock.now().getTime() - Date.parse(to.lastSeenAt) < WINDOW_MS;
      const sendTemplate = async () => {
        const id = templates[templateKind(row.kind)] ?? templates.other;
        if (!id) throw new WechatError({ kind: 'refused', code: 0, message: `outside the 48-hour window and no template for ${templateKind(row.kind)} in WECHAT_TEMPLATES` });
        const [first, ...rest] = notice.text.split('\n').filter((l) => l.trim());
        await api.sendTemplate({
          touser: to.openid,
          template_id: id,
          data: { first: { value: first ?? '' }, keyword1: { value: rest.join(' ').slice(0, 200) }, remark: { value: lang === 'zh' ? '回复“菜单”查看详情' : 'Reply "menu" for details' } },
        });
        report.byTemplate++;
      };
      try {
        if (inWindow || !to.worker) {
          const rendered = renderReplies([{ text: notice.text, ...(notice.buttons ? { buttons: notice.buttons } : {}) }], lang);
          try {
            await api.sendText(to.openid, rendered.text);
            await rememberChoices(db, clock, to.openid, rendered.choices);
          } catch (err) {
            if (!(err instanceof WechatError && err.failure.kind === 'window')) throw err;
            await sendTemplate();
          }
        } else {
          await sendTemplate();
        }
        await setRow(row.id, { status: 'sent', sentAt: clock.now().toISOString(), lastError: null });
        report.sent++;
      } catch (err) {
        const f = err instanceof WechatError ? err.failure : { kind: 'transient' as const, message: String(err) };
        if (f.kind === 'quota') {
          // Like a 429: this one and every later one wait; not counted as an attempt.
          await setRow(row.id, { status: 'pending', notBefore: new Date(clock.now().getTime() + QUOTA_PAUSE_MS).toISOString(), attempts: sql`${outbox.attempts} - 1`, lastError: `errcode ${f.code}` });
          report.retried++;
          paused = true;
        } else if (f.kind === 'unreachable') {
          await batch(db, [
            setRow(row.id, { status: 'cancelled', lastError: `errcode ${f.code}` }),
            db.update(workers).set({ wechatLastSeenAt: null }).where(and(eq(workers.wechatOpenid, to.openid))),
          ]);
          report.dropped++;
        } else if (f.kind === 'refused' || row.attempts >= MAX_ATTEMPTS) {
          await setRow(row.id, { status: 'dead', lastError: 'message' in f ? f.message : `errcode ${f.code}` });
          report.dead++;
        } else {
          const backoffMs = Math.min(3_600_000, 1000 * 2 ** row.attempts);
          await setRow(row.id, { status: 'pending', notBefore: new Date(clock.now().getTime() + backoffMs).toISOString(), lastError: f.kind === 'transient' ? f.message : `errcode ${f.code}` });
          report.retried++;
        }
      }
    }
    if (paused) break;
  }
  return report;
}

/**
 * One WeChat drain, logged and counted with the Telegram sender's. With the
 * sending side off (no AppID or secret) what is owed to WeChat-only people is
 * cancelled, saying why, rather than left waiting for ever. Null: the run failed.
 */
export async function deliverWechatLogged(deps: Deps, trigger: string, budgetMs: number) {
  const api = wechatApiOf(deps);
  return loggedDelivery(deps, trigger, async () => {
    if (!api) {
      const off = await cancelOwed(deps.db, () => deps.clock.now(), 'wechat', 'WeChat alerts are off (WECHAT_APP_ID, WECHAT_APP_SECRET)');
      return { sent: 0, retried: 0, dead: 0, dropped: off, deferred: 0, released: 0 };
    }
    const r = await deliverWechat(deps, api, { budgetMs, quietHours: deps.config.QUIET_HOURS });
    return { sent: r.sent, retried: r.retried, dead: r.dead, dropped: r.dropped, deferred: r.deferred, released: 0 };
  });
}
