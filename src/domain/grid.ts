// The coarse grid that lets an index narrow "near this point" before the exact
// haversine decides, and the reach bands that keep a 5 km worker out of a
// 25 km search. The database computes both as generated columns (db/schema.ts:
// workers.cell, workers.reach_band, openings.cell) with the same formulas, so
// every writer of lat/lon or maxDistanceKm keeps them right without trying.
import type { Box, Point } from './geo.js';

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
 * rows or k columns away from the point's cell (ring 0 is that cell), so
 * every point of ring k is at least k - 1 cells away. `rings` is how many
 * rings it takes to cover the box.
 */
export function gridRings(p: Point, box: Box): { rings: number; ring: (k: number) => number[] } {
  const r0 = gridRow(p.lat);
  const c0 = gridCol(p.lon);
  const rLo = gridRow(Math.max(-90, box.minLat));
  const rHi = gridRow(Math.min(90, box.maxLat));
  // Columns unwrapped here (a box across the antimeridian runs past either end), wrapped in the cell number.
  const cLo = gridCol(box.minLon);
  const cHi = gridCol(box.maxLon);
  const cell = (r: number, c: number) => r * ROW_STRIDE + (((c % COLUMNS) + COLUMNS) % COLUMNS);
  const ring = (k: number) => {
    const out: number[] = [];
    const add = (r: number, c: number) => {
      if (r >= rLo && r <= rHi && c >= cLo && c <= cHi) out.push(cell(r, c));
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
  return { rings: Math.max(r0 - rLo, rHi - r0, c0 - cLo, cHi - c0) + 1, ring };
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
