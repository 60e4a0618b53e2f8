// `npm run token -- create --role staff --area 532501`
// `npm run token -- create --role employer --employer 12`
// `npm run token -- create --role admin`
// Prints a new API token once; only its hash is stored.
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { runTool } from './tool.js';
import { createToken, type NewToken } from '../src/services/tokens.js';

const usage = `usage:
  npm run token -- create --role staff --area <area code prefix> [--label text]
  npm run token -- create --role employer --employer <employer id> [--label text]
  npm run token -- create --role admin [--label text]`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      area: { type: 'string' },
      employer: { type: 'string' },
      label: { type: 'string' },
    },
  });
  if (positionals[0] !== 'create' || !values.role) {
    console.error(usage);
    return 2;
  }
  let spec: NewToken;
  if (values.role === 'staff') {
    if (!values.area || !/^\d{2,12}$/.test(values.area)) {
      console.error('--area must be an area code prefix such as 532501\n' + usage);
      return 2;
    }
    spec = { role: 'staff', areaPrefix: values.area, label: values.label };
  } else if (values.role === 'employer') {
    const id = Number(values.employer);
    if (!Number.isInteger(id) || id <= 0) {
      console.error('--employer must be an employer id\n' + usage);
      return 2;
    }
    spec = { role: 'employer', employerId: id, label: values.label };
  } else if (values.role === 'admin') {
    spec = { role: 'admin', label: values.label };
  } else {
    console.error(`unknown role ${values.role}\n${usage}`);
    return 2;
  }
  const config = loadNodeConfig();
  const { client, db } = await openLocalDatabase(config, { tool: true });
  try {
    const { token } = await createToken(db, systemClock, spec);
    console.log(token);
    return 0;
  } finally {
    client.close();
  }
}

process.exitCode = await runTool(() => main(process.argv.slice(2)));
