// Erasure leaves nothing recoverable (PIPL Art. 47): after DELETE
// /v1/workers/:id the database file's bytes, free pages and the WAL
// included, hold none of the person's values, while the counts stay.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { workers } from '../../db/schema.js';
import { makeHousehold, makeTestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';

const dir = mkdtempSync(join(tmpdir(), 'jiujin-erasure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How often each value's bytes occur in the file and its WAL. */
function occurrences(path: string, values: string[]): Record<string, number> {
  const files = [path, `${path}-wal`].map((p) => {
    try {
      return readFileSync(p);
    } catch {
      return Buffer.alloc(0);
    }
  });
  const out: Record<string, number> = {};
  for (const v of values) {
    const needle = Buffer.from(v, 'utf8');
    let n = 0;
    for (const f of files) for (let i = f.indexOf(needle); i >= 0; i = f.indexOf(needle, i + 1)) n++;
    out[v] = n;
  }
  return out;
}

describe('erasure', () => {
  it('leaves none of the person’s name, phone, home or chat in the database file’s bytes; the counts stay', async () => {
    const path = join(dir, 'erase.db');
    const fake = await startFakeBotApi();
    const env = await makeTestEnv(`file:${path}`, {
      config: { TELEGRAM_BOT_TOKEN: '1:erase', TELEGRAM_WEBHOOK_SECRET: 'erase-secret', TELEGRAM_API_ROOT: fake.url },
    });
    try {
      const name = '抹除测试欧阳小明';
      const phone = '13987654321';
      const chat = '987654321987';
      const home = { lat: 23.456789, lon: 103.987654 };
      const h = await makeHousehold(env);
      const created = await env.request('POST', '/v1/workers', {
        token: env.adminToken,
        headers: { 'idempotency-key': 'erase-me-once' },
        body: { householdId: h.id, name, phone, home, availability: 'full_day' },
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      // Edited once (an old version of the row), reached by chat, and the chat's own messages stored.
      expect((await env.request('PATCH', `/v1/workers/${id}`, { token: env.adminToken, body: { phone: '13987654322' } })).status).toBe(200);
      expect((await env.request('PATCH', `/v1/workers/${id}`, { token: env.adminToken, body: { phone } })).status).toBe(200);
      await env.db.update(workers).set({ telegramChatId: chat }).where(eq(workers.id, id));
      const post = (u: unknown) => env.request('POST', '/telegram/webhook', { body: u, headers: { 'x-telegram-bot-api-secret-token': 'erase-secret' } });
      await post(tg.text(Number(chat), '/start'));
      await post(tg.text(Number(chat), `我是${name}，电话${phone}`));
      await env.settle();
      const before = await env.request('GET', '/v1/stats?area=5325', { token: env.adminToken });

      const values = [name, phone, chat, String(home.lat), String(home.lon)];
      expect(Object.values(occurrences(path, values)).every((n) => n > 0)).toBe(true);

      expect((await env.request('DELETE', `/v1/workers/${id}`, { token: env.adminToken })).status).toBe(204);
      await env.settle();
      // What a copy of the file would hold once the WAL is folded in.
      await env.db.run('PRAGMA wal_checkpoint(TRUNCATE)' as never);
      expect(occurrences(path, values)).toEqual(Object.fromEntries(values.map((v) => [v, 0])));
      // The anonymous counts are as they were.
      const after = await env.request('GET', '/v1/stats?area=5325', { token: env.adminToken });
      expect(after.body.workersRegistered).toBe(before.body.workersRegistered);
    } finally {
      env.close();
      await fake.close();
    }
  });
});
