// The open openings the matcher ranks, as the API shows them, held in memory
// once per database handle and kept fresh from `opening_changes`: triggers
// append the id of every opening that changes (and of an employer's openings
// when its name does), whichever connection or process changes it, so before
// each use the catalogue asks the log for its last number (one indexed read)
// and re-reads only the openings changed since. Fifty thousand openings take
// a few tens of MB; ranking them in memory answers a worker's matches without
// reading their rows every time.
//
// A handle that must answer before its catalogue is read whole (a new
// Workers isolate: ~36,000 openings at scale 1 take seconds on D1) is
// marked by warmInBackground: until that one shared read completes,
// catalogueIfWarm answers null and the matcher reads a `narrowed` catalogue
// instead, only the openings one worker's ranking can look at (their grid
// cells, their area, their village's serving posts: see CatalogueReach), in
// one or two indexed statements. The ranking reads the same lists either
// way, so it gives the same answer.
import { and, eq, gt, type SQL, sql } from 'drizzle-orm';
import { employers, openingChanges, openings } from '../../db/schema.js';
import { type Db, prepared, rowsAffected } from '../../db/client.js';
import { dayNumber } from '../domain/dates.js';
import { openingClass } from '../domain/eligibility.js';
import { pointOf } from '../domain/geo.js';
import { gridCell } from '../domain/grid.js';
import type { MatchOpening } from '../domain/matching.js';
import { yieldToEventLoop } from '../lib/yield.js';
import { type Opening, toOpeningJson } from './openings.js';

export interface CatalogueOpening extends MatchOpening {
  closingDate: string | null;
  /** openingClass of the opening and the dayNumber it closes (Infinity: never), made once for its shelves' facts. */
  classNo: number;
  closesDay: number;
  /** The opening as the API shows it, with its employer's name: shared, never to be changed. */
  json: Readonly<ReturnType<typeof toOpeningJson>>;
}

/**
 * Openings read per statement, whole catalogue or changed ones by id (D1
 * answers in bounded sizes); between two, the event loop serves others
 * (a page of 200 takes under 20 ms on Node, about 50 on a loaded machine).
 */
const PAGE = 200;
/** Changes the log keeps (see pruneOpeningChanges): a catalogue further behind reads everything again. */
export const CHANGES_KEPT = 20_000;

type Row = { o: Opening; employerName: string };

/** Openings with their employer's name, by a condition on the opening (the queries below are built once per handle). */
const withEmployer = (d: Db, where: SQL) =>
  d
    .select({ o: openings, employerName: employers.name })
    .from(openings)
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .where(where);

/** An opening's JSON, shared by every answer that shows it: frozen, nested parts too, so no caller can change it for the others. */
function frozen<T extends Record<string, unknown>>(json: T): Readonly<T> {
  for (const value of Object.values(json)) if (value !== null && typeof value === 'object') Object.freeze(value);
  return Object.freeze(json);
}

/**
 * The JSON texts kept (half a kilobyte to a kilobyte each): those of the
 * openings answered last, the least recently answered dropped first. All
 * 36,000 of a prefecture would take 17–35 MB, too much beside a Workers
 * isolate's catalogue.
 */
const JSON_TEXTS_KEPT = 2_000;
const jsonTexts = new Map<object, string>();

/**
 * JSON.stringify of a catalogue opening's frozen `json`, kept for the
 * openings answered last: a matches answer splices twenty of them in
 * rather than writing each again (the same bytes: the object never
 * changes).
 */
export function openingJsonText(json: Readonly<object>): string {
  let text = jsonTexts.get(json);
  if (text === undefined) {
    text = JSON.stringify(json);
    if (jsonTexts.size >= JSON_TEXTS_KEPT) jsonTexts.delete(jsonTexts.keys().next().value!);
  } else {
    jsonTexts.delete(json);
  }
  jsonTexts.set(json, text);
  return text;
}

/** A skill's number and a grid cell as one key: cells stay below 2^30 (see domain/grid.ts). */
const skillCellKey = (skill: number, cell: number) => skill * 2 ** 30 + cell;
/** The skill number of the openings that want no skill (skill numbers are 0 and up). */
const NO_SKILL = -1;

const NO_FACTS = new Float64Array(0);

/** closes[] of an opening without a closing date: after every day. */
const NEVER_CLOSES = Infinity;

/**
 * A list of openings (kept without order: the matcher's ranking is total)
 * and, packed beside it in one typed array, what a ranking reads of each
 * before the opening itself, Shelf.FACTS numbers an opening: its id, its
 * point (NaN without one), its class (openingClass) and the day it closes
 * (dayNumber). A ranking reads hundreds of openings and passes most over
 * (closed, refused by class, out of reach): read from their objects, each
 * costs memory reads the CPU waits for; from one array, a few lines of
 * cache (with `shared` below, a matches request took 12–14 % less time in
 * process, same lists). Packed again at the first read after a change.
 */
export class Shelf {
  /** Numbers per opening in `facts`, in the order of the FACT_ offsets. */
  static readonly FACTS = 5;
  readonly items: CatalogueOpening[] = [];
  /** Until the first read, every shelf shares one empty array: tens of thousands are made, most read rarely. */
  facts = NO_FACTS;
  private stale = true;

  add(o: CatalogueOpening) {
    this.items.push(o);
    this.stale = true;
  }

  /** Removes `o`; false when it was not there. */
  remove(o: CatalogueOpening): boolean {
    const i = this.items.indexOf(o);
    if (i < 0) return false;
    this.items[i] = this.items[this.items.length - 1]!;
    this.items.pop();
    this.stale = true;
    return true;
  }

  /** This shelf, its facts up to date. */
  packed(): this {
    if (!this.stale) return this;
    const n = this.items.length;
    if (this.facts.length !== n * Shelf.FACTS) this.facts = new Float64Array(n * Shelf.FACTS);
    for (let i = 0; i < n; i++) {
      const o = this.items[i]!;
      const at = i * Shelf.FACTS;
      this.facts[at + FACT_ID] = o.id;
      this.facts[at + FACT_LAT] = o.point ? o.point.lat : NaN;
      this.facts[at + FACT_LON] = o.point ? o.point.lon : NaN;
      this.facts[at + FACT_CLASS] = o.classNo;
      this.facts[at + FACT_CLOSES] = o.closesDay;
    }
    this.stale = false;
    return this;
  }
}
/** Where each fact of an opening lies among its Shelf.FACTS numbers. */
export const FACT_ID = 0;
export const FACT_LAT = 1;
export const FACT_LON = 2;
export const FACT_CLASS = 3;
export const FACT_CLOSES = 4;

/** An opening on its shelf in a map of shelves. An empty shelf is removed: readers get undefined. */
function addTo<K>(map: Map<K, Shelf>, key: K, o: CatalogueOpening) {
  let shelf = map.get(key);
  if (!shelf) map.set(key, (shelf = new Shelf()));
  shelf.add(o);
}
function removeFrom<K>(map: Map<K, Shelf>, key: K, o: CatalogueOpening) {
  const shelf = map.get(key);
  if (shelf?.remove(o) && shelf.items.length === 0) map.delete(key);
}

/** The most values `shared` keeps; past it, it starts again (sharing only saves memory reads). */
const SHARED_MAX = 50_000;
const sharedValues = new Map<string, unknown>();
/**
 * One instance of each equal value the ranking reads (area codes, kinds,
 * hours, dates, skill lists): thousands of openings then point at the same
 * few strings and arrays, which stay in the CPU's cache while a lookup
 * reads hundreds of openings. Read cold, each opening's own copies cost
 * more than the ranking's arithmetic. Frozen: shared by every opening
 * that has it.
 */
function shared<T extends string | readonly string[]>(value: T): T {
  const key = typeof value === 'string' ? `s${value}` : `a${value.join('\u0000')}`;
  const known = sharedValues.get(key);
  if (known !== undefined) return known as T;
  if (sharedValues.size >= SHARED_MAX) sharedValues.clear();
  const kept = typeof value === 'string' ? value : (Object.freeze([...value]) as unknown as T);
  sharedValues.set(key, kept);
  return kept;
}

/** The area prefixes openings are kept under: county (six digits), township (nine), village (twelve). */
const AREA_DIGITS = [6, 9, 12] as const;
/** The keys of an opening's lists by area: every opening, those without a point, those serving the area's people. */
function areaKeys(o: CatalogueOpening): string[] {
  const keys: string[] = o.serves === 'none' ? [] : [`serves ${o.areaCode}`];
  for (const digits of AREA_DIGITS) {
    if (o.areaCode.length < digits) break;
    const prefix = o.areaCode.slice(0, digits);
    keys.push(`all ${prefix}`);
    if (!o.point) keys.push(`no point ${prefix}`);
  }
  return keys;
}

/**
 * What one worker's ranking may read of a catalogue (rankCatalogue in
 * services/matching.ts reads nothing else): the openings with a point in
 * `cells`, those of an area (all, or only those without a point), and those
 * serving an area's people. A catalogue holding just these answers that
 * worker as the whole one does.
 */
export interface CatalogueReach {
  /** Grid cells, as inclusive [first, last] ranges. */
  cells: ReadonlyArray<readonly [number, number]>;
  /** A county, township or village code (6, 9 or 12 digits). */
  area: { prefix: string; withoutPoint: boolean } | null;
  /** An area whose serving openings (elders, children, disabled) may be read. */
  serving: string | null;
}

export class OpeningCatalogue {
  /** The last change applied; -1 before the first read. */
  private seq = -1;
  /** The whole read under way, shared by calls that overlap it (concurrent first requests read once). */
  private building: Promise<void> | null = null;
  private byId = new Map<number, CatalogueOpening>();
  /** Openings with a point, by grid cell. */
  private byCell = new Map<number, Shelf>();
  /** Openings with a point, by a skill they want (NO_SKILL: none) and grid cell (see skillCellKey). */
  private bySkillCell = new Map<number, Shelf>();
  /** A number for each skill code seen, for skillCellKey. */
  private skillNumbers = new Map<string, number>();
  /** By county, township and village: every opening, and those without a point; by area, those serving its people (see areaKeys). */
  private byArea = new Map<string, Shelf>();

  get size() {
    return this.byId.size;
  }

  /** The open openings with a point in a grid cell. */
  inCell(cell: number): Shelf | undefined {
    return this.byCell.get(cell);
  }

  /** The number wantingIn knows a skill by; undefined when no opening wants it. */
  skillNumber(skill: string): number | undefined {
    return this.skillNumbers.get(skill);
  }

  /** The open openings with a point in a grid cell that want a skill (by its skillNumber). */
  wantingIn(skill: number, cell: number): Shelf | undefined {
    return this.bySkillCell.get(skillCellKey(skill, cell));
  }

  /** The open openings with a point in a grid cell that want no skill. */
  wantingNoSkillIn(cell: number): Shelf | undefined {
    return this.bySkillCell.get(skillCellKey(NO_SKILL, cell));
  }

  /** The open openings serving the people of an area (elders, children, disabled), wherever their point. */
  serving(areaCode: string): Shelf | undefined {
    return this.byArea.get(`serves ${areaCode}`);
  }

  /** The open openings of a county, township or village (a code of 6, 9 or 12 digits); `withoutPoint`: only those without a point. */
  inArea(prefix: string, withoutPoint: boolean): Shelf | undefined {
    if (!(AREA_DIGITS as readonly number[]).includes(prefix.length)) throw new Error(`not a county, township or village code: ${prefix}`);
    return this.byArea.get(`${withoutPoint ? 'no point' : 'all'} ${prefix}`);
  }

  private put({ o: row, employerName }: Row) {
    this.drop(row.id);
    if (row.status !== 'open') return;
    const o: CatalogueOpening = {
      id: row.id,
      areaCode: shared(row.areaCode),
      point: pointOf(row.lat, row.lon),
      kind: shared(row.kind),
      serves: shared(row.serves),
      hours: shared(row.hours),
      skills: shared(row.skills) as string[],
      povertyOnly: row.povertyOnly,
      closingDate: row.closingDate === null ? null : shared(row.closingDate),
      classNo: openingClass(row),
      closesDay: row.closingDate === null ? NEVER_CLOSES : dayNumber(row.closingDate),
      json: frozen(toOpeningJson(row, { employerName })),
    };
    this.byId.set(o.id, o);
    if (o.point) {
      const cell = gridCell(o.point);
      addTo(this.byCell, cell, o);
      if (o.skills.length === 0) addTo(this.bySkillCell, skillCellKey(NO_SKILL, cell), o);
      for (const skill of new Set(o.skills)) {
        let n = this.skillNumbers.get(skill);
        if (n === undefined) this.skillNumbers.set(skill, (n = this.skillNumbers.size));
        addTo(this.bySkillCell, skillCellKey(n, cell), o);
      }
    }
    for (const key of areaKeys(o)) addTo(this.byArea, key, o);
  }

  private drop(id: number) {
    const o = this.byId.get(id);
    if (!o) return;
    this.byId.delete(id);
    if (o.point) {
      const cell = gridCell(o.point);
      removeFrom(this.byCell, cell, o);
      if (o.skills.length === 0) removeFrom(this.bySkillCell, skillCellKey(NO_SKILL, cell), o);
      for (const skill of new Set(o.skills)) removeFrom(this.bySkillCell, skillCellKey(this.skillNumbers.get(skill)!, cell), o);
    }
    for (const key of areaKeys(o)) removeFrom(this.byArea, key, o);
  }

  /**
   * Brings the catalogue up to the last change committed before the call.
   * Calls may overlap (requests interleave, on Workers too, where one
   * request must not wait on another's reads): each reads on its own, and
   * what it read is applied only if no call applied a later point of the log
   * meanwhile. Rows are re-read whole, so applying them twice is harmless.
   */
  async sync(db: Db, ends?: LogEnds): Promise<void> {
    const from = this.seq;
    const log = ends ?? (await db.get<LogEnds>(logEnds));
    const hi = log?.hi == null ? 0 : Number(log.hi);
    const lo = log?.lo == null ? null : Number(log.lo);
    if (hi === from) return;
    // Ends the caller read a moment ago can be behind a change another call
    // applied since: only the log read now can say the database went back.
    if (ends && hi < from) return this.sync(db);
    let ids: number[] = [];
    if (from >= 0 && hi > from && !(lo !== null && lo > from + 1)) {
      const changed = prepared(db, 'opening changes after', (d) =>
        d
          .selectDistinct({ id: openingChanges.openingId })
          .from(openingChanges)
          .where(and(gt(openingChanges.seq, sql.placeholder('after')), sql`${openingChanges.seq} <= ${sql.placeholder('upTo')}`))
          .prepare(),
      );
      ids = (await changed.all({ after: from, upTo: hi })).map((r) => r.id);
    }
    // Everything again: the first read, a log pruned past this catalogue, a database that went back.
    const whole = from < 0 || hi < from || (lo !== null && lo > from + 1);
    if (whole) {
      if (this.building) {
        // Another call is reading everything: wait for it, then catch up from where it got.
        await this.building;
        return this.sync(db);
      }
      this.building = this.rebuild(db, from, hi).finally(() => {
        this.building = null;
      });
      return this.building;
    } else {
      const rows: Row[] = [];
      for (let i = 0; i < ids.length; i += PAGE) {
        if (i > 0) await yieldToEventLoop();
        rows.push(...(await this.reread(db, ids.slice(i, i + PAGE))));
      }
      // Another call applied as far or further meanwhile: keep its state.
      if (this.seq !== from && this.seq >= hi) return;
      // Deleted openings have no row: drop every id first.
      for (const id of ids) this.drop(id);
      for (const row of rows) this.put(row);
    }
    this.seq = hi;
  }

  /** Reads everything into a catalogue built aside in slices while this one goes on serving, then taken over at once. */
  private async rebuild(db: Db, from: number, hi: number): Promise<void> {
    const fresh = new OpeningCatalogue();
    for await (const page of this.readAll(db)) {
      for (const row of page) fresh.put(row);
      await yieldToEventLoop();
    }
    if (this.seq !== from && this.seq >= hi) return;
    this.byId = fresh.byId;
    this.byCell = fresh.byCell;
    this.bySkillCell = fresh.bySkillCell;
    this.skillNumbers = fresh.skillNumbers;
    this.byArea = fresh.byArea;
    this.seq = hi;
  }

  /**
   * A catalogue of only the open openings within `reach`, as of now, read in
   * one statement (grid cells by openings_status_cell_idx, areas by
   * openings_area_idx): for one worker's ranking, never kept or synced.
   */
  static async narrowed(db: Db, reach: CatalogueReach): Promise<OpeningCatalogue> {
    const query = prepared(db, 'open openings within a reach, with employer names', (d) =>
      withEmployer(
        d,
        sql`${openings.id} IN (
          SELECT o.id FROM json_each(${sql.placeholder('cells')}) AS cells CROSS JOIN ${openings} AS o
            WHERE o.status = 'open' AND o.cell BETWEEN json_extract(cells.value, '$[0]') AND json_extract(cells.value, '$[1]')
          UNION SELECT o.id FROM ${openings} AS o
            WHERE ${sql.placeholder('area')} IS NOT NULL AND o.area_code >= ${sql.placeholder('area')} AND o.area_code < ${sql.placeholder('areaEnd')}
              AND o.status = 'open' AND (${sql.placeholder('withoutPoint')} = 0 OR o.lat IS NULL OR o.lon IS NULL)
          UNION SELECT o.id FROM ${openings} AS o
            WHERE o.area_code = ${sql.placeholder('serving')} AND o.status = 'open' AND o.serves <> 'none')`,
      ).prepare(),
    );
    const rows = await query.all({
      cells: JSON.stringify(reach.cells),
      area: reach.area?.prefix ?? null,
      // Every code that starts with the prefix sorts before the prefix and ':' (codes are digits).
      areaEnd: reach.area ? `${reach.area.prefix}:` : null,
      withoutPoint: reach.area?.withoutPoint ? 1 : 0,
      serving: reach.serving,
    });
    const catalogue = new OpeningCatalogue();
    for (const row of rows) catalogue.put(row);
    return catalogue;
  }

  /** Every open opening, a page at a time. */
  private async *readAll(db: Db): AsyncGenerator<Row[]> {
    const page = prepared(db, 'open openings with employer names, a page', (d) =>
      withEmployer(d, and(eq(openings.status, 'open'), gt(openings.id, sql.placeholder('after')))!)
        .orderBy(openings.id)
        .limit(PAGE)
        .prepare(),
    );
    for (let after = 0; ; ) {
      const got = await page.all({ after });
      yield got;
      if (got.length < PAGE) break;
      after = got[got.length - 1]!.o.id;
    }
  }

  private async reread(db: Db, ids: number[]): Promise<Row[]> {
    const byIds = prepared(db, 'openings with employer names by ids', (d) =>
      // One JSON parameter for any number of ids (D1 binds at most 100).
      withEmployer(d, sql`${openings.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`).prepare(),
    );
    return byIds.all({ ids: JSON.stringify(ids) });
  }
}

/** The change log's last and first numbers (null when it is empty), as logEndColumns reads them. */
export type LogEnds = { hi: number | null; lo: number | null };

/** The log's last and first numbers as two columns, each a lookup at an end of its key: for a statement that reads them beside its own. */
export const logEndColumns = {
  hi: sql<number | null>`(SELECT max(${openingChanges.seq}) FROM ${openingChanges})`,
  lo: sql<number | null>`(SELECT min(${openingChanges.seq}) FROM ${openingChanges})`,
};
const logEnds = sql`SELECT ${logEndColumns.hi} AS hi, ${logEndColumns.lo} AS lo`;

const catalogues = new WeakMap<Db, OpeningCatalogue>();

/** Handles whose catalogue is read in the background, and how that first read went. */
const warming = new WeakMap<Db, { read: Promise<void>; done: boolean; failed: boolean }>();

/**
 * Marks the handle as one that answers before its catalogue is warm, and
 * starts the catalogue's first whole read (once per handle, in slices;
 * after a failure, again at the next call): hand the promise to the
 * runtime's waitUntil. Until it completes, catalogueIfWarm answers null.
 */
export function warmInBackground(db: Db): Promise<void> {
  let state = warming.get(db);
  if (!state || state.failed) {
    const entry = { read: Promise.resolve(), done: false, failed: false };
    entry.read = openingCatalogue(db).then(
      () => {
        entry.done = true;
      },
      (err: unknown) => {
        entry.failed = true;
        throw err;
      },
    );
    warming.set(db, (state = entry));
  }
  return state.read;
}

/** Marks the handle as one that never holds the catalogue: catalogueIfWarm answers null, the matcher reads narrowed catalogues. */
export function keepNarrowed(db: Db): void {
  warming.set(db, { read: Promise.resolve(), done: false, failed: false });
}

/** The database's catalogue brought up to date, or null while a handle marked by warmInBackground has not read it whole yet (or one marked by keepNarrowed). */
export async function catalogueIfWarm(db: Db, ends?: LogEnds): Promise<OpeningCatalogue | null> {
  const state = warming.get(db);
  if (state && !state.done) return null;
  return openingCatalogue(db, ends);
}

/**
 * The database's catalogue of open openings, brought up to date: to the
 * log's `ends` when the caller read them (logEndColumns) in the statement
 * it had to make anyway, else to the ends read now.
 */
export async function openingCatalogue(db: Db, ends?: LogEnds): Promise<OpeningCatalogue> {
  let catalogue = catalogues.get(db);
  if (!catalogue) {
    catalogue = new OpeningCatalogue();
    catalogues.set(db, catalogue);
  }
  await catalogue.sync(db, ends);
  return catalogue;
}

/** The scheduled clocks keep the log short: the last CHANGES_KEPT changes. */
export async function pruneOpeningChanges(db: Db): Promise<number> {
  const res = await db.run(
    sql`DELETE FROM ${openingChanges} WHERE ${openingChanges.seq} <= (SELECT max(${openingChanges.seq}) FROM ${openingChanges}) - ${CHANGES_KEPT}`,
  );
  return rowsAffected(res);
}
