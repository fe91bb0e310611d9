import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

// The few queries of the import beyond the publishing repository's: index numbers already taken, and keeping
// the index-number sequences ahead of the numbers agencies bring with them.

const CHUNK = 500;

async function chunked<T>(values: string[], run: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(...(await run(values.slice(i, i + CHUNK))));
  return out;
}

/** Which of these index numbers some item already has. */
export async function takenIndexNumbers(db: Kysely<Database>, numbers: string[]) {
  const rows = await chunked(numbers, (chunk) =>
    db.selectFrom('items').select('index_number').where('index_number', 'in', chunk).execute(),
  );
  return new Set(rows.map((r) => r.index_number));
}

/** Moves a sequence so its next value is at least `next` (never backwards), on both engines. */
export async function advanceSequence(db: Kysely<Database>, key: string, next: number) {
  await db
    .insertInto('index_sequences')
    .values({ key, next_value: next })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        next_value: sql`case when index_sequences.next_value > ${next} then index_sequences.next_value else ${next} end`,
      }),
    )
    .execute();
}
