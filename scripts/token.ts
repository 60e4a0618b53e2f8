// `npm run token -- create --role staff --area 532501 [--expires 90d]`
// `npm run token -- create --role employer --employer 12`
// `npm run token -- create --role admin`
// `npm run token -- list`        one token a line, oldest first, id first, never the secret
// `npm run token -- revoke ID`   the token answers 401 from now on; its console sessions end
// A new token is printed once; only its hash is stored.
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { runTool } from './tool.js';
import { createToken, listTokens, type NewToken, parseDuration, revokeToken } from '../src/services/tokens.js';

const usage = `usage:
  npm run token -- create --role staff --area <area code prefix> [--label text] [--expires 90d]
  npm run token -- create --role employer --employer <employer id> [--label text] [--expires 90d]
  npm run token -- create --role admin [--label text] [--expires 90d]
  npm run token -- list
  npm run token -- revoke <id>
(--expires: a number of days, hours or minutes: 90d, 12h, 30m)`;

type Spec = { ok: true; spec: NewToken } | { ok: false; message: string };

function specOf(values: Record<string, string | undefined>): Spec {
  let expiresAt: string | undefined;
  if (values.expires !== undefined) {
    const ms = parseDuration(values.expires);
    if (ms === null) return { ok: false, message: `--expires must be like 90d, 12h or 30m, not ${values.expires}` };
    expiresAt = new Date(systemClock.now().getTime() + ms).toISOString();
  }
  if (values.role === 'staff') {
    if (!values.area || !/^\d{2,12}$/.test(values.area)) return { ok: false, message: '--area must be an area code prefix such as 532501' };
    return { ok: true, spec: { role: 'staff', areaPrefix: values.area, label: values.label, expiresAt } };
  }
  if (values.role === 'employer') {
    const id = Number(values.employer);
    if (!Number.isInteger(id) || id <= 0) return { ok: false, message: '--employer must be an employer id' };
    return { ok: true, spec: { role: 'employer', employerId: id, label: values.label, expiresAt } };
  }
  if (values.role === 'admin') return { ok: true, spec: { role: 'admin', label: values.label, expiresAt } };
  return { ok: false, message: values.role ? `unknown role ${values.role}` : '--role is required' };
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      area: { type: 'string' },
      employer: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  let run: (db: Awaited<ReturnType<typeof openLocalDatabase>>['db']) => Promise<number>;
  if (command === 'create') {
    const spec = specOf(values);
    if (!spec.ok) {
      console.error(`${spec.message}\n${usage}`);
      return 2;
    }
    run = async (db) => {
      console.log((await createToken(db, systemClock, spec.spec)).token);
      return 0;
    };
  } else if (command === 'list' && positionals.length === 1) {
    run = async (db) => {
      const now = systemClock.now().toISOString();
      for (const t of await listTokens(db)) {
        const state = t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt && t.expiresAt <= now ? `expired ${t.expiresAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'live';
        console.log([t.id, t.role, t.scope ?? '-', `created ${t.createdAt}`, state, t.label ? JSON.stringify(t.label) : ''].join('\t').trimEnd());
      }
      return 0;
    };
  } else if (command === 'revoke' && positionals.length === 2 && /^\d{1,15}$/.test(arg ?? '')) {
    run = async (db) => {
      const outcome = await revokeToken(db, systemClock, Number(arg));
      if (outcome === 'unknown') {
        console.error(`No token ${arg} (see npm run token -- list)`);
        return 1;
      }
      console.log(outcome === 'revoked' ? `token ${arg} revoked` : `token ${arg} was already revoked`);
      return 0;
    };
  } else {
    console.error(usage);
    return 2;
  }
  const config = loadNodeConfig();
  const { client, db } = await openLocalDatabase(config, { tool: true });
  try {
    return await run(db);
  } finally {
    client.close();
  }
}

process.exitCode = await runTool(() => main(process.argv.slice(2)));
