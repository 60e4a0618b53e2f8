// The contract check: every response the API tests receive is validated
// against the response the OpenAPI document publishes for its method, path
// and status. makeTestEnv wraps the app's fetch with it, so the whole API
// suite is the contract test — no hand-kept list of cases. A response whose
// status the document does not list, or whose JSON does not fit, throws.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject, OpenApiDocument } from '../src/openapi/document.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

interface Template {
  path: string;
  regex: RegExp;
  params: number;
}

export class ContractError extends Error {}

export function contractChecker(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const templates: Template[] = Object.keys(doc.paths)
    .map((path) => ({
      path,
      regex: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
      params: (path.match(/\{/g) ?? []).length,
    }))
    // A literal segment wins over a parameter (/v1/worklists/zero-employment).
    .sort((a, b) => a.params - b.params);
  const compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

  const responseOf = (r: JsonObject): JsonObject => {
    const ref = r.$ref;
    if (typeof ref !== 'string') return r;
    return doc.components.responses[ref.replace('#/components/responses/', '')]!;
  };

  /** Checks one response; null for a path the document does not describe (pages, unknown routes). */
  return function check(method: string, pathname: string, status: number, contentType: string, body: string): void {
    const template = templates.find((t) => t.regex.test(pathname));
    const op = template ? doc.paths[template.path]![method.toLowerCase()] : undefined;
    if (!template || !op) return;
    const where = `${method} ${pathname} → ${status}`;
    const responses = op.responses as Record<string, JsonObject>;
    const documented = responses[String(status)];
    if (!documented) {
      throw new ContractError(`${where}: status ${status} is not in the OpenAPI document (documented: ${Object.keys(responses).join(', ')}); body ${body.slice(0, 300)}`);
    }
    const content = responseOf(documented).content as Record<string, { schema: JsonObject }> | undefined;
    const media = contentType.split(';')[0]!.trim();
    if (!content) {
      if (body.length) throw new ContractError(`${where}: documented without a body, answered ${body.slice(0, 200)}`);
      return;
    }
    const entry = content[media];
    if (!entry) throw new ContractError(`${where}: answered ${media}, documented ${Object.keys(content).join(', ')}`);
    if (media !== 'application/json' || template.path === '/openapi.json') return;
    const key = `${template.path} ${method} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ ...entry.schema, components: doc.components });
      compiled.set(key, validate);
    }
    const value = JSON.parse(body) as unknown;
    if (!validate(value)) {
      const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
      throw new ContractError(`${where}: the body does not fit the documented schema:\n  ${problems.join('\n  ')}\n  body: ${body.slice(0, 500)}`);
    }
  };
}
