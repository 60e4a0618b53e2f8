// The coarse grid that lets an index narrow "near this point" before the exact
// haversine decides, and the reach bands that keep a 5 km worker out of a
// 25 km search. The database computes both as generated columns (db/schema.ts:
// workers.cell, workers.reach_band, openings.cell) with the same formulas, so
// every writer of lat/lon or maxDistanceKm keeps them right without trying.
import { type Box, KM_PER_DEGREE, type Point } from './geo.js';

/** Cells per degree of latitude and of longitude: 1/50 degree, about 2.2 km. */
export const CELLS_PER_DEGREE = 50;
/** A cell number is row * ROW_STRIDE + column. */
export const ROW_STRIDE = 100_000;

const gridRow = (lat: number) => Math.floor((lat + 90) * CELLS_PER_DEGREE);
const gridCol = (lon: number) => Math.floor((lon + 180) * CELLS_PER_DEGREE);

/** The cell of a point: the formula of the generated `cell` columns. */
export const gridCell = (p: Point) => gridRow(p.lat) * ROW_STRIDE + gridCol(p.lon);

/**
 * The cells covering a box, as one inclusive [first, last] range per grid row
 * (cells of a row are consecutive numbers). A box wider than half the globe
 * answers null: scan without a cell condition.
 */
export function cellRanges(box: Box): Array<[number, number]> | null {
  if (box.maxLon - box.minLon >= 180 || box.maxLat - box.minLat >= 90) return null;
  const r0 = gridRow(Math.max(-90, box.minLat));
  const r1 = gridRow(Math.min(90, box.maxLat));
  const ranges: Array<[number, number]> = [];
  // A box across the antimeridian splits into two column spans.
  const spans: Array<[number, number]> =
    box.minLon < -180
      ? [[gridCol(box.minLon + 360), gridCol(180)], [gridCol(-180), gridCol(box.maxLon)]]
      : box.maxLon > 180
        ? [[gridCol(box.minLon), gridCol(180)], [gridCol(-180), gridCol(box.maxLon - 360)]]
        : [[gridCol(box.minLon), gridCol(box.maxLon)]];
  for (let r = r0; r <= r1; r++) {
    for (const [c0, c1] of spans) ranges.push([r * ROW_STRIDE + c0, r * ROW_STRIDE + c1]);
  }
  return ranges;
}

/** Grid columns around the globe: column numbers wrap at the antimeridian. */
const COLUMNS = 360 * CELLS_PER_DEGREE;

/**
 * The grid around a point, within a box, in rings: ring k holds the cells k
 * rows or k columns away from the point's cell (ring 0 is that cell). `rings`
 * is how many rings it takes to cover the box; `ringMinKm(k)` is at most the
 * km from the point to any point of ring k (k - 1 cells, in rows or in
 * columns at the box's widest latitude, with 1% to spare).
 */
export function gridRings(p: Point, box: Box): { rings: number; ring: (k: number) => number[]; ringMinKm: (k: number) => number } {
  const r0 = gridRow(p.lat);
  const c0 = gridCol(p.lon);
  const rLo = gridRow(Math.max(-90, box.minLat));
  const rHi = gridRow(Math.min(90, box.maxLat));
  // Columns unwrapped here (a box across the antimeridian runs past either end), wrapped in the cell number.
  const cLo = gridCol(box.minLon);
  const cHi = gridCol(box.maxLon);
  const ring = (k: number) => {
    const out: number[] = [];
    const add = (r: number, c: number) => {
      if (r < rLo || r > rHi || c < cLo || c > cHi) return;
      const wrapped = ((c % COLUMNS) + COLUMNS) % COLUMNS;
      out.push(r * ROW_STRIDE + wrapped);
      // A point at longitude 180 exactly has the column past the last (as in cellRanges).
      if (wrapped === 0) out.push(r * ROW_STRIDE + COLUMNS);
    };
    if (k === 0) add(r0, c0);
    for (let c = c0 - k; k > 0 && c <= c0 + k; c++) {
      add(r0 - k, c);
      add(r0 + k, c);
    }
    for (let r = r0 - k + 1; k > 0 && r <= r0 + k - 1; r++) {
      add(r, c0 - k);
      add(r, c0 + k);
    }
    return out;
  };
  const widest = Math.min(89.9, Math.max(Math.abs(box.minLat), Math.abs(box.maxLat)));
  const cellKm = (KM_PER_DEGREE / CELLS_PER_DEGREE) * Math.cos((widest * Math.PI) / 180);
  return {
    rings: Math.max(r0 - rLo, rHi - r0, c0 - cLo, cHi - c0) + 1,
    ring,
    ringMinKm: (k) => (Math.max(0, k - 1) * cellKm) / 1.01,
  };
}

/**
 * At most the km from `p` to any point of a grid cell: the gaps in latitude
 * and longitude (the longitude one at the widest latitude, across the
 * antimeridian too), flat, with 1% to spare, so it never exceeds the
 * haversine of any point in the cell.
 */
export function cellMinKm(p: Point, cell: number): number {
  const row = Math.floor(cell / ROW_STRIDE);
  const col = cell - row * ROW_STRIDE;
  const lat0 = row / CELLS_PER_DEGREE - 90;
  const lat1 = lat0 + 1 / CELLS_PER_DEGREE;
  const lonMid = (col + 0.5) / CELLS_PER_DEGREE - 180;
  const dLat = Math.max(0, lat0 - p.lat, p.lat - lat1);
  const around = Math.abs(p.lon - lonMid) % 360;
  const dLon = Math.max(0, Math.min(around, 360 - around) - 0.5 / CELLS_PER_DEGREE);
  const widest = Math.min(89.9, Math.max(Math.abs(p.lat), Math.abs(lat0), Math.abs(lat1)));
  const x = dLon * KM_PER_DEGREE * Math.cos((widest * Math.PI) / 180);
  const y = dLat * KM_PER_DEGREE;
  return Math.sqrt(x * x + y * y) / 1.01;
}

/**
 * Upper bound (km) of each reach band: a worker is in the first band whose
 * bound is at least their maxDistanceKm; the last band has no bound. Must
 * stay the CASE of the generated `workers.reach_band` column.
 */
export const REACH_BAND_KM = [5, 10, 25, 50, 100, Infinity] as const;

export function reachBand(maxDistanceKm: number): number {
  const i = REACH_BAND_KM.findIndex((bound) => maxDistanceKm <= bound);
  return i === -1 ? REACH_BAND_KM.length - 1 : i;
}
