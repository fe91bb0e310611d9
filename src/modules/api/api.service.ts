import { z } from 'zod';
import { decodeCursor, encodeCursor, latest } from '../../platform/api/http.js';
import type { ApiCaller } from '../../platform/api/tokens.service.js';
import { can } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { htmlToText } from '../../platform/html/sanitize.js';
import { search } from '../../platform/search/search.service.js';
import { type Directory, directoryOf } from '../directory/directory.service.js';
import { type Organization, type OrgTree, orgTree } from '../organizations/organizations.service.js';
import * as pubRepo from '../publishing/publishing.repository.js';
import { createDraft, publicItem, updateDraft } from '../publishing/publishing.service.js';
import {
  toApiColumn,
  toApiOrganization,
  toDocument,
  toDocumentSummary,
  toDraft,
  toDraftReceipt,
  toSearchHit,
} from './api.mappers.js';
import * as repo from './api.repository.js';
import type { documentsQuery, searchQuery } from './api.schema.js';
import { validityOf } from './document-validity.js';

// What the v1 routes answer: public reads of organizations, columns and published items, search, and
// drafts through staff tokens. Each read returns its data and the instant of the last change it shows
// (for Last-Modified).

const base = (deps: Deps) => deps.config.publicBaseUrl;

function preorder<T extends { id: number }>(roots: T[], children: (id: number) => T[], keep: (x: T) => boolean) {
  const out: { node: T; depth: number }[] = [];
  const walk = (list: T[], depth: number) => {
    for (const n of list) {
      if (!keep(n)) continue;
      out.push({ node: n, depth });
      walk(children(n.id), depth + 1);
    }
  };
  walk(roots, 0);
  return out;
}

/** Every active organization in tree order (an inactive one hides its subtree, as on the portal). */
export async function organizationsView(deps: Deps) {
  const tree = await orgTree(deps);
  const list = preorder(
    tree.children(null),
    (id) => tree.children(id),
    (o) => o.active,
  );
  return {
    data: list.map(({ node, depth }) => toApiOrganization(node, depth, base(deps))),
    lastModified: latest(...tree.all.map((o) => o.updatedAt)),
  };
}

async function activeOrganization(deps: Deps, id: number): Promise<Organization> {
  const org = (await orgTree(deps)).byId.get(id);
  if (!org?.active) throw new NotFoundError('机构不存在。');
  return org;
}

/** An active organization's directory in tree order, retired columns included and marked. */
export async function columnsView(deps: Deps, organizationId: number) {
  const org = await activeOrganization(deps, organizationId);
  const dir = await directoryOf(deps, org.id);
  const list = preorder(
    dir.children(null),
    (id) => dir.children(id),
    () => true,
  );
  return {
    data: list.map(({ node, depth }) => toApiColumn(node, org, depth, base(deps))),
    lastModified: latest(org.updatedAt, await repo.columnsChangedAt(deps.db.kysely, org.id)),
  };
}

function descendants(dir: Directory, id: number): number[] {
  const out = [id];
  for (const c of dir.children(id)) out.push(...descendants(dir, c.id));
  return out;
}

/** The organization named by id or slug, active, or a 422 on the field. */
function resolveOrganization(tree: OrgTree, ref: string, field: string): Organization {
  const org = /^\d+$/.test(ref) ? tree.byId.get(Number(ref)) : tree.bySlug.get(ref);
  if (!org?.active) throw new ValidationError({ [field]: '机构不存在。' }, '查询参数有误。');
  return org;
}

async function columnIdsOf(deps: Deps, columnId: number, field: string): Promise<number[]> {
  const orgId = await repo.columnOrganization(deps.db.kysely, columnId);
  if (orgId === null) throw new ValidationError({ [field]: '栏目不存在。' }, '查询参数有误。');
  return descendants(await directoryOf(deps, orgId), columnId);
}

const activeIds = (tree: OrgTree) => {
  const all = tree.all;
  return all.every((o) => o.active) ? undefined : all.filter((o) => o.active).map((o) => o.id);
};

const cursorShape = z.tuple([z.string(), z.number().int()]);

/** A page of published items, newest first, after the cursor; `next_cursor` is null on the last page. */
export async function documentsView(deps: Deps, q: z.output<typeof documentsQuery>) {
  const tree = await orgTree(deps);
  const filter: repo.DocumentFilter = {
    organizationIds: q.organization ? [resolveOrganization(tree, q.organization, 'organization').id] : activeIds(tree),
    columnIds: q.column ? await columnIdsOf(deps, q.column, 'column') : undefined,
    year: q.year,
    theme: q.theme,
    updatedSince: q.updated_since
      ? new Date(/T/.test(q.updated_since) ? q.updated_since : `${q.updated_since}T00:00:00+08:00`).toISOString()
      : undefined,
    includeWithdrawn: q.include_withdrawn === 'true',
  };
  const after = q.cursor ? decodeCursor(q.cursor, cursorShape) : null;
  const [rows, changed] = await Promise.all([
    repo.listDocuments(deps.db.kysely, filter, after, q.limit + 1),
    repo.lastChange(deps.db.kysely, filter),
  ]);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((r) => toDocumentSummary(r, tree.byId.get(r.organization_id)?.slug ?? '', base(deps))),
    next_cursor: rows.length > q.limit && last ? encodeCursor([last.first_published_at ?? '', last.id]) : null,
    lastModified: latest(changed, ...tree.all.map((o) => o.updatedAt)),
  };
}

/** A published item of an active organization (withdrawn ones marked); drafts and unknown ids are 404. */
export async function documentView(deps: Deps, id: number) {
  const item = await pubRepo.findItem(deps.db.kysely, id);
  if (!item || item.published_version === 0) throw new NotFoundError('该信息不存在或尚未公开。');
  const tree = await orgTree(deps);
  const org = tree.byId.get(item.organization_id);
  if (!org?.active) throw new NotFoundError('该信息不存在或尚未公开。');
  const { version, versions, replacement } = await publicItem(deps, org.id, id);
  const dir = await directoryOf(deps, org.id);
  const repOrg = replacement ? tree.byId.get(replacement.organizationId) : undefined;
  const doc = toDocument(
    {
      item,
      version,
      versions,
      replacement: replacement && repOrg ? { ...replacement, organizationSlug: repOrg.slug } : null,
      org,
      column: dir.byId.get(item.column_id),
    },
    base(deps),
  );
  // A policy's status changes by date alone (施行, 失效) at Beijing midnight: the marking is in the body (so in
  // the ETag) and the day it took effect counts as a modification.
  const v = await validityOf(deps, item);
  doc.validity = v?.validity ?? null;
  return { doc, lastModified: latest(item.last_published_at, item.withdrawn_at, org.updatedAt, v?.effectiveAt) };
}

/** Full-text search through the platform's search service, with snippets from the public versions. */
export async function searchView(deps: Deps, q: z.output<typeof searchQuery>) {
  const tree = await orgTree(deps);
  const organizationId = q.organization ? resolveOrganization(tree, q.organization, 'organization').id : undefined;
  if (q.column !== undefined && (await repo.columnOrganization(deps.db.kysely, q.column)) === null)
    throw new ValidationError({ column: '栏目不存在。' }, '查询参数有误。');
  const texts = async (ids: number[]) =>
    new Map(
      (await repo.publicTexts(deps.db.kysely, ids)).map((r) => [r.id, `${r.summary}\n${htmlToText(r.body_html)}`]),
    );
  const r = await search(
    { db: deps.db, texts },
    { q: q.q, organizationId, columnId: q.column, year: q.year, limit: q.limit, offset: (q.page - 1) * q.limit },
  );
  return {
    data: r.hits
      .filter((h) => tree.byId.get(h.organizationId)?.active)
      .map((h) => toSearchHit(h, tree.byId.get(h.organizationId)?.slug ?? '', base(deps))),
    total: r.total,
    capped: r.capped,
    page: q.page,
    limit: r.limit,
    query: { terms: r.query.terms.map((t) => t.text), ignored: r.query.ignored, truncated: r.query.truncated },
  };
}

// ------------------------------------------------------------------------------------------------------
// Drafts through staff tokens: always in the token's organization, with the token's user's roles.

async function itemOfCaller(deps: Deps, caller: ApiCaller, id: number) {
  const item = await pubRepo.findItem(deps.db.kysely, id);
  // Another organization's item is answered as if it did not exist.
  if (!item || item.organization_id !== caller.organizationId) throw new NotFoundError('信息不存在。');
  return item;
}

/** Creates a draft in the token's organization with the console form's checks; audited by the service. */
export async function createDraftForCaller(deps: Deps, caller: ApiCaller, body: unknown) {
  const id = await createDraft(deps, caller.principal, caller.actor, caller.organizationId, body);
  return toDraftReceipt(await itemOfCaller(deps, caller, id), base(deps));
}

/** Replaces a draft's content; 409 unless the item is a draft now. */
export async function updateDraftForCaller(deps: Deps, caller: ApiCaller, id: number, body: unknown) {
  const item = await itemOfCaller(deps, caller, id);
  if (item.status !== 'draft' || item.withdrawn)
    throw new ConflictError('只有草稿状态的信息可以修改；该信息已提交审核或已发布。', { status: item.status });
  await updateDraft(deps, caller.principal, caller.actor, id, body);
  return toDraftReceipt(await itemOfCaller(deps, caller, id), base(deps));
}

/** An item of the token's organization in its working state (drafts included). */
export async function draftView(deps: Deps, caller: ApiCaller, id: number) {
  const item = await itemOfCaller(deps, caller, id);
  const tree = await orgTree(deps);
  if (!can(caller.principal, 'item.view', tree.chain(item.organization_id)))
    throw new ForbiddenError('您无权查看该信息。');
  const slug = tree.byId.get(item.organization_id)?.slug ?? '';
  return { draft: toDraft(item, slug, base(deps)), lastModified: item.updated_at };
}
