// Transfer scope (转移就业) of a placement: where the work is against the
// worker's home, by area code. A bureau's in-province transfers are every
// scope but out_of_province.
import { transferScopes } from '../../db/schema.js';

export type TransferScope = (typeof transferScopes)[number];

/**
 * Codes nest: 2 digits province, 4 prefecture, 6 county, 9 township, 12 village.
 * A place known only to a coarser level than the home counts at that level:
 * work somewhere in the home county, township unknown, is `county`.
 */
export function transferScope(homeArea: string, placeArea: string): TransferScope {
  if (placeArea.slice(0, 2) !== homeArea.slice(0, 2)) return 'out_of_province';
  if (homeArea.length >= 9 && placeArea.length >= 9 && placeArea.slice(0, 9) === homeArea.slice(0, 9)) return 'township';
  if (homeArea.length >= 6 && placeArea.length >= 6 && placeArea.slice(0, 6) === homeArea.slice(0, 6)) return 'county';
  return 'province';
}

export const inProvince = (scope: TransferScope) => scope !== 'out_of_province';
export { transferScopes };
