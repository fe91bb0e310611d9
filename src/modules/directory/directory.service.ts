import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { sanitizeBody } from '../../platform/html/sanitize.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import { clearPageCache } from '../../platform/http/portal.js';
import { orgTree } from '../organizations/organizations.service.js';
import * as repo from './directory.repository.js';
import { columnInput } from './directory.schema.js';
import { COLUMN_KINDS, type ColumnKind, STANDARD_DIRECTORY, type StandardColumn } from './directory.standard.js';

export interface Column {
  id: number;
  organizationId: number;
  parentId: number | null;
  code: string;
  slug: string;
  name: string;
  kind: ColumnKind;
  description: string;
  staticHtml: string;
  standardKey: string | null;
  sortOrder: number;
  retired: boolean;
}

export interface Directory {
  organizationId: number;
  all: Column[];
  byId: Map<number, Column>;
  bySlug: Map<string, Column>;
  children(parentId: number | null): Column[];
  /** The column and its ancestors, root first (for breadcrumbs). */
  path(id: number): Column[];
}

function toColumn(r: repo.ColumnRow): Column {
  return {
    id: r.id,
    organizationId: r.organization_id,
    parentId: r.parent_id,
    code: r.code,
    slug: r.slug,
    name: r.name,
    kind: r.kind as ColumnKind,
    description: r.description,
    staticHtml: r.static_html,
    standardKey: r.standard_key,
    sortOrder: r.sort_order,
    retired: r.retired === 1,
  };
}

function buildDirectory(organizationId: number, all: Column[]): Directory {
  const byId = new Map(all.map((c) => [c.id, c]));
  const kids = new Map<number | null, Column[]>();
  for (const c of all) {
    const k = c.parentId && byId.has(c.parentId) ? c.parentId : null;
    kids.set(k, [...(kids.get(k) ?? []), c]);
  }
  return {
    organizationId,
    all,
    byId,
    bySlug: new Map(all.map((c) => [c.slug, c])),
    children: (p) => kids.get(p) ?? [],
    path: (id) => {
      const out: Column[] = [];
      let cur = byId.get(id);
      while (cur && !out.includes(cur)) {
        out.unshift(cur);
        cur = cur.parentId ? byId.get(cur.parentId) : undefined;
      }
      return out;
    },
  };
}

// Directories are read on every public page of an agency; kept per process (and per database) for a few
// seconds, and dropped at once after this process's own writes.
const cache = new WeakMap<object, Map<number, { at: number; dir: Directory }>>();
const allCaches = new Set<Map<number, { at: number; dir: Directory }>>();
const TTL_MS = 5000;

/** The organization's directory (all columns, retired ones too). */
export async function directoryOf(deps: Pick<Deps, 'db'>, organizationId: number): Promise<Directory> {
  let perDb = cache.get(deps.db);
  if (!perDb) {
    perDb = new Map();
    cache.set(deps.db, perDb);
    allCaches.add(perDb);
  }
  const hit = perDb.get(organizationId);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.dir;
  const dir = buildDirectory(organizationId, (await repo.listColumns(deps.db.kysely, organizationId)).map(toColumn));
  perDb.set(organizationId, { at: Date.now(), dir });
  return dir;
}

export function invalidateDirectory(organizationId?: number) {
  for (const m of allCaches) {
    if (organizationId === undefined) m.clear();
    else m.delete(organizationId);
  }
}

/** Creates the standard directory for an organization that has no columns yet (inside the caller's transaction). */
export async function ensureStandardDirectory(
  trx: Kysely<Database>,
  organizationId: number,
  now: Date,
): Promise<number> {
  const existing = await repo.listColumns(trx, organizationId);
  if (existing.length > 0) return 0;
  let n = 0;
  const ts = now.toISOString();
  const add = async (c: StandardColumn, parentId: number | null, order: number) => {
    const id = await repo.insertColumn(trx, {
      organization_id: organizationId,
      parent_id: parentId,
      code: c.code,
      slug: c.slug,
      name: c.name,
      kind: c.kind,
      description: c.description ?? '',
      static_html: '',
      standard_key: c.key,
      sort_order: order,
      retired: 0,
      retired_at: null,
      created_at: ts,
      updated_at: ts,
    });
    n++;
    for (const [i, ch] of (c.children ?? []).entries()) await add(ch, id, (i + 1) * 10);
  };
  for (const [i, c] of STANDARD_DIRECTORY.entries()) await add(c, null, (i + 1) * 10);
  invalidateDirectory(organizationId);
  return n;
}

async function assertCanManage(deps: Deps, principal: Principal, organizationId: number) {
  const tree = await orgTree(deps);
  if (!tree.byId.has(organizationId)) throw new NotFoundError('机构不存在。');
  if (!can(principal, 'column.manage', tree.chain(organizationId)))
    throw new ForbiddenError('您无权管理该机构的栏目。');
}

async function validate(
  deps: Deps,
  organizationId: number,
  input: ReturnType<typeof columnInput.parse>,
  exceptId?: number,
) {
  const k = deps.db.kysely;
  const errors: Record<string, string> = {};
  if (await repo.taken(k, organizationId, 'slug', input.slug, exceptId)) errors.slug = '该网址标识在本机构已被使用。';
  if (await repo.taken(k, organizationId, 'code', input.code, exceptId)) errors.code = '该栏目代码在本机构已被使用。';
  if (input.parent_id !== null) {
    const dir = await directoryOf(deps, organizationId);
    const parent = dir.byId.get(input.parent_id);
    if (!parent) errors.parent_id = '上级栏目不存在。';
    else if (exceptId !== undefined && dir.path(parent.id).some((c) => c.id === exceptId))
      errors.parent_id = '不能把栏目移到它自己或它的下级栏目之下。';
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

/** Adds a column to an organization's directory; audited. */
export async function createColumn(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  organizationId: number,
  raw: unknown,
): Promise<number> {
  await assertCanManage(deps, principal, organizationId);
  const input = parseOrThrow(columnInput, raw);
  await validate(deps, organizationId, input);
  const now = deps.clock();
  const id = await deps.db.kysely.transaction().execute(async (trx) => {
    const row = {
      organization_id: organizationId,
      parent_id: input.parent_id,
      code: input.code,
      slug: input.slug,
      name: input.name,
      kind: input.kind,
      description: input.description,
      static_html: sanitizeBody(input.static_html),
      standard_key: null,
      sort_order: input.sort_order,
      retired: 0,
      retired_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    const newId = await repo.insertColumn(trx, row);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'column.create',
        entityType: 'column',
        entityId: newId,
        organizationId,
        summary: `新增栏目：${input.name}`,
        after: row,
      },
      now,
    );
    return newId;
  });
  invalidateDirectory(organizationId);
  clearPageCache();
  return id;
}

/** Renames, moves, reorders or re-describes a column; its URLs keep answering if the slug is kept. */
export async function updateColumn(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  columnId: number,
  raw: unknown,
): Promise<void> {
  const before = await repo.findColumn(deps.db.kysely, columnId);
  if (!before) throw new NotFoundError('栏目不存在。');
  await assertCanManage(deps, principal, before.organization_id);
  const input = parseOrThrow(columnInput, raw);
  await validate(deps, before.organization_id, input, columnId);
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const patch = {
      parent_id: input.parent_id,
      code: input.code,
      slug: input.slug,
      name: input.name,
      kind: input.kind,
      description: input.description,
      static_html: sanitizeBody(input.static_html),
      sort_order: input.sort_order,
      updated_at: now.toISOString(),
    };
    await repo.updateColumn(trx, columnId, patch);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'column.update',
        entityType: 'column',
        entityId: columnId,
        organizationId: before.organization_id,
        summary: `修改栏目：${input.name}`,
        before,
        after: patch,
      },
      now,
    );
  });
  invalidateDirectory(before.organization_id);
  clearPageCache();
}

/** Retires (or restores) a column: it leaves the navigation, but its pages and items keep answering. */
export async function setColumnRetired(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  columnId: number,
  retired: boolean,
): Promise<void> {
  const before = await repo.findColumn(deps.db.kysely, columnId);
  if (!before) throw new NotFoundError('栏目不存在。');
  await assertCanManage(deps, principal, before.organization_id);
  const now = deps.clock();
  await deps.db.kysely.transaction().execute(async (trx) => {
    await repo.updateColumn(trx, columnId, {
      retired: retired ? 1 : 0,
      retired_at: retired ? now.toISOString() : null,
      updated_at: now.toISOString(),
    });
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: retired ? 'column.retire' : 'column.restore',
        entityType: 'column',
        entityId: columnId,
        organizationId: before.organization_id,
        summary: `${retired ? '停用' : '恢复'}栏目：${before.name}`,
        before: { retired: before.retired },
        after: { retired: retired ? 1 : 0 },
      },
      now,
    );
  });
  invalidateDirectory(before.organization_id);
  clearPageCache();
}

export interface Freshness {
  /** Days allowed between updates for the column's kind; null when the kind has no freshness rule. */
  limitDays: number | null;
  lastPublished: string | null;
  stale: boolean;
  empty: boolean;
}

/** Whether a column is kept fresh enough for its kind (website inspection indicators, 2019). */
export function freshness(kind: ColumnKind, lastPublished: string | null, now: Date): Freshness {
  const limit = COLUMN_KINDS[kind].freshnessDays;
  const empty = lastPublished === null;
  const stale = limit !== null && (empty || now.getTime() - Date.parse(lastPublished!) > limit * 86_400_000);
  return { limitDays: limit, lastPublished, stale, empty };
}

/** Each column of an organization with its freshness (for the console's directory page). */
export async function directoryHealth(deps: Deps, organizationId: number) {
  const dir = await directoryOf(deps, organizationId);
  const last = new Map(
    (await repo.lastPublishedPerColumn(deps.db.kysely, organizationId)).map((r) => [
      r.column_id,
      { last: r.last as string | null, n: Number(r.n) },
    ]),
  );
  const now = deps.clock();
  return dir.all.map((c) => ({
    column: c,
    count: last.get(c.id)?.n ?? 0,
    ...freshness(c.kind, last.get(c.id)?.last ?? null, now),
  }));
}
