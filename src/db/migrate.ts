import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './database.js';
import * as m0001 from './migrations/20261125_0001_platform.js';
import * as m0002 from './migrations/20261125_0002_disclosure.js';
import * as m0003 from './migrations/20261126_0003_requests.js';
import * as m0004 from './migrations/20261126_0004_policies.js';
import * as m0005 from './migrations/20261126_0005_perf.js';
import * as m0006 from './migrations/20261126_0006_letters.js';
import * as m0007 from './migrations/20261126_0007_mail_headers_indexes.js';
import * as m0009 from './migrations/20261127_0009_policies_gaps.js';
import * as m0010 from './migrations/20261127_0010_import_bulk.js';
import * as m0011 from './migrations/20261127_0011_search_titles.js';
import * as m0012 from './migrations/20261127_0012_partial_item_indexes.js';
import * as m0013 from './migrations/20261127_0013_request_submission.js';
import * as m0014 from './migrations/20261127_0014_pg_search_filter_lexemes.js';
import * as m0015 from './migrations/20261127_0015_item_body_in_version.js';
import * as m0016 from './migrations/20261127_0016_staged_policy_changes.js';

// Migrations are listed here, in order, so they load the same under tsx, a bundle or a test runner.
export const migrations: Record<string, Migration> = {
  '20261125_0001_platform': m0001,
  '20261125_0002_disclosure': m0002,
  '20261126_0003_requests': m0003,
  '20261126_0004_policies': m0004,
  '20261126_0005_perf': m0005,
  '20261126_0006_letters': m0006,
  '20261126_0007_mail_headers_indexes': m0007,
  '20261127_0009_policies_gaps': m0009,
  '20261127_0010_import_bulk': m0010,
  '20261127_0011_search_titles': m0011,
  '20261127_0012_partial_item_indexes': m0012,
  '20261127_0013_request_submission': m0013,
  '20261127_0014_pg_search_filter_lexemes': m0014,
  '20261127_0015_item_body_in_version': m0015,
  '20261127_0016_staged_policy_changes': m0016,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Features are developed side by side, each with its own migration file: a database that already ran a later
  // file still gets an earlier one merged afterwards (each file only adds its own tables and columns).
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message = `migration ${failed?.migrationName ?? '?'} failed: ${e.message}`;
    throw e;
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
