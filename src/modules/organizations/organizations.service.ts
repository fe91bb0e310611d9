import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Actor, recordAudit } from '../../platform/audit/audit.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { parseOrThrow } from '../../platform/http/forms.js';
import * as repo from './organizations.repository.js';
import { type Leader, type OrganizationInput, organizationInput } from './organizations.schema.js';

export interface Organization {
  id: number;
  parentId: number | null;
  code: string;
  slug: string;
  name: string;
  shortName: string;
  kind: 'government' | 'department' | 'office';
  functions: string;
  address: string;
  postcode: string;
  phone: string;
  fax: string;
  email: string;
  officeHours: string;
  website: string;
  leadership: Leader[];
  sortOrder: number;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

type Row = NonNullable<Awaited<ReturnType<typeof repo.findById>>>;

function toOrganization(r: Row): Organization {
  let leadership: Leader[] = [];
  try {
    leadership = JSON.parse(r.leadership);
  } catch {
    leadership = [];
  }
  return {
    id: r.id,
    parentId: r.parent_id,
    code: r.code,
    slug: r.slug,
    name: r.name,
    shortName: r.short_name,
    kind: r.kind as Organization['kind'],
    functions: r.functions,
    address: r.address,
    postcode: r.postcode,
    phone: r.phone,
    fax: r.fax,
    email: r.email,
    officeHours: r.office_hours,
    website: r.website,
    leadership,
    sortOrder: r.sort_order,
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface OrgTree {
  all: Organization[];
  byId: Map<number, Organization>;
  bySlug: Map<string, Organization>;
  children(id: number | null): Organization[];
  /** The organization and its ancestors, itself first: the scope a role grant covers. */
  chain(id: number): number[];
  depth(id: number): number;
}

function buildTree(all: Organization[]): OrgTree {
  const byId = new Map(all.map((o) => [o.id, o]));
  const bySlug = new Map(all.map((o) => [o.slug, o]));
  const kids = new Map<number | null, Organization[]>();
  for (const o of all) {
    const k = o.parentId && byId.has(o.parentId) ? o.parentId : null;
    kids.set(k, [...(kids.get(k) ?? []), o]);
  }
  const chain = (id: number) => {
    const out: number[] = [];
    let cur = byId.get(id);
    while (cur && !out.includes(cur.id)) {
      out.push(cur.id);
      cur = cur.parentId ? byId.get(cur.parentId) : undefined;
    }
    return out;
  };
  return { all, byId, bySlug, children: (id) => kids.get(id) ?? [], chain, depth: (id) => chain(id).length - 1 };
}

// The tree is read on every portal page; it changes rarely, so each process keeps it for a few seconds and
// drops it at once after its own writes.
const TTL_MS = 5000;
const cache = new WeakMap<object, { at: number; tree: OrgTree }>();

/** All organizations as a tree (cached briefly per database). */
export async function orgTree(deps: Pick<Deps, 'db'>): Promise<OrgTree> {
  const hit = cache.get(deps.db);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.tree;
  const tree = buildTree((await repo.listAll(deps.db.kysely)).map(toOrganization));
  cache.set(deps.db, { at: Date.now(), tree });
  return tree;
}

export function invalidateOrgTree(deps: Pick<Deps, 'db'>) {
  cache.delete(deps.db);
}

/** An active organization by its URL slug, or NotFoundError. */
export async function publicOrganization(deps: Pick<Deps, 'db'>, slug: string): Promise<Organization> {
  const o = (await orgTree(deps)).bySlug.get(slug);
  if (!o?.active) throw new NotFoundError('没有找到该机构，它可能已更名或撤销。');
  return o;
}

async function validate(deps: Deps, input: OrganizationInput, exceptId?: number) {
  const errors: Record<string, string> = {};
  const k = deps.db.kysely;
  if (await repo.codeOrSlugTaken(k, 'code', input.code, exceptId)) errors.code = '该机构代码已被使用。';
  if (await repo.codeOrSlugTaken(k, 'slug', input.slug, exceptId)) errors.slug = '该网址标识已被使用。';
  if (input.parent_id !== null) {
    const tree = await orgTree(deps);
    if (!tree.byId.has(input.parent_id)) errors.parent_id = '上级机构不存在。';
    else if (exceptId !== undefined && tree.chain(input.parent_id).includes(exceptId)) {
      errors.parent_id = '不能把机构移到它自己或它的下级机构之下。';
    }
  }
  if (input.kind === 'government' && input.parent_id !== null) {
    // A government may sit under a higher government; nothing to check beyond existence.
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

function rowOf(input: OrganizationInput) {
  return {
    parent_id: input.parent_id,
    code: input.code,
    slug: input.slug,
    name: input.name,
    short_name: input.short_name,
    kind: input.kind,
    functions: input.functions,
    address: input.address,
    postcode: input.postcode,
    phone: input.phone,
    fax: input.fax,
    email: input.email,
    office_hours: input.office_hours,
    website: input.website,
    leadership: JSON.stringify(input.leadership),
    sort_order: input.sort_order,
    active: input.active,
  };
}

type OrgCreatedHook = (trx: Kysely<Database>, deps: Deps, organizationId: number, now: Date) => Promise<void>;
const orgCreatedHooks: { name: string; run: OrgCreatedHook }[] = [];

/** Runs `run` in the transaction that creates each new organization (e.g. its standard directory). */
export function onOrganizationCreated(name: string, run: OrgCreatedHook) {
  if (!orgCreatedHooks.some((h) => h.name === name)) orgCreatedHooks.push({ name, run });
}

/** Creates an organization (system administrators; an organization administrator under their own). Audited. */
export async function createOrganization(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  raw: unknown,
): Promise<number> {
  const input = parseOrThrow(organizationInput, raw);
  const tree = await orgTree(deps);
  const allowed =
    can(principal, 'organization.create') ||
    (input.parent_id !== null && can(principal, 'organization.update', tree.chain(input.parent_id)));
  if (!allowed) throw new ForbiddenError('您只能在本机构之下新建机构。');
  await validate(deps, input);
  const now = deps.clock().toISOString();
  const id = await deps.db.kysely.transaction().execute(async (trx) => {
    const row = { ...rowOf(input), created_at: now, updated_at: now };
    const newId = await repo.insert(trx, row);
    for (const h of orgCreatedHooks) await h.run(trx, deps, newId, deps.clock());
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'organization.create',
        entityType: 'organization',
        entityId: newId,
        organizationId: newId,
        summary: `新建机构：${input.name}`,
        after: row,
      },
      deps.clock(),
    );
    return newId;
  });
  invalidateOrgTree(deps);
  return id;
}

/** Updates an organization within the principal's scope; records before and after. */
export async function updateOrganization(
  deps: Deps,
  principal: Principal,
  actor: Actor,
  id: number,
  raw: unknown,
): Promise<void> {
  const input = parseOrThrow(organizationInput, raw);
  const tree = await orgTree(deps);
  if (!tree.byId.has(id)) throw new NotFoundError('机构不存在。');
  if (!can(principal, 'organization.update', tree.chain(id))) throw new ForbiddenError('您无权修改该机构。');
  if (input.parent_id !== tree.byId.get(id)!.parentId && !can(principal, 'organization.create')) {
    throw new ForbiddenError('只有系统管理员可以调整机构的上下级关系。');
  }
  await validate(deps, input, id);
  const now = deps.clock().toISOString();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await repo.findById(trx, id);
    const patch = { ...rowOf(input), updated_at: now };
    await repo.update(trx, id, patch);
    await recordAudit(
      trx,
      deps.db.engine,
      actor,
      {
        action: 'organization.update',
        entityType: 'organization',
        entityId: id,
        organizationId: id,
        summary: `修改机构：${input.name}`,
        before,
        after: patch,
      },
      deps.clock(),
    );
  });
  invalidateOrgTree(deps);
}

/** The organizations a principal may administer (for pickers and lists). */
export async function administrableOrgs(
  deps: Deps,
  principal: Principal,
  perm: 'organization.update' | 'user.manage' | 'organization.view' | 'user.view',
) {
  const tree = await orgTree(deps);
  return tree.all.filter((o) => can(principal, perm, tree.chain(o.id)));
}
