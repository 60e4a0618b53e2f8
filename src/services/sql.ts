// Small query pieces shared by services on both drivers.
import { and, gte, lt, type SQL, sql, type AnyColumn } from 'drizzle-orm';

/**
 * "Code starts with prefix" as a range, so the index on the column is used
 * (area codes are digits; ':' sorts just after '9').
 */
export function areaPrefix(column: AnyColumn, prefix: string): SQL | undefined {
  if (!prefix) return undefined;
  return and(gte(column, prefix), lt(column, `${prefix}:`));
}

/** The column contains `text` (case-insensitive for ASCII), with LIKE's wildcards taken literally. */
export function containsText(column: AnyColumn | SQL, text: string): SQL {
  const pattern = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  return sql`${column} LIKE ${pattern} ESCAPE '\\'`;
}
