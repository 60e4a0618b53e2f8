// The only module that reads environment variables. Node passes process.env,
// the Workers entry passes its env bindings; both are validated here.
import * as z from 'zod';
import { logLevels } from './observability/log.js';
import { postRulesFrom, postRulesOverrideSchema, type PostRules } from './domain/post-rules.js';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  /**
   * Node: processes serving requests on PORT ("auto", the default: one per
   * core; 0 here). Above 1, a primary process applies the migrations and runs
   * the clocks and the sender once, and forks the servers (node:cluster),
   * each with its own connection to the embedded file (WAL) and its own
   * catalogue. An in-memory database is one process's alone: "auto" serves
   * it with one, a number above 1 is refused (src/node.ts servingProcesses).
   */
  WEB_PROCESSES: z
    .string()
    .default('auto')
    .transform((v, ctx) => {
      if (v.trim() === 'auto') return 0;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        ctx.addIssue({ code: 'custom', message: 'WEB_PROCESSES must be a whole number from 1 to 64, or "auto"' });
        return z.NEVER;
      }
      return n;
    }),
  /**
   * Node, embedded file only: threads per serving process that answer the
   * heavy reads (candidates, stats, care coverage) on their own connections,
   * off the event loop (src/services/read-pool/); 0 answers them in the request.
   */
  READ_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  DATABASE_URL: z.string().min(1).default('file:./data/jiujin.db'),
  /**
   * How long a write to the embedded file waits for another process's lock
   * (an import, a backup) before answering 503; unset: 5 s for the server,
   * 30 s for the command-line tools.
   */
  DATABASE_BUSY_WAIT_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  LIBSQL_URL: optionalString,
  LIBSQL_AUTH_TOKEN: optionalString,
  JIUJIN_ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'JIUJIN_ADMIN_TOKEN must be at least 16 characters',
  }),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  /**
   * Node: when the webhook answers Telegram. `stored` (default): once the
   * update is stored, the chat handled right after; `handled`: after the bot
   * has handled it (as Workers always do).
   */
  TELEGRAM_WEBHOOK_ACK: z.enum(['stored', 'handled']).default('stored'),
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  /** The bot's username, shown in links; the bot never asks Telegram for it. */
  TELEGRAM_BOT_USERNAME: optionalString,
  /** The WeChat Official Account (公众号): AppID and AppSecret from 开发 → 基本配置. */
  WECHAT_APP_ID: optionalString,
  WECHAT_APP_SECRET: optionalString,
  /** The Token typed in the server configuration (服务器配置): signs every request WeChat makes. */
  WECHAT_TOKEN: optionalString,
  /** The EncodingAESKey (43 characters) of safe mode (安全模式); unset: plain mode only. */
  WECHAT_AES_KEY: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9+/]{43}$/.test(v), {
    message: 'WECHAT_AES_KEY must be the 43-character EncodingAESKey',
  }),
  /** The WeChat API's base URL (a local fake in tests and `npm run chat -- --channel wechat`). */
  WECHAT_API_ROOT: z.string().url().default('https://api.weixin.qq.com'),
  /** Template ids (模板消息) for alerts outside the 48-hour window, as `kind=templateId,…` (kinds: opening, offer, expired, checkin, other). */
  WECHAT_TEMPLATES: optionalString,
  /** SMS (Aliyun 短信服务 API shape) for workers with a phone and no chat: the AccessKey pair, the signature name (签名) and the API's base URL. */
  SMS_ACCESS_KEY_ID: optionalString,
  SMS_ACCESS_KEY_SECRET: optionalString,
  SMS_SIGN_NAME: optionalString,
  SMS_API_ROOT: z.string().url().default('https://dysmsapi.aliyuncs.com'),
  /** Template codes as `kind=SMS_123,…` (kinds: opening, offer, expired, checkin). */
  SMS_TEMPLATES: optionalString,
  /** The token the provider's receipt and reply callbacks carry (`?token=`), 16+ characters. */
  SMS_CALLBACK_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, { message: 'SMS_CALLBACK_TOKEN must be at least 16 characters' }),
  /**
   * The public-welfare post rules that vary between prefectures (age bounds,
   * subsidy standard, score bands, agreement length, sampled check-ins), as
   * JSON laid over Honghe's defaults (src/domain/post-rules.ts), e.g.
   * {"maxAge":55,"monthlySubsidyYuan":800}.
   */
  POST_RULES: z
    .string()
    .optional()
    .transform((v, ctx): PostRules => {
      if (v === undefined || v.trim() === '') return postRulesFrom();
      try {
        const parsed = postRulesOverrideSchema.safeParse(JSON.parse(v));
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: `POST_RULES: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` });
          return z.NEVER;
        }
        return postRulesFrom(parsed.data);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof SyntaxError ? 'POST_RULES must be JSON' : (e as Error).message });
        return z.NEVER;
      }
    }),
  /** The prefecture whose counties the bot offers in its menus (an area code). */
  BOT_HOME_AREA: optionalString,
  /** debug, info (the default), warn, error or silent: the structured log lines written (src/observability/log.ts). */
  LOG_LEVEL: z.enum(logLevels, { error: `LOG_LEVEL must be one of ${logLevels.join(', ')}` }).default('info'),
  /**
   * Workers only: "memory" (the default) reads the matcher's catalogue of open
   * openings into the isolate after its first response, answering from
   * narrowed reads until then; "narrowed" never holds it (each matches reads
   * only the openings within the worker's reach: a smaller isolate, one more
   * statement per request). See services/opening-catalogue.ts.
   */
  MATCH_CATALOGUE: z.enum(['memory', 'narrowed'], { error: 'MATCH_CATALOGUE must be memory or narrowed' }).default('memory'),
  /** A token (16+ characters) that may read GET /metrics besides admin tokens; for a Prometheus scraper. */
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'METRICS_TOKEN must be at least 16 characters',
  }),
  /**
   * "on" when Node sits behind a reverse proxy (nginx) that sets
   * X-Forwarded-Proto, -Host and -For: the app then sees the URL the browser
   * used (https, so the console's Origin check holds and its cookie gets
   * Secure) and the caller's address from the proxy. Off by default: without
   * a proxy those headers are anyone's to forge. Node only (src/proxy.ts).
   */
  TRUST_PROXY: z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'TRUST_PROXY must be on or off' })
    .default('off')
    .transform((v) => v === 'on' || v === 'true' || v === '1'),
  /**
   * Hours (China time) when nothing is sent to workers: "21-8" (the default)
   * means from 21:00 to 08:00; "off" sends at any hour.
   */
  QUIET_HOURS: z
    .string()
    .default('21-8')
    .transform((v, ctx) => {
      if (v.trim() === 'off') return null;
      const m = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(v);
      const from = Number(m?.[1]);
      const to = Number(m?.[2]);
      if (!m || from > 23 || to > 23 || from === to) {
        ctx.addIssue({ code: 'custom', message: 'QUIET_HOURS must be like "21-8" (hours in China time) or "off"' });
        return z.NEVER;
      }
      return { from, to };
    }),
});

export type Config = z.infer<typeof configSchema>;

export function parseConfig(env: Record<string, unknown>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (typeof v === 'string') picked[key] = v;
  }
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function loadNodeConfig(): Config {
  return parseConfig(process.env);
}
