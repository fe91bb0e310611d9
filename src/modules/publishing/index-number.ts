import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { getSetting, nextSequence, takeSequences } from './publishing.repository.js';

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

/**
 * Allocates index numbers for many items at once: one sequence update per distinct (organization, column,
 * year) — `next_value + n`, atomic like nextSequence — and the numbers of each group handed out in order.
 * Returns the numbers in the order of `parts`.
 */
export async function allocateIndexNumbers(
  trx: Kysely<Database>,
  parts: readonly { org: string; column: string; year: number }[],
): Promise<string[]> {
  const pattern = (await getSetting(trx, INDEX_PATTERN_SETTING)) ?? DEFAULT_INDEX_PATTERN;
  const groups = new Map<string, { rendered: string; m: RegExpMatchArray | null; at: number[] }>();
  parts.forEach((p, i) => {
    const rendered = renderPattern(pattern, p);
    const m = rendered.match(/\{seq(?::(\d+))?\}/);
    const key = m ? rendered.replace(m[0], '#') : `${rendered}-#`;
    const g = groups.get(key) ?? { rendered, m, at: [] };
    g.at.push(i);
    groups.set(key, g);
  });
  const out = new Array<string>(parts.length);
  const firsts = await takeSequences(
    trx,
    [...groups].map(([key, g]) => ({ key, n: g.at.length })),
  );
  for (const [key, g] of groups) {
    const first = firsts.get(key) as number;
    const width = g.m?.[1] ? Number(g.m[1]) : 5;
    g.at.forEach((i, k) => {
      const seq = String(first + k).padStart(width, '0');
      out[i] = g.m ? g.rendered.replace(g.m[0], seq) : `${g.rendered}-${seq}`;
    });
  }
  return out;
}
