// Choosing an area without typing its code: one <select> per level from the
// staff member's own area down (county → township → village), each list
// filled after the one above was chosen — a choose-then-continue form, so no
// script is needed — and a box that finds a village by part of its name.
// The form around it is sent with `_pick` (or `<name>_set`) when a choice is
// made; the page then shows the form again, as typed, with the next list.
import type { ServiceCtx } from '../context.js';
import { type Area, areaAncestry, findArea, listAreas, searchAreas } from '../services/areas.js';
import type { FormValues } from './forms.js';
import { valueOf } from './forms.js';
import type { Messages } from './i18n.js';
import type { FieldErrors } from './layout.js';

export const LEVELS = ['province', 'prefecture', 'county', 'township', 'village'] as const;
export type Level = (typeof LEVELS)[number];

const FOUND_SHOWN = 20;

/** The root of the caller's choices: a staff member's own area, everything for an admin. */
const rootOf = (ctx: ServiceCtx) => (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');

/**
 * The area the picker's fields name: a found village chosen (`<name>_set`),
 * else the deepest level chosen whose code lies under the level above it (a
 * level changed above leaves the stale ones below unused), else a code sent
 * as `<name>` itself (what the API-style tests and old bookmarks send).
 * Lists left at the root name nothing: undefined.
 */
export function pickedArea(values: FormValues | Record<string, string | undefined>, name: string, root: string): string | undefined {
  const get = (k: string) => valueOf(values as FormValues, k).trim();
  const set = get(`${name}_set`);
  if (/^\d{2,12}$/.test(set)) return set;
  const present = LEVELS.filter((l) => values[`${name}_${l}`] !== undefined);
  if (present.length === 0) return get(name) || undefined;
  let cur = root;
  for (const l of present) {
    const v = get(`${name}_${l}`);
    if (!v || !/^\d{2,12}$/.test(v) || !v.startsWith(cur) || v.length <= cur.length) break;
    cur = v;
  }
  // Nothing chosen below the root: no area named (the root itself is the default scope).
  return cur && cur !== root ? cur : undefined;
}

/** The form was sent to choose an area (a list, or a found village), not to save. */
export const isPicking = (values: FormValues | Record<string, string | undefined>, name: string) =>
  values._pick !== undefined || values[`${name}_set`] !== undefined;

export interface PickerState {
  name: string;
  /** The code chosen so far (undefined: nothing below the caller's own area). */
  chosen: string | undefined;
  /** "蒙自市 文澜街道 天马社区": the chosen area with its parents below the root. */
  chosenName: string;
  lists: Array<{ level: Level; options: Area[]; selected: string }>;
  query: string;
  found: Array<{ code: string; label: string }> | null;
  /** The root's own name, shown as fixed text above the lists. */
  rootName: string | null;
}

/**
 * Reads what the lists show for the chosen area: each level's choices under
 * the level above, down to `deepest`. An unknown or out-of-scope code shows
 * the lists from the root (the service refuses it with its message).
 */
export async function loadPicker(
  ctx: ServiceCtx,
  values: FormValues | Record<string, string | undefined>,
  name: string,
  opts: { deepest?: Level; value?: string; root?: string } = {},
): Promise<PickerState> {
  const root = opts.root ?? rootOf(ctx);
  const deepest = opts.deepest ?? 'village';
  const chosenRaw = opts.value ?? pickedArea(values, name, root);
  const chain = chosenRaw && chosenRaw.startsWith(root) ? (await areaAncestry(ctx.db, chosenRaw)).reverse() : [];
  const below = chain.filter((a) => a.code.length > root.length);
  const rootArea = root ? await findArea(ctx.db, root) : undefined;
  const parents = [root, ...below.map((a) => a.code)];
  const lists: PickerState['lists'] = [];
  for (let i = 0; i < parents.length; i++) {
    const parent = parents[i]!;
    const parentLevel = i === 0 ? rootArea?.level : below[i - 1]!.level;
    if (parentLevel === deepest) break;
    const children = (await listAreas(ctx.db, { parent: parent || undefined, limit: 500 })).items;
    if (children.length === 0) break;
    lists.push({ level: children[0]!.level, options: children, selected: below[i]?.code ?? '' });
  }
  const query = valueOf(values as FormValues, `${name}_q`).trim();
  let found: PickerState['found'] = null;
  if (query && values._pick === 'find') {
    const levels: Area['level'][] = deepest === 'village' ? ['village', 'township'] : LEVELS.slice(0, LEVELS.indexOf(deepest) + 1);
    const areasFound = await searchAreas(ctx.db, { q: query, prefix: root, levels, limit: FOUND_SHOWN });
    const parentNames = new Map<string, string>();
    for (const code of new Set(areasFound.flatMap((a) => [a.code.slice(0, 6), a.code.slice(0, 9)]))) {
      const a = await findArea(ctx.db, code);
      if (a) parentNames.set(code, a.name);
    }
    found = areasFound.map((a) => ({
      code: a.code,
      label: [a.code.length > 6 ? parentNames.get(a.code.slice(0, 6)) : null, a.code.length > 9 ? parentNames.get(a.code.slice(0, 9)) : null, a.name]
        .filter(Boolean)
        .join(' '),
    }));
  }
  return {
    name,
    chosen: below.length ? below[below.length - 1]!.code : chosenRaw && !chain.length ? chosenRaw : undefined,
    chosenName: below.map((a) => a.name).join(' '),
    lists,
    query,
    found,
    rootName: rootArea?.name ?? null,
  };
}

/**
 * The picker inside a form. `choose` adds its own "choose" button (forms
 * that save); a filter form's own submit button does the same job.
 */
export function AreaPicker(props: { t: Messages; p: PickerState; legend: string; errors?: FieldErrors; hint?: string; choose?: boolean }) {
  const { t, p } = props;
  const err = props.errors?.[p.name];
  const described = [err ? `err-${p.name}` : null, props.hint ? `hint-${p.name}` : null].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset class={err ? 'picker has-error' : 'picker'} data-field={p.name} id={`f-${p.name}`}>
      <legend>{props.legend}</legend>
      {p.rootName ? <span class="muted">{p.rootName}</span> : null}
      <div class="picker-lists">
        {p.lists.map((l) => (
          <label>
            {t.levels[l.level]}
            <select name={`${p.name}_${l.level}`} id={`f-${p.name}_${l.level}`} aria-invalid={err ? 'true' : undefined} aria-describedby={described}>
              <option value="">{t.pickAny}</option>
              {l.options.map((a) => (
                <option value={a.code} selected={a.code === l.selected}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        ))}
        {props.choose ? (
          <button type="submit" name="_pick" value="choose" class="secondary" formnovalidate>
            {t.pickNext}
          </button>
        ) : null}
      </div>
      <div class="picker-find">
        <label>
          {t.findArea}
          <input name={`${p.name}_q`} id={`f-${p.name}_q`} value={p.query} size={12} type="search" />
        </label>
        <button type="submit" name="_pick" value="find" class="secondary" formnovalidate>
          {t.find}
        </button>
      </div>
      {p.found ? (
        p.found.length === 0 ? (
          <p class="muted" role="status">{t.noResults}</p>
        ) : (
          <ul class="found" aria-label={t.foundAreas}>
            {p.found.map((a) => (
              <li>
                <button type="submit" name={`${p.name}_set`} value={a.code} class="linkish" formnovalidate>
                  {a.label}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
      <p class="chosen">
        {t.chosenArea}
        {t.colon}
        <strong data-area-chosen={p.chosen ?? ''}>{p.chosenName || p.rootName || t.allAreas}</strong>
      </p>
      {props.hint ? (
        <span class="hint" id={`hint-${p.name}`}>
          {props.hint}
        </span>
      ) : null}
      {err ? (
        <span class="err" id={`err-${p.name}`} role="alert">
          {err}
        </span>
      ) : null}
    </fieldset>
  );
}
