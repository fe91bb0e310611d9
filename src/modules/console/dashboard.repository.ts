import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export async function dashboardCounts(db: Kysely<Database>) {
  const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
  const [organizations, users, failedJobs, pendingMail] = await Promise.all([
    count(
      db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('active', '=', 1)
        .executeTakeFirst(),
    ),
    count(
      db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('active', '=', 1)
        .executeTakeFirst(),
    ),
    count(
      db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'failed')
        .executeTakeFirst(),
    ),
    count(
      db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'sending'])
        .executeTakeFirst(),
    ),
  ]);
  return { organizations, users, failedJobs, pendingMail };
}
