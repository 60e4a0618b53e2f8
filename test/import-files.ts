// Provincial export files for tests that import at scale: households keyed
// `<prefix>H…` in real villages of Honghe, people keyed `<prefix>P…`, as CSV.
import { readFileSync } from 'node:fs';
import { toCsv } from '../src/lib/csv.js';

type AreaRow = { code: string; level: string };
const villages = (JSON.parse(readFileSync(new URL('../db/seed/areas.json', import.meta.url), 'utf8')) as AreaRow[])
  .filter((a) => a.level === 'village' && a.code.startsWith('5325'))
  .map((a) => a.code);

export const householdKey = (prefix: string, i: number) => `${prefix}H${String(i).padStart(7, '0')}`;
export const workerKey = (prefix: string, i: number) => `${prefix}P${String(i).padStart(8, '0')}`;

export function householdsCsv(prefix: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => [householdKey(prefix, i), villages[i % villages.length]!, i % 4 === 0 ? '是' : '否', '否']);
  return toCsv(['户编号', '区划代码', '是否脱贫户', '是否监测对象'], rows);
}

/** `n` people over `households` households (imported before). */
export function workersCsv(prefix: string, n: number, households: number): string {
  const rows = Array.from({ length: n }, (_, i) => [workerKey(prefix, i), householdKey(prefix, i % households), `工人${i}`, `139${String(i).padStart(8, '0')}`, '是', '否', i % 3 === 0 ? '缝纫' : '']);
  return toCsv(['人员编号', '户编号', '姓名', '联系电话', '是否有劳动能力', '是否无法离乡', '技能'], rows);
}
