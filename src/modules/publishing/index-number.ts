import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { getSetting, nextSequence } from './publishing.repository.js';

export const DEFAULT_INDEX_PATTERN = '{org}-{column}-{year}-{seq:5}';
export const INDEX_PATTERN_SETTING = 'index_number_pattern';

/** Renders an index-number pattern; `{seq:N}` is left in place for the sequence. */
export function renderPattern(pattern: string, parts: { org: string; column: string; year: number }): string {
  return pattern.replace('{org}', parts.org).replace('{column}', parts.column).replace('{year}', String(parts.year));
}

/**
 * Allocates the next index number (索引号) for an item: unique (one sequence per rendered prefix, advanced
 * atomically) and stable (allocated once, when the item is created).
 */
export async function allocateIndexNumber(
  trx: Kysely<Database>,
  parts: { org: string; column: string; year: number },
): Promise<string> {
  const pattern = (await getSetting(trx, INDEX_PATTERN_SETTING)) ?? DEFAULT_INDEX_PATTERN;
  const rendered = renderPattern(pattern, parts);
  const m = rendered.match(/\{seq(?::(\d+))?\}/);
  const key = m ? rendered.replace(m[0], '#') : `${rendered}-#`;
  const n = await nextSequence(trx, key);
  const width = m?.[1] ? Number(m[1]) : 5;
  const seq = String(n).padStart(width, '0');
  return m ? rendered.replace(m[0], seq) : `${rendered}-${seq}`;
}
