// Reading HTML forms: every value arrives as text (or a list of texts). The
// helpers collect one message per field so the page can show it next to the
// field and fill the form again with what was typed.
import { isOccupationCode } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import { idSchema } from '../validation.js';
import type { FieldErrors } from './layout.js';
import { type Messages, say } from './i18n.js';

export type FormValues = Record<string, string | string[]>;

export async function readForm(req: { parseBody: (o: { all: true }) => Promise<Record<string, unknown>> }): Promise<FormValues> {
  const body = await req.parseBody({ all: true });
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf') continue;
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    else if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export class FormReader {
  readonly errors: FieldErrors = {};
  constructor(
    readonly values: FormValues,
    readonly t: Messages,
  ) {}

  text(name: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const raw = this.values[name];
    const v = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
    if (!v) {
      if (opts.required) this.errors[name] = this.t.required;
      return undefined;
    }
    if (v.length > (opts.max ?? 200)) {
      this.errors[name] = this.t.fieldErrors.tooLong;
      return undefined;
    }
    return v;
  }

  list(name: string): string[] {
    const raw = this.values[name];
    return (Array.isArray(raw) ? raw : raw ? [raw] : []).map((s) => s.trim()).filter(Boolean);
  }

  flag(name: string): boolean {
    return this.list(name).length > 0;
  }

  area(name: string, opts: { required?: boolean; lengths?: number[] } = {}): string | undefined {
    const v = this.text(name, opts);
    if (v === undefined) return undefined;
    if (!/^\d{2,12}$/.test(v) || (opts.lengths && !opts.lengths.includes(v.length))) {
      this.errors[name] = this.t.fieldErrors.invalidArea;
      return undefined;
    }
    return v;
  }

  number(name: string, opts: { required?: boolean; min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const v = this.text(name, opts);
    if (v === undefined) return undefined;
    const n = Number(v);
    // Say what is wrong: "at least 1" for a 0, not "give a number".
    const problem = !Number.isFinite(n)
      ? this.t.fieldErrors.invalidNumber
      : opts.integer && !Number.isInteger(n)
        ? this.t.fieldErrors.wholeNumber
        : opts.min !== undefined && n < opts.min
          ? this.t.fieldErrors.atLeast(opts.min)
          : opts.max !== undefined && n > opts.max
            ? this.t.fieldErrors.atMost(opts.max)
            : null;
    if (problem) {
      this.errors[name] = problem;
      return undefined;
    }
    return n;
  }

  date(name: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.text(name, opts);
    if (v === undefined) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
      this.errors[name] = this.t.fieldErrors.invalidDate;
      return undefined;
    }
    return v;
  }

  phone(name: string): string | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    if (!/^\+?[0-9][0-9 -]{4,19}$/.test(v)) {
      this.errors[name] = this.t.fieldErrors.invalidPhone;
      return undefined;
    }
    return v;
  }

  point(name: string): { lat: number; lon: number } | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const m = /^(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)$/.exec(v);
    const lat = m ? Number(m[1]) : NaN;
    const lon = m ? Number(m[2]) : NaN;
    if (!m || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      this.errors[name] = this.t.fieldErrors.invalidPoint;
      return undefined;
    }
    return { lat, lon };
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const v = this.text(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.errors[name] = this.t.required;
      return undefined;
    }
    return v as T;
  }

  skills(name: string): string[] {
    const list = this.list(name);
    if (list.some((s) => !isOccupationCode(s))) this.errors[name] = this.t.required;
    return list.filter(isOccupationCode);
  }

  get ok() {
    return Object.keys(this.errors).length === 0;
  }
}

/**
 * A service's refusal as form errors: issues whose path is a field of the
 * form go next to it (fields maps service paths to form names), the rest on
 * top of the form.
 */
export function serviceErrors(t: Messages, err: AppError, fields: Record<string, string>): { errors: FieldErrors; general: string | null } {
  const errors: FieldErrors = {};
  let general: string | null = null;
  for (const i of err.issues) {
    const name = fields[i.path];
    if (name) errors[name] = say(t, i.message);
    else general = say(t, err.message);
  }
  if (err.issues.length === 0) general = say(t, err.message);
  return { errors, general };
}

export const valueOf = (values: FormValues | undefined, name: string): string => {
  const v = values?.[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

export const hasValue = (values: FormValues | undefined, name: string, value: string): boolean => {
  const v = values?.[name];
  return Array.isArray(v) ? v.includes(value) : v === value;
};

/** A form as it was sent and what was wrong with it, to show it again. */
export interface FormState {
  values?: FormValues;
  errors?: FieldErrors;
  general?: string | null;
}

/** A record id from the path; anything else is a page that does not exist. */
export function parseId(raw: string | undefined): number {
  const p = idSchema.safeParse(raw);
  if (!p.success) throw new AppError('not_found', 'not found');
  return p.data;
}
