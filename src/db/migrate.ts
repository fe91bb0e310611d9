import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/20261125_0001_platform.js';
import * as m0002 from './migrations/20261125_0002_disclosure.js';
import * as m0005 from './migrations/20261126_0005_perf.js';

// Migrations are listed here, in order, so they load the same under tsx, a bundle or a test runner.
export const migrations: Record<string, Migration> = {
  '20261125_0001_platform': m0001,
  '20261125_0002_disclosure': m0002,
  '20261126_0005_perf': m0005,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message = `migration ${failed?.migrationName ?? '?'} failed: ${e.message}`;
    throw e;
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
