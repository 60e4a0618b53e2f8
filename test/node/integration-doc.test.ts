// docs/integration.md is run, not just read: each curl example is parsed
// (a small shell-word reader: quotes, $VARS, `VAR=$(curl … | jq -r .field)`)
// and sent to the app in order; each must be an operation of the OpenAPI
// document with documented parameters and answer 2xx (the contract check
// around the test app validates the answers). The committed document and the
// openapi-typescript types are checked fresh, and the types are the client here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components, paths } from '../../src/openapi/api-types.js';
import type { OpenApiDocument } from '../../src/openapi/document.js';
import { apiTypesSource, currentDocument } from '../../src/openapi/generate.js';
import { makeTestEnv, type TestEnv } from '../helpers.js';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Shell words of one command: '…' literal, "…" and bare words with $VAR expanded, adjacent parts joined. */
function words(command: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let word: string | null = null;
  const expand = (s: string) => s.replace(/\$(\w+)/g, (_, v: string) => {
    if (!(v in vars)) throw new Error(`$${v} is not set by an earlier example`);
    return vars[v]!;
  });
  for (let i = 0; i < command.length; ) {
    const ch = command[i]!;
    if (/\s/.test(ch)) {
      if (word !== null) out.push(word);
      word = null;
      i++;
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      const end = command.indexOf('"', i + 1);
      word = (word ?? '') + expand(command.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < command.length && !/[\s'"]/.test(command[j]!)) j++;
      word = (word ?? '') + expand(command.slice(i, j));
      i = j;
    }
  }
  if (word !== null) out.push(word);
  return out;
}

interface Curl {
  method: string;
  url: URL;
  headers: Record<string, string>;
  json?: string;
  form?: Array<[string, string]>;
}

function parseCurl(args: string[]): Curl {
  expect(args[0]).toBe('curl');
  const headers: Record<string, string> = {};
  let method: string | undefined;
  let json: string | undefined;
  const form: Array<[string, string]> = [];
  let url: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s') continue;
    else if (a === '-X') method = args[++i];
    else if (a === '-H') {
      const [k, ...v] = args[++i]!.split(':');
      headers[k!.trim().toLowerCase()] = v.join(':').trim();
    } else if (a === '-d') json = args[++i];
    else if (a === '-F') {
      const [k, ...v] = args[++i]!.split('=');
      form.push([k!, v.join('=')]);
    } else if (a.startsWith('-')) throw new Error(`the test does not know curl's ${a}`);
    else url = a;
  }
  return { method: method ?? (json !== undefined || form.length ? 'POST' : 'GET'), url: new URL(url!), headers, json, form: form.length ? form : undefined };
}

/** The commands of the doc's sh blocks that run curl, with continuation lines joined. */
function examples(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/\\\n\s*/g, ' '));
  return blocks.flatMap((b) => b.split('\n').map((l) => l.trim())).filter((l) => /(^|\$\()curl /.test(l));
}

function operationFor(doc: OpenApiDocument, method: string, pathname: string) {
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (re.test(pathname) && ops[method.toLowerCase()]) return ops[method.toLowerCase()] as { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } };
  }
  return undefined;
}

let env: TestEnv;
let staff: string;
let doc: OpenApiDocument;

beforeAll(async () => {
  env = await makeTestEnv();
  staff = await env.token({ role: 'staff', areaPrefix: '532503' });
  doc = (await env.request('GET', '/openapi.json')).body;
});
afterAll(() => env.close());

describe('docs/integration.md', () => {
  it('its curl examples run in order against the app, each an operation of the document, each 2xx', async () => {
    const commands = examples(read('docs/integration.md'));
    expect(commands.length).toBe(4);
    const vars: Record<string, string> = { JIUJIN: 'http://localhost', TOKEN: staff };
    const answers: Array<{ path: string; status: number; body: any }> = [];
    for (const line of commands) {
      const assign = /^(\w+)=\$\((curl .*) \| jq -r \.(\w+)\)$/.exec(line);
      const curl = parseCurl(words(assign ? assign[2]! : line, vars));
      const op = operationFor(doc, curl.method, curl.url.pathname);
      expect(op, `${curl.method} ${curl.url.pathname} is not in the OpenAPI document`).toBeDefined();
      const documented = new Set((op!.parameters ?? []).map((p) => `${p.in}:${p.name.toLowerCase()}`));
      for (const name of curl.url.searchParams.keys()) expect(documented.has(`query:${name.toLowerCase()}`), `query ${name}`).toBe(true);
      for (const name of Object.keys(curl.headers)) {
        if (name === 'authorization' || name === 'content-type') continue;
        expect(documented.has(`header:${name}`), `header ${name}`).toBe(true);
      }
      let body: BodyInit | undefined;
      if (curl.json !== undefined) {
        expect(op!.requestBody?.content['application/json'], 'a JSON body is documented').toBeDefined();
        body = curl.json;
      }
      if (curl.form) {
        const fields = op!.requestBody?.content['multipart/form-data']?.schema.properties ?? {};
        const form = new FormData();
        for (const [k, v] of curl.form) {
          expect(Object.keys(fields), `form field ${k}`).toContain(k);
          if (v.startsWith('@')) form.append(k, new File([readFileSync(join(root, v.slice(1)))], v.split('/').pop()!));
          else form.append(k, v);
        }
        body = form;
      }
      const res = await env.app.request(curl.url.pathname + curl.url.search, { method: curl.method, headers: curl.headers, body });
      const text = await res.text();
      expect(res.status, `${line}\n→ ${res.status} ${text}`).toBeLessThan(300);
      const json = JSON.parse(text);
      answers.push({ path: curl.url.pathname, status: res.status, body: json });
      if (assign) vars[assign[1]!] = String(json[assign[3]!]);
    }
    expect(answers[0]!.body.summary).toBe('read 3, imported 3, updated 0, rejected 0');
    expect(answers.map((a) => [a.path, a.status])).toEqual([
      ['/v1/imports', 200],
      ['/v1/households', 201],
      ['/v1/workers', 201],
      ['/v1/stats', 200],
    ]);

    // The generated types are the client: these compile only while the document says so.
    type StatsAnswer = paths['/v1/stats']['get']['responses'][200]['content']['application/json'];
    type WorkerAnswer = components['schemas']['Worker'];
    const worker = answers[2]!.body as WorkerAnswer;
    const stats = answers[3]!.body as StatsAnswer;
    expect(worker.household?.povertyAlleviated).toBe(true);
    expect(worker.careFor).toEqual(['elders']);
    expect(stats.area).toBe('532503');
    expect(stats.workersRegistered).toBeGreaterThanOrEqual(1);
    expect(stats.inWork.byScope.out_of_province).toBe(0);
    // The doc's example person is named nowhere in the log.
    expect(env.logs.some((l) => l.includes('李秀英') || l.includes('13800001234'))).toBe(false);
  });

  it('docs/openapi.json and src/openapi/api-types.ts are what `npm run api:types` writes now', async () => {
    const fresh = currentDocument();
    expect(JSON.parse(read('docs/openapi.json'))).toEqual(JSON.parse(JSON.stringify(fresh)));
    expect(JSON.parse(JSON.stringify(fresh))).toEqual(doc);
    expect(read('src/openapi/api-types.ts')).toBe(await apiTypesSource(fresh));
  });
});
