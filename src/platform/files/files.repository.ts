import type { Kysely, Selectable } from 'kysely';
import type { Database, FileTable } from '../../db/schema.js';

// All SQL for the content-addressed file store (table `files`) and the question the public file route
// asks of item attachments.

export type FileRow = Selectable<FileTable>;

/**
 * Records a stored content once. `on conflict do nothing` makes two uploads of the same bytes, even at the
 * same moment on two servers, end with one row; the first upload's type is kept.
 */
export async function insertFileIfAbsent(db: Kysely<Database>, row: FileRow): Promise<void> {
  await db
    .insertInto('files')
    .values(row)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

export function findFile(db: Kysely<Database>, sha256: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('sha256', '=', sha256).executeTakeFirst();
}

/** True when an attachment of a published, not withdrawn item uses this content. */
export async function isPubliclyReferenced(db: Kysely<Database>, sha256: string): Promise<boolean> {
  // A file of an item's current public version; not the draft's working copy (item_attachments), whose new
  // files stay private until that draft is published.
  const row = await db
    .selectFrom('published_files as pf')
    .innerJoin('items', 'items.id', 'pf.item_id')
    .select('items.id')
    .where('pf.file_sha256', '=', sha256)
    .where('items.published_version', '>', 0)
    // Items withdrawn as superseded or outdated stay readable under a banner, attachments included;
    // only what was published in error disappears.
    .where((eb) => eb.or([eb('items.withdrawn', '=', 0), eb('items.withdrawal_reason', '!=', 'error')]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
