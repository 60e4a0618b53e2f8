// The WeChat Official Account as a channel of the same conversation
// (bot/flow.ts): WeChat's XML in, the flow's input; the flow's replies out,
// as one passive reply (WeChat waits 5 s for it, and the flow answers in well
// under that). Each message is stored by MsgId (events: sender + CreateTime +
// event) before it is handled, so a copy WeChat re-sends is answered with
// the first answer and has no effect of its own.
//
// The session of an openid lives in bot_sessions under `wx:<openid>`, with
// the numbered choices of the last answer (see render.ts).
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { botSessions, wechatMessages, workers } from '../../../db/schema.js';
import type { Deps } from '../../../src/context.js';
import { handle, type Input, newSession, type Reply, type Session } from '../../flow.js';
import { portsFor } from '../../ports.js';
import { t } from '../../texts/index.js';
import { sameSignature, signatureOf, WechatCrypto } from './crypto.js';
import { choiceTyped, renderReplies } from './render.js';
import { wechatApiOf } from './sender.js';
import { buildXml, parseXml } from './xml.js';

/** The custom menu's click keys (see menu.ts), each the flow's button or command. */
export const MENU_KEYS: Record<string, Input> = {
  work: { type: 'button', data: 'm:work' },
  applications: { type: 'button', data: 'm:applications' },
  found: { type: 'button', data: 'm:found' },
  help: { type: 'command', name: 'help' },
};

export type WechatAnswer =
  | { status: 200; body: string; type: 'text' | 'xml' }
  | { status: 400 | 401 | 404; error: string };

export interface WechatQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  msg_signature?: string;
}

const sessionKey = (openid: string) => `wx:${openid}`;

/** GET /wechat: the server check. The echostr comes back when the signature is right. */
export async function checkServer(deps: Deps, q: WechatQuery): Promise<WechatAnswer> {
  const token = deps.config.WECHAT_TOKEN;
  if (!token) return { status: 404, error: 'The WeChat channel is off on this server' };
  if (!(await signed(token, q))) return { status: 401, error: 'Wrong or missing signature' };
  return { status: 200, body: q.echostr ?? '', type: 'text' };
}

async function signed(token: string, q: WechatQuery): Promise<boolean> {
  if (!q.signature || !q.timestamp || !q.nonce) return false;
  return sameSignature(q.signature.toLowerCase(), await signatureOf(token, q.timestamp, q.nonce));
}

const cryptos = new WeakMap<Deps, WechatCrypto>();
function cryptoOf(deps: Deps): WechatCrypto | null {
  const { WECHAT_AES_KEY: key, WECHAT_APP_ID: appId } = deps.config;
  if (!key || !appId) return null;
  let c = cryptos.get(deps);
  if (!c) cryptos.set(deps, (c = new WechatCrypto(key, appId)));
  return c;
}

/**
 * How long the passive reply may take: WeChat waits 5 s, then re-sends. A
 * turn still running then is answered "success" and its reply goes as a
 * customer-service message when it is ready (the copies WeChat re-sends find
 * the message stored and have no effect).
 */
export const PASSIVE_BUDGET_MS = 4_000;

/** POST /wechat: one message or event, answered with the passive reply (or "success": nothing to say). */
export async function receiveWechat(deps: Deps, q: WechatQuery, body: string, opts: { budgetMs?: number } = {}): Promise<WechatAnswer> {
  const token = deps.config.WECHAT_TOKEN;
  if (!token) return { status: 404, error: 'The WeChat channel is off on this server' };
  const outer = parseXml(body);
  let xml: Record<string, string> | null = outer;
  const safeMode = q.encrypt_type === 'aes';
  const aes = safeMode ? cryptoOf(deps) : null;
  if (safeMode) {
    const encrypted = outer?.Encrypt;
    if (!q.msg_signature || !q.timestamp || !q.nonce || encrypted === undefined) {
      return { status: 401, error: 'Wrong or missing msg_signature' };
    }
    if (!sameSignature(q.msg_signature.toLowerCase(), await signatureOf(token, q.timestamp, q.nonce, encrypted))) {
      return { status: 401, error: 'Wrong or missing msg_signature' };
    }
    if (!aes) return { status: 400, error: 'Safe mode needs WECHAT_AES_KEY and WECHAT_APP_ID on this server' };
    const plain = await aes.decrypt(encrypted);
    if (plain === null) return { status: 400, error: 'The message could not be decrypted' };
    xml = parseXml(plain);
  } else if (!(await signed(token, q))) {
    return { status: 401, error: 'Wrong or missing signature' };
  }
  if (!xml || !xml.FromUserName || !xml.ToUserName || !xml.MsgType) return { status: 400, error: 'Not a WeChat message' };

  const openid = xml.FromUserName;
  const budget = opts.budgetMs ?? PASSIVE_BUDGET_MS;
  const started = Date.now();
  const turn = answer(deps, xml);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budget);
  });
  const raced = await Promise.race([turn, late]).finally(() => clearTimeout(timer));
  // A turn that took the whole budget is late too: WeChat may have stopped listening.
  const text = raced !== 'late' && Date.now() - started >= budget ? 'late' : raced;
  if (text === 'late') {
    deps.background?.(
      turn
        .then(async (t) => {
          const api = wechatApiOf(deps);
          if (t && api) await api.sendText(openid, t);
        })
        .catch((err) => console.error('wechat: a late reply could not be sent', err)),
    );
    return { status: 200, body: 'success', type: 'text' };
  }
  if (text === null) return { status: 200, body: 'success', type: 'text' };
  const reply = buildXml({
    ToUserName: xml.FromUserName,
    FromUserName: xml.ToUserName,
    CreateTime: Math.floor(deps.clock.now().getTime() / 1000),
    MsgType: 'text',
    Content: text,
  });
  if (!aes) return { status: 200, body: reply, type: 'xml' };
  const timestamp = String(Math.floor(deps.clock.now().getTime() / 1000));
  const nonce = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  const encrypted = await aes.encrypt(reply);
  return {
    status: 200,
    type: 'xml',
    body: buildXml({ Encrypt: encrypted, MsgSignature: await signatureOf(token, timestamp, nonce, encrypted), TimeStamp: timestamp, Nonce: nonce }),
  };
}

/** What WeChat's message means to the flow; null: nothing to answer (an unsubscribe, a location report outside its step). */
function inputOf(m: Record<string, string>, session: Session, choices: string[]): Input | null {
  switch (m.MsgType) {
    case 'text': {
      const content = m.Content ?? '';
      const chosen = choiceTyped(content, choices);
      if (chosen) return { type: 'button', data: chosen };
      const command = /^\/([a-z_]+)\s*$/i.exec(content.trim());
      return command ? { type: 'command', name: command[1]!.toLowerCase() } : { type: 'text', text: content };
    }
    case 'voice': {
      const heard = (m.Recognition ?? '').replace(/[。！？!?.]+$/u, '').trim();
      if (!heard) return { type: 'unsupported', kind: 'voice' };
      const chosen = choiceTyped(heard, choices);
      return chosen ? { type: 'button', data: chosen } : { type: 'text', text: heard };
    }
    case 'location': {
      const lat = Number(m.Location_X);
      const lon = Number(m.Location_Y);
      return Number.isFinite(lat) && Number.isFinite(lon) && m.Location_X !== '' ? { type: 'location', lat, lon } : { type: 'unsupported', kind: 'other' };
    }
    case 'image':
    case 'video':
    case 'shortvideo':
      return { type: 'unsupported', kind: 'photo' };
    case 'event':
      switch ((m.Event ?? '').toLowerCase()) {
        case 'subscribe':
          return { type: 'command', name: 'start' };
        case 'click':
          return MENU_KEYS[m.EventKey ?? ''] ?? { type: 'command', name: 'menu' };
        case 'location': {
          // Reported each time the person opens the chat (when the account asks for it): taken only when the home location is asked.
          if (session.step !== 'location') return null;
          const lat = Number(m.Latitude);
          const lon = Number(m.Longitude);
          return Number.isFinite(lat) && Number.isFinite(lon) ? { type: 'location', lat, lon } : null;
        }
        default:
          return null;
      }
    default:
      return { type: 'unsupported', kind: 'other' };
  }
}

interface Stored {
  session: Session;
  choices: string[];
}

async function load(deps: Deps, openid: string): Promise<Stored> {
  const [row] = await deps.db.select().from(botSessions).where(eq(botSessions.chatId, sessionKey(openid)));
  const { choices, ...state } = (row?.state ?? {}) as Partial<Session> & { choices?: unknown };
  const session = typeof state.step === 'string' ? { ...newSession(), ...state } : newSession();
  return { session, choices: Array.isArray(choices) ? choices.filter((c): c is string => typeof c === 'string') : [] };
}

async function save(deps: Deps, openid: string, s: Session, choices: string[]) {
  const now = deps.clock.now().toISOString();
  const state = { ...s, choices } as unknown as Record<string, unknown>;
  await deps.db
    .insert(botSessions)
    .values({ chatId: sessionKey(openid), state, language: s.lang, updatedAt: now })
    .onConflictDoUpdate({ target: botSessions.chatId, set: { state: sql`excluded.state`, language: sql`excluded.language`, updatedAt: now } });
}

const LOCK_MS = 15_000;
const LOCK_WAIT_MS = 3_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One person's messages are handled one at a time (two at once would each
 * start from the same session and one's change be lost): the session row's
 * lock, as the Telegram updates take it. A holder that died frees it after
 * LOCK_MS; a message that cannot get it within LOCK_WAIT_MS goes on anyway.
 */
async function withLock<T>(deps: Deps, openid: string, fn: () => Promise<T>): Promise<T> {
  const chatId = sessionKey(openid);
  await deps.db
    .insert(botSessions)
    .values({ chatId, state: newSession() as unknown as Record<string, unknown>, updatedAt: deps.clock.now().toISOString() })
    .onConflictDoNothing();
  const started = Date.now();
  let held = false;
  while (!held && Date.now() - started < LOCK_WAIT_MS) {
    const now = new Date();
    const got = await deps.db
      .update(botSessions)
      .set({ lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString() })
      .where(and(eq(botSessions.chatId, chatId), or(isNull(botSessions.lockedUntil), lt(botSessions.lockedUntil, now.toISOString()))))
      .returning({ chatId: botSessions.chatId });
    held = got.length > 0;
    if (!held) await sleep(20);
  }
  try {
    return await fn();
  } finally {
    if (held) await deps.db.update(botSessions).set({ lockedUntil: null }).where(eq(botSessions.chatId, chatId));
  }
}

/** The text to answer, once per message: a copy gets the first answer again. */
async function answer(deps: Deps, m: Record<string, string>): Promise<string | null> {
  const openid = m.FromUserName!;
  const key = m.MsgId ? `msg:${m.MsgId}` : `ev:${openid}:${m.CreateTime ?? ''}:${m.Event ?? ''}:${m.EventKey ?? ''}`;
  const now = deps.clock.now().toISOString();
  const stored = await deps.db.insert(wechatMessages).values({ key, openid, receivedAt: now }).onConflictDoNothing().returning({ key: wechatMessages.key });
  if (stored.length === 0) {
    const [first] = await deps.db.select({ reply: wechatMessages.reply }).from(wechatMessages).where(eq(wechatMessages.key, key));
    return first?.reply ?? null;
  }
  if (m.MsgType === 'event' && (m.Event ?? '').toLowerCase() === 'unsubscribe') {
    // Nobody can be written to after unfollowing: no more WeChat alerts until they follow again.
    await deps.db.update(workers).set({ wechatLastSeenAt: null }).where(eq(workers.wechatOpenid, openid));
    return null;
  }
  // The 48-hour window of customer-service messages starts again now.
  await deps.db.update(workers).set({ wechatLastSeenAt: now }).where(eq(workers.wechatOpenid, openid));

  return withLock(deps, openid, () => converse(deps, m, key));
}

async function converse(deps: Deps, m: Record<string, string>, key: string): Promise<string | null> {
  const openid = m.FromUserName!;
  const { session, choices } = await load(deps, openid);
  const input = inputOf(m, session, choices);
  if (!input) return null;
  const lang = session.lang ?? 'zh';
  let result: { session: Session; replies: Reply[] };
  try {
    result = await handle(session, input, portsFor(deps, openid, 'wechat'));
  } catch (err) {
    console.error('wechat: message failed', err);
    let menu: { session: Session; replies: Reply[] } | null = null;
    try {
      menu = await handle(session, { type: 'command', name: 'menu' }, portsFor(deps, openid, 'wechat'));
    } catch {
      // The menu could not be built either: the words alone.
    }
    const last = menu?.replies.at(-1);
    result = { session: menu?.session ?? session, replies: [{ text: t(lang, 'error'), ...(last?.buttons ? { buttons: last.buttons } : {}) }] };
  }
  const rendered = renderReplies(result.replies, result.session.lang ?? lang);
  await save(deps, openid, result.session, rendered.choices);
  await deps.db.update(wechatMessages).set({ reply: rendered.text }).where(eq(wechatMessages.key, key));
  return rendered.text || null;
}
