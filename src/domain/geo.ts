// Great-circle distance and the bounding box that narrows candidates before it.
export interface Point {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_KM = 6371.0088;
/** Km along a meridian per degree of latitude (and along the equator per degree of longitude). */
export const KM_PER_DEGREE = (EARTH_RADIUS_KM * Math.PI) / 180;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** The point stored as two nullable columns, or null when either is missing. */
export function pointOf(lat: number | null | undefined, lon: number | null | undefined): Point | null {
  return lat != null && lon != null ? { lat: Number(lat), lon: Number(lon) } : null;
}

/** Haversine distance in km: the exact rule that decides "within reach". */
export const distanceKm = (a: Point, b: Point): number => distanceKmTo(a, b.lat, b.lon);

/** distanceKm to a point given by its two numbers (as a packed list keeps them, without a Point). */
export function distanceKmTo(a: Point, lat: number, lon: number): number {
  const dLat = rad(lat - a.lat);
  const dLon = rad(lon - a.lon);
  const s =
    Math.sin(dLat / 2) * Math.sin(dLat / 2) +
    Math.cos(rad(a.lat)) * Math.cos(rad(lat)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

export interface Box {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** A box that contains every point within radiusKm of p (slightly generous). */
export function boundingBox(p: Point, radiusKm: number): Box {
  const dLat = (radiusKm / EARTH_RADIUS_KM) * (180 / Math.PI) * 1.001;
  const cosLat = Math.max(0.01, Math.cos(rad(Math.min(89.9, Math.abs(p.lat) + dLat))));
  const dLon = Math.min(180, dLat / cosLat);
  return { minLat: p.lat - dLat, maxLat: p.lat + dLat, minLon: p.lon - dLon, maxLon: p.lon + dLon };
}

export const roundKm = (km: number) => Math.round(km * 100) / 100;
