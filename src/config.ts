// The only module that reads environment variables. Node passes process.env,
// the Workers entry passes its env bindings; both are validated here.
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  DATABASE_URL: z.string().min(1).default('file:./data/jiujin.db'),
  LIBSQL_URL: optionalString,
  LIBSQL_AUTH_TOKEN: optionalString,
  JIUJIN_ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'JIUJIN_ADMIN_TOKEN must be at least 16 characters',
  }),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  /** The bot's username, shown in links; the bot never asks Telegram for it. */
  TELEGRAM_BOT_USERNAME: optionalString,
  /** The prefecture whose counties the bot offers in its menus (an area code). */
  BOT_HOME_AREA: optionalString,
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
