// The client side of `npm run bench:load`, in a process of its own: C
// connections (one keep-alive socket each) to the service over loopback,
// each sending its next request when the last one answered, for S seconds,
// the kind of each request drawn from the mix. Every request is timed from
// send to the end of the body and filed under its kind, so the report can say
// p50/p99/max per kind (wrk's Lua has no clock per request, which is why the
// mix is driven from here and wrk times matches alone).
//
//   node --import tsx scripts/bench/load-driver.ts PLAN.json   → a JSON report on stdout
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface LoadPlan {
  base: string;
  adminToken: string;
  webhookSecret: string;
  seconds: number;
  connections: number;
  /** Weights per operation; an operation may send more than one request (apply: create, offer, hire). */
  mix: Partial<Record<Operation, number>>;
  workers: number[];
  households: number[];
  openings: number[];
  /** Worker and opening pairs for applications, each used once. */
  pairs: Array<[number, number]>;
  statsArea: string;
  /** First update_id and chat id to use (unique per run). */
  firstUpdateId: number;
  timeoutMs: number;
}

export type Operation = 'matches' | 'registry' | 'webhook' | 'candidates' | 'apply_and_hire' | 'stats';

export interface KindReport {
  n: number;
  p50: number;
  p99: number;
  max: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  timeouts: number;
  errors: number;
}

export interface LoadReport {
  seconds: number;
  connections: number;
  requests: number;
  rps: number;
  kinds: Record<string, KindReport>;
}

type Outcome = { status: number } | { timeout: true } | { error: string };

function send(agent: Agent, plan: LoadPlan, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ ms: number; outcome: Outcome; body: string }> {
  const url = new URL(path, plan.base);
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome, text = '') => {
      if (done) return;
      done = true;
      resolve({ ms: performance.now() - started, outcome, body: text });
    };
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => finish({ status: res.statusCode ?? 0 }, text));
        res.on('error', (e) => finish({ error: e.message }));
      },
    );
    req.setTimeout(plan.timeoutMs, () => {
      finish({ timeout: true });
      req.destroy();
    });
    req.on('error', (e) => finish({ error: e.message }));
    req.end(body);
  });
}

export async function drive(plan: LoadPlan): Promise<LoadReport> {
  const times = new Map<string, number[]>();
  const tally = new Map<string, Omit<KindReport, 'n' | 'p50' | 'p99' | 'max'>>();
  const record = (kind: string, r: { ms: number; outcome: Outcome }) => {
    if (!times.has(kind)) {
      times.set(kind, []);
      tally.set(kind, { s2xx: 0, s4xx: 0, s5xx: 0, timeouts: 0, errors: 0 });
    }
    times.get(kind)!.push(r.ms);
    const t = tally.get(kind)!;
    if ('status' in r.outcome) {
      if (r.outcome.status < 300) t.s2xx++;
      else if (r.outcome.status < 500) t.s4xx++;
      else t.s5xx++;
    } else if ('timeout' in r.outcome) t.timeouts++;
    else t.errors++;
  };
  const ops = Object.entries(plan.mix).filter(([, w]) => (w ?? 0) > 0) as Array<[Operation, number]>;
  const total = ops.reduce((s, [, w]) => s + w, 0);
  // A seeded draw per connection, so two runs send the same sequence.
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const pickOf = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let updateId = plan.firstUpdateId;
  let pair = 0;
  const admin = { authorization: `Bearer ${plan.adminToken}` };
  const deadline = performance.now() + plan.seconds * 1000;

  const operation = async (agent: Agent, op: Operation) => {
    switch (op) {
      case 'matches':
        record('matches', await send(agent, plan, 'GET', `/v1/workers/${pickOf(plan.workers)}/matches?limit=20`, admin));
        return;
      case 'candidates':
        record('candidates', await send(agent, plan, 'GET', `/v1/openings/${pickOf(plan.openings)}/candidates?limit=20`, admin));
        return;
      case 'registry':
        if (rnd() < 0.5) record('registry: worker', await send(agent, plan, 'GET', `/v1/workers/${pickOf(plan.workers)}`, admin));
        else record('registry: household', await send(agent, plan, 'GET', `/v1/households/${pickOf(plan.households)}`, admin));
        return;
      case 'stats':
        record('stats', await send(agent, plan, 'GET', `/v1/stats?area=${plan.statsArea}`, admin));
        return;
      case 'webhook': {
        const id = ++updateId;
        // A few hundred chats writing to the bot: new ones are asked to sign up, the bot's replies go to the fake Bot API.
        const chat = 7_000_000 + (id % 400);
        const update = {
          update_id: id,
          message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chat, type: 'private', first_name: 'Bench' }, from: { id: chat, is_bot: false, first_name: 'Bench', language_code: 'zh-hans' }, text: id % 3 === 0 ? '/start' : '你好' },
        };
        record('webhook', await send(agent, plan, 'POST', '/telegram/webhook', { 'x-telegram-bot-api-secret-token': plan.webhookSecret }, JSON.stringify(update)));
        return;
      }
      case 'apply_and_hire': {
        const p = plan.pairs[pair++ % Math.max(1, plan.pairs.length)];
        if (!p) return;
        const created = await send(agent, plan, 'POST', '/v1/applications', admin, JSON.stringify({ workerId: p[0], openingId: p[1], state: 'applied' }));
        record('application', created);
        if (!('status' in created.outcome) || created.outcome.status !== 201) return;
        const id = (JSON.parse(created.body) as { id: number }).id;
        const offered = await send(agent, plan, 'POST', `/v1/applications/${id}/transitions`, admin, JSON.stringify({ to: 'offered' }));
        record('application → offered', offered);
        if (!('status' in offered.outcome) || offered.outcome.status !== 200) return;
        record('hire', await send(agent, plan, 'POST', `/v1/applications/${id}/transitions`, admin, JSON.stringify({ to: 'hired' })));
        return;
      }
    }
  };

  const loop = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (performance.now() < deadline) {
        let r = rnd() * total;
        let op = ops[0]![0];
        for (const [o, w] of ops) if ((r -= w) < 0) {
          op = o;
          break;
        }
        await operation(agent, op);
      }
    } finally {
      agent.destroy();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: plan.connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const kinds: Record<string, KindReport> = {};
  let requests = 0;
  for (const [kind, xs] of times) {
    const s = [...xs].sort((a, b) => a - b);
    const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
    kinds[kind] = { n: s.length, p50: at(50), p99: at(99), max: s[s.length - 1]!, ...tally.get(kind)! };
    requests += s.length;
  }
  return { seconds: elapsed, connections: plan.connections, requests, rps: requests / elapsed, kinds };
}

if (process.argv[2]) {
  const plan = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadPlan;
  const report = await drive(plan);
  process.stdout.write(JSON.stringify(report));
}
