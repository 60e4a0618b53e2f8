// Who may call is settled before a body is read: an anonymous or wrong-role
// caller never learns a route's fields, never has an upload buffered, and the
// idempotency store holds only callers' answers, for a day, without secrets.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClocks } from '../../src/scheduler.js';
import { makeEmployer, makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env.close());

/** A body of `size` bytes that counts how much of it the server pulled. */
function countedBody(size: number) {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(65);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= size) return controller.close();
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

const keyRows = async () =>
  Number((await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM idempotency_keys`))[0]!.n);

describe('authenticate first', () => {
  it('an anonymous POST with a bad body gets 401, not the list of fields', async () => {
    const r = await env.request('POST', '/v1/workers', { body: { nonsense: true } });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    expect(r.body.error.issues).toEqual([]);
  });

  it('an employer posting a bad body to a staff route gets 403 before validation', async () => {
    const emp = await makeEmployer(env);
    const r = await env.request('POST', '/v1/households', { token: emp.token, body: { areaCode: 'x' } });
    expect(r.status).toBe(403);
    expect(r.body.error.issues).toEqual([]);
    const patch = await env.request('PATCH', '/v1/households/1', { token: emp.token, body: 'not json', headers: { 'content-type': 'text/plain' } });
    expect(patch.status).toBe(403);
  });

  it('a bad token is 401 whatever the body', async () => {
    const r = await env.request('POST', '/v1/openings', { token: 'jj_not-a-token', body: '{' });
    expect(r.status).toBe(401);
  });

  it('an anonymous 19 MB upload to /v1/imports is refused without being read', async () => {
    const body = countedBody(19 * 1024 * 1024);
    const res = await env.app.request('/v1/imports', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: body.stream,
      // @ts-expect-error Node's fetch needs it for a stream body
      duplex: 'half',
    });
    expect(res.status).toBe(401);
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });

  it('an anonymous body over 4 KB is 413 on a route anyone may call', async () => {
    const res = await env.app.request('/v1/areas', { method: 'POST', headers: { 'content-length': '100000' }, body: 'x'.repeat(100_000) });
    // No POST route there: whatever the answer, never a read of 100 KB into a parser.
    expect([404, 413]).toContain(res.status);
  });
});

describe('the idempotency store', () => {
  it('stores nothing for anonymous callers', async () => {
    const before = await keyRows();
    const r = await env.request('POST', '/v1/workers', { body: {}, headers: { 'idempotency-key': 'anon-1' } });
    expect(r.status).toBe(401);
    expect(await keyRows()).toBe(before);
  });

  it('keys on the caller: the same key from two tokens is two requests', async () => {
    const a = await env.token({ role: 'staff', areaPrefix: '532503' });
    const b = await env.token({ role: 'staff', areaPrefix: '532503' });
    const body = { areaCode: '532503001001', povertyAlleviated: true, monitored: false };
    const r1 = await env.request('POST', '/v1/households', { token: a, body, headers: { 'idempotency-key': 'same-key' } });
    const r2 = await env.request('POST', '/v1/households', { token: b, body, headers: { 'idempotency-key': 'same-key' } });
    expect(r1.status).toBe(201);
    expect(r2.status).toBe(201);
    expect(r2.body.id).not.toBe(r1.body.id);
    const again = await env.request('POST', '/v1/households', { token: a, body, headers: { 'idempotency-key': 'same-key' } });
    expect(again.body.id).toBe(r1.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('never keeps a link code: a repeat issues a fresh code and no stored answer holds one', async () => {
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id);
    const headers = { 'idempotency-key': `link-${w.id}` };
    const first = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken, headers });
    const second = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const rows = await env.db.all<{ response: string | null }>(sql`SELECT response FROM idempotency_keys`);
    for (const r of rows) {
      expect(r.response ?? '').not.toContain(first.body.code);
      expect(r.response ?? '').not.toContain(second.body.code);
    }
  });

  it('answers are kept a day: the clocks forget older ones and the key is free again', async () => {
    const token = await env.token({ role: 'staff', areaPrefix: '532503' });
    const body = { areaCode: '532503001001', povertyAlleviated: false, monitored: true };
    const headers = { 'idempotency-key': 'day-old' };
    const first = await env.request('POST', '/v1/households', { token, body, headers });
    env.clock.advanceDays(0.5);
    expect((await env.request('POST', '/v1/households', { token, body, headers })).body.id).toBe(first.body.id);
    expect((await runClocks(env.deps)).idempotencyKeysForgotten).toBe(0);
    env.clock.advanceDays(0.6);
    expect((await runClocks(env.deps)).idempotencyKeysForgotten).toBeGreaterThanOrEqual(1);
    const later = await env.request('POST', '/v1/households', { token, body, headers });
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });
});
