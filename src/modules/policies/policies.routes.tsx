import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { raw } from 'hono/html';
import { z } from 'zod';
import { latest, notModified } from '../../platform/api/http.js';
import { ApiRouter } from '../../platform/api/router.js';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { type FieldErrors, NotFoundError, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { addPortalNav, cachedPage, portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { CONSOLE_NAV } from '../../platform/render/layouts.js';
import { beijingDate } from '../../platform/time.js';
import {
  beijingMidnight,
  setValidityProvider,
  type Validity,
  type ValidityAnswer,
  validitySchema,
} from '../api/document-validity.js';
import { type FeedDoc, type FeedEntry, renderAtom, renderRss } from '../feeds/feeds.service.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { addItemPageSection, type ItemRef } from '../publishing/item-sections.js';
import { itemHref } from '../publishing/views/public.js';
import { campaignRoutes } from './campaigns.routes.js';
import * as irepo from './interpretations.repository.js';
import {
  INTERPRETATION_FORMS,
  type InterpretationForm,
  MEDIA_ROLES,
  type MediaRole,
} from './interpretations.schema.js';
import {
  acceptWaiver,
  attachMedia,
  draftInterpretation,
  registerInterpretationHooks,
  relatedInterpretations,
  saveInterpretation,
  setWaiver,
} from './interpretations.service.js';
import { interpretationsList, libraryPage, policyStatistics, subtree } from './policies.query.js';
import * as repo from './policies.repository.js';
import { POLICY_TYPES } from './policies.schema.js';
import {
  type PolicyDetail,
  policyDetail,
  recordRelation,
  registerPolicyHooks,
  type StatusView,
  savePolicy,
  statusNote,
  statusView,
} from './policies.service.js';
import {
  interpretationAsRevised,
  issuerNamesAsRevised,
  policiesAsRevised,
  policyAsRevised,
  stagesEdits,
} from './staged.js';
import { POLICY_STATUS_LABELS, POLICY_STATUSES, type PolicyStatus, RELATION_KINDS } from './status.js';
import {
  ConsoleSection,
  type ConsoleSectionData,
  type InterpretationFormValues,
  InterpretationForm as InterpretationFormView,
  PolicyConsoleList,
  PolicyForm,
  type PolicyFormValues,
} from './views/console.js';
import {
  InterpretationSection,
  LibraryPage,
  PolicyFacts,
  RelatedInterpretations,
  StatusBanner,
} from './views/public.js';

type C = Context<AppEnv>;
const PAGE_SIZE = 20;

let registered = false;

/** Plugs policies into publishing's pages and workflow, the portal navigation and the console (idempotent). */
export function registerPolicies() {
  if (registered) return;
  registered = true;
  registerPolicyHooks();
  registerInterpretationHooks();
  addPortalNav(25, '政策文件库', (slug) => `/org/${slug}/policies`);
  if (!CONSOLE_NAV.some((e) => e.href === '/console/policies'))
    CONSOLE_NAV.splice(2, 0, { label: '政策文件', href: '/console/policies', permission: 'policy.view' });
  // The banner and the facts of one render read the same detail (four queries): once per render, keyed by the
  // item reference itemPageSections passes to every section.
  const details = new WeakMap<ItemRef, Promise<PolicyDetail | null>>();
  const detailOf = (deps: Deps, item: ItemRef) => {
    let d = details.get(item);
    if (!d) {
      d = policyDetail(deps.db.kysely, item.id, deps.clock());
      details.set(item, d);
    }
    return d;
  };
  // Sections of policies and interpretations only: an ordinary item's page (kind '') runs no policy lookups.
  const isPolicy = (item: { kind?: string }) => item.kind === undefined || item.kind === 'policy';
  const isInterpretation = (item: { kind?: string }) => item.kind === undefined || item.kind === 'interpretation';
  setValidityProvider(async (deps, item) => {
    if (!isPolicy(item)) return null;
    const policy = await repo.findPolicyByItem(deps.db.kysely, item.id);
    if (!policy) return null;
    return validityAnswer(await statusView(deps.db.kysely, policy, deps.clock()), policy, deps.config.publicBaseUrl);
  });
  addItemPageSection('policies.banner', 'top', 10, async (deps, item) => {
    if (!isPolicy(item)) return null;
    const d = await detailOf(deps, item);
    return d ? StatusBanner({ s: d.status }) : null;
  });
  addItemPageSection('policies.facts', 'bottom', 10, async (deps, item) => {
    if (!isPolicy(item)) return null;
    const d = await detailOf(deps, item);
    return d ? PolicyFacts({ d }) : null;
  });
  addItemPageSection('policies.related', 'bottom', 20, async (deps, item) => {
    if (!isPolicy(item)) return null;
    const policy = await repo.findPolicyByItem(deps.db.kysely, item.id);
    return policy ? RelatedInterpretations({ groups: await relatedInterpretations(deps.db.kysely, policy.id) }) : null;
  });
  addItemPageSection('policies.interpretation', 'top', 20, async (deps, item) => {
    if (!isInterpretation(item)) return null;
    const d = await interpretationPageData(deps, item.id);
    return d ? InterpretationSection({ d }) : null;
  });
  addItemPageSection('policies.console', 'console', 10, async (deps, item, csrf) => {
    const d = await consoleSectionData(deps, item.id, item.kind);
    return d ? ConsoleSection({ d, csrf: csrf ?? '' }) : null;
  });
}

/**
 * A policy's marking and the instant its current status took effect, for the validators of
 * GET /api/v1/documents/{id} (through the validity provider) and GET /api/v1/policies/{id}: the day the status
 * took effect (no write when it is the calendar that changed it, so the validators change at Beijing midnight
 * all the same), or the last write to the row (a relation recorded today with an earlier date, a status
 * recorded by the job).
 */
function validityAnswer(s: StatusView, policy: { updated_at: string }, base: string): ValidityAnswer {
  return {
    validity: validityView(s, base),
    effectiveAt: latest(s.since && s.status !== 'pending' ? beijingMidnight(s.since) : null, policy.updated_at),
  };
}

/** The status and banner of a document as the API answers them (GET /policies/{id}, GET /documents/{id}). */
export function validityView(s: StatusView, base: string): Validity {
  return {
    status: s.status,
    label: s.label,
    since: s.since,
    banner: s.banner
      ? {
          text: `本文件${s.label}，自 ${s.since} 起${s.status === 'amended' ? '按修改后的规定执行' : '不再执行'}。`,
          by: s.by
            ? {
                id: s.by.id,
                title: s.by.title,
                doc_number: s.by.docNumber,
                url: `${base}${itemHref(s.by.orgSlug, s.by.itemId)}`,
              }
            : null,
        }
      : null,
  };
}

async function interpretationPageData(deps: Deps, itemId: number) {
  const k = deps.db.kysely;
  const t = await irepo.findByItem(k, itemId);
  if (!t) return null;
  const tree = await orgTree(deps);
  const org = tree.byId.get(t.organization_id);
  const files = await k
    .selectFrom('files')
    .select(['sha256', 'mime'])
    .where('sha256', 'in', [t.video_sha256 ?? '', t.poster_sha256 ?? '', t.captions_sha256 ?? ''])
    .execute();
  const mime = new Map(files.map((f) => [f.sha256, f.mime]));
  // The poster's alt text (required at upload) is said under the video, for those who cannot see the image.
  const posterAlt = t.poster_sha256
    ? ((
        await k
          .selectFrom('item_attachments')
          .select('alt')
          .where('item_id', '=', itemId)
          .where('file_sha256', '=', t.poster_sha256)
          .orderBy('id', 'desc')
          .executeTakeFirst()
      )?.alt ?? '')
    : '';
  const href = (sha: string | null, name: string) => (sha ? `/files/${sha}/${name}` : null);
  return {
    itemId,
    orgSlug: org?.slug ?? '',
    formLabel: INTERPRETATION_FORMS[t.form as InterpretationForm] ?? t.form,
    byPrincipal: t.by_principal === 1,
    principalName: t.principal_name,
    responsibleOrg: tree.byId.get(t.responsible_organization_id)?.name ?? '',
    hasTranscript: t.transcript_html.trim() !== '',
    video:
      t.video_sha256 && t.captions_sha256
        ? {
            src: href(t.video_sha256, 'video')!,
            type: mime.get(t.video_sha256) ?? 'video/mp4',
            poster: href(t.poster_sha256, 'poster'),
            posterAlt,
            captions: href(t.captions_sha256, 'captions.vtt')!,
          }
        : null,
    policies: (await irepo.policiesOf(k, t.id)).filter((p) => p.published_version > 0 && !p.withdrawn),
  };
}

async function consoleSectionData(deps: Deps, itemId: number, kind?: string): Promise<ConsoleSectionData | null> {
  const k = deps.db.kysely;
  const item = await k
    .selectFrom('items')
    .select(['id', 'status', 'published_version'])
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!item) return null;
  const data: ConsoleSectionData = {
    itemId,
    itemStatus: item.status,
    published: stagesEdits(item),
    staged: false,
    policy: null,
    interpretation: null,
  };
  if (kind === '') return data; // an ordinary item: only the links to make it a policy or an interpretation
  const policyRow = kind === 'interpretation' ? undefined : await repo.findPolicyByItem(k, itemId);
  const tRow = policyRow || kind === 'policy' ? undefined : await irepo.findByItem(k, itemId);
  data.staged = Boolean((policyRow ?? tRow)?.staged_json);
  // Staff see what a revision will publish.
  const policy = policyRow && policyAsRevised(policyRow);
  const t = tRow && interpretationAsRevised(tRow);
  if (policy) {
    const s = await statusView(k, policy, deps.clock());
    const d = await policyDetail(k, itemId, deps.clock());
    data.policy = {
      id: policy.id,
      type: policy.policy_type,
      docNumber: policy.doc_number,
      statusLabel: s.label,
      waiver: policy.interpretation_waiver,
      waiverAccepted: policy.waiver_accepted_by !== null,
      interpretations: (await irepo.ofPolicy(k, policy.id)).map((x) => ({
        itemId: x.item_id,
        title: x.title,
        form: x.form,
        status: x.status,
      })),
      relations: (d?.relations ?? []).map((r) => ({
        label: r.label,
        title: `《${r.other.title}》${r.other.docNumber ? `（${r.other.docNumber}）` : ''}`,
        href: itemHref(r.other.orgSlug, r.other.itemId),
      })),
    };
  } else if (t) {
    data.interpretation = { form: t.form, policies: await policiesAsRevised(k, t) };
  }
  return data;
}

const intOr = (v: string | undefined, lo: number, hi: number) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : undefined;
};

function libraryValues(c: C) {
  const q = (k: string) => (c.req.query(k) ?? '').trim().slice(0, 100);
  const status = q('status');
  const type = q('type');
  return {
    q: q('q'),
    status: (POLICY_STATUSES as readonly string[]).includes(status) ? status : '',
    type: type in POLICY_TYPES ? type : '',
    issuer: q('issuer'),
    year: intOr(q('year'), 1949, 2200) ? q('year') : '',
    theme: q('theme'),
  };
}

/** The feed of ended (abolished, expired) documents, one entry per recorded change, newest first. */
async function endedFeed(
  deps: Deps,
  organizationId: number | undefined,
  title: string,
  htmlPath: string,
): Promise<FeedDoc> {
  const tree = await orgTree(deps);
  const ids = organizationId ? subtree(tree, organizationId) : undefined;
  const rows = await repo.endedChanges(deps.db.kysely, ids, 50);
  const base = deps.config.publicBaseUrl;
  const entries: FeedEntry[] = [];
  for (const r of rows) {
    const note = await statusNote(deps.db.kysely, {
      status: r.to_status as PolicyStatus,
      since: r.since,
      byPolicyId: r.by_policy_id,
    });
    const link = `${base}${itemHref(r.org_slug, r.item_id)}`;
    entries.push({
      id: `${link}#status-change-${r.id}`,
      title: `【${POLICY_STATUS_LABELS[r.to_status as PolicyStatus]}】${r.title}`,
      link,
      summary: [note, r.doc_number ? `文号：${r.doc_number}` : '', r.org_name].filter(Boolean).join('\n'),
      published: r.recorded_at,
      updated: r.recorded_at,
    });
  }
  const org = organizationId ? tree.byId.get(organizationId) : undefined;
  return {
    title,
    description: `${title}：废止、失效文件的通告`,
    htmlUrl: base + htmlPath,
    author: org?.name ?? deps.config.site.name,
    lastModified: rows[0]?.recorded_at ?? null,
    // Atom needs an `updated` even when empty: the organization's (or the newest organization's) last change.
    fallbackUpdated: org?.updatedAt ?? latest(...tree.all.map((o) => o.updatedAt)) ?? '',
    entries,
  };
}

const FEED_TYPES = { rss: 'application/rss+xml', atom: 'application/atom+xml' } as const;

function serveFeed(c: C, deps: Deps, feed: FeedDoc, format: 'rss' | 'atom') {
  const self = deps.config.publicBaseUrl + new URL(c.req.url).pathname;
  const xml = format === 'rss' ? renderRss(feed, self) : renderAtom(feed, self);
  const etag = `"${createHash('sha256').update(xml).digest('base64url').slice(0, 27)}"`;
  const headers: Record<string, string> = {
    'Content-Type': `${FEED_TYPES[format]}; charset=utf-8`,
    'Cache-Control': 'public, no-cache',
    ETag: etag,
  };
  if (feed.lastModified) headers['Last-Modified'] = new Date(feed.lastModified).toUTCString();
  if (
    notModified(
      { ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') },
      etag,
      feed.lastModified,
    )
  )
    return c.body(null, 304, headers);
  return c.body(xml, 200, headers);
}

/** Public pages: the policy library of an organization and of the district, the feed of ended documents, transcripts. */
export function policyPublicRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  const library = async (c: C, org: Awaited<ReturnType<typeof publicOrganization>> | null) => {
    const v = libraryValues(c);
    const page = intOr(c.req.query('page'), 1, 500) ?? 1;
    const r = await libraryPage(deps, {
      organizationId: org?.id,
      status: v.status || undefined,
      type: v.type || undefined,
      issuer: v.issuer || undefined,
      year: v.year ? Number(v.year) : undefined,
      theme: v.theme || undefined,
      q: v.q || undefined,
      page,
      pageSize: PAGE_SIZE,
    });
    const action = org ? `/org/${org.slug}/policies` : '/policies';
    return portalPage(c, deps, {
      title: org ? `${org.name}政策文件库` : '政策文件库',
      feeds: [
        { title: '废止、失效的政策文件（RSS）', href: `${action}/ended.xml`, type: 'application/rss+xml' },
        { title: '废止、失效的政策文件（Atom）', href: `${action}/ended.atom`, type: 'application/atom+xml' },
      ],
      org: org ? portalOrg(org) : undefined,
      crumbs: [
        { label: '首页', href: '/' },
        ...(org ? [{ label: org.name, href: `/org/${org.slug}` }] : []),
        { label: '政策文件库' },
      ],
      children: (
        <LibraryPage
          action={action}
          rows={r.rows}
          total={r.total}
          page={page}
          pages={r.pages}
          values={v}
          facets={r.facets}
          feedHref={`${action}/ended.xml`}
          atomHref={`${action}/ended.atom`}
        />
      ),
    });
  };

  app.get('/policies', (c) => cachedPage(c, () => library(c, null)));
  app.get('/org/:slug/policies', (c) =>
    cachedPage(c, async () => library(c, await publicOrganization(deps, c.req.param('slug')))),
  );
  for (const [format, ext] of [
    ['rss', 'xml'],
    ['atom', 'atom'],
  ] as const) {
    app.get(`/policies/ended.${ext}`, async (c) =>
      serveFeed(c, deps, await endedFeed(deps, undefined, '废止、失效的政策文件', '/policies'), format),
    );
    app.get(`/org/:slug/policies/ended.${ext}`, async (c) => {
      const org = await publicOrganization(deps, c.req.param('slug'));
      const feed = await endedFeed(deps, org.id, `${org.name} - 废止、失效的政策文件`, `/org/${org.slug}/policies`);
      return serveFeed(c, deps, feed, format);
    });
  }

  app.get('/org/:slug/interpretations/:id/transcript', (c) =>
    cachedPage(c, async () => {
      const org = await publicOrganization(deps, c.req.param('slug'));
      const id = intOr(c.req.param('id'), 1, 2 ** 31 - 1);
      const k = deps.db.kysely;
      const item = id ? await k.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
      const t = item ? await irepo.findByItem(k, item.id) : undefined;
      if (
        !item ||
        !t ||
        item.organization_id !== org.id ||
        item.published_version === 0 ||
        item.withdrawn ||
        !t.transcript_html.trim()
      )
        throw new NotFoundError('该访谈实录不存在或尚未公开。');
      return portalPage(c, deps, {
        title: `访谈实录：${item.title}`,
        org: portalOrg(org),
        crumbs: [
          { label: '首页', href: '/' },
          { label: org.name, href: `/org/${org.slug}` },
          { label: item.title, href: itemHref(org.slug, item.id) },
          { label: '访谈实录' },
        ],
        children: (
          <article class="item">
            <h1>访谈实录：{item.title}</h1>
            <div class="article-body">{raw(t.transcript_html)}</div>
            <p>
              <a href={itemHref(org.slug, item.id)}>返回解读页面</a>
            </p>
          </article>
        ),
      });
    }),
  );
  return app;
}

function idOf(c: C) {
  const id = intOr(c.req.param('id'), 1, 2 ** 31 - 1);
  if (!id) throw new NotFoundError('信息不存在。');
  return id;
}

/** Console pages: the policy list, policy and interpretation fields of a draft, relations, waivers, statistics. */
export function policyConsoleRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;
  const p = (c: C) => c.get('principal')!;

  staff.get('/console/policies', 'policy.view', async (c) => {
    const tree = await orgTree(deps);
    const orgIds = tree.all.filter((o) => can(p(c), 'policy.view', tree.chain(o.id))).map((o) => o.id);
    const rows = orgIds.length
      ? await deps.db.kysely
          .selectFrom('policies as x')
          .innerJoin('items as i', 'i.id', 'x.item_id')
          .innerJoin('organizations as o', 'o.id', 'i.organization_id')
          .select([
            'x.id',
            'x.item_id',
            'x.doc_number',
            'x.policy_type',
            'x.status',
            'i.title',
            'i.status as item_status',
            'i.published_version',
            'o.slug',
          ])
          .where('i.organization_id', 'in', orgIds)
          .orderBy('x.id', 'desc')
          .limit(200)
          .execute()
      : [];
    return consolePage(
      c,
      site,
      '政策文件',
      <PolicyConsoleList
        rows={rows.map((r) => ({
          id: r.id,
          itemId: r.item_id,
          title: r.title,
          docNumber: r.doc_number,
          type: r.policy_type,
          status: POLICY_STATUS_LABELS[r.status as PolicyStatus] ?? r.status,
          itemStatus: r.item_status,
          orgSlug: r.slug,
          published: r.published_version > 0,
        }))}
      />,
    );
  });

  const itemTitle = async (id: number) => {
    const item = await deps.db.kysely
      .selectFrom('items')
      .select(['id', 'title', 'organization_id', 'published_version'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!item) throw new NotFoundError('信息不存在。');
    return item;
  };

  const policyPage = async (c: C, id: number, values?: PolicyFormValues, errors?: FieldErrors) => {
    const item = await itemTitle(id);
    let v = values;
    if (!v) {
      const found = await repo.findPolicyByItem(deps.db.kysely, id);
      // A revision's form shows what it staged (staged.ts), not what the public page still shows.
      const row = found && policyAsRevised(found);
      const issuers = row ? (await issuerNamesAsRevised(deps.db.kysely, row)).join('\n') : '';
      v = row
        ? {
            policy_type: row.policy_type,
            doc_number: row.doc_number,
            theme: row.theme,
            date_signed: row.date_signed,
            date_effective: row.date_effective,
            valid_until: row.valid_until ?? '',
            issuers,
          }
        : { date_signed: beijingDate(deps.clock()), date_effective: beijingDate(deps.clock()) };
    }
    return consolePage(
      c,
      site,
      '政策文件属性',
      <PolicyForm
        itemId={id}
        title={item.title}
        revision={stagesEdits(item)}
        csrf={c.get('csrf')()}
        values={v}
        errors={errors}
      />,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/items/:id/policy', 'policy.edit', (c) => policyPage(c, idOf(c)));
  staff.post('/console/items/:id/policy', 'policy.edit', async (c) => {
    const id = idOf(c);
    const f = await formFields(c);
    try {
      await savePolicy(deps, p(c), actorOf(c), id, f);
    } catch (e) {
      if (e instanceof ValidationError) return policyPage(c, id, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${id}`, '政策文件属性已保存。');
  });

  const policyItem = async (policyId: number) => {
    const row = await repo.findPolicy(deps.db.kysely, policyId);
    if (!row) throw new NotFoundError('政策文件不存在。');
    return row;
  };

  staff.post('/console/policies/:id/relations', 'policy.relate', async (c) => {
    const id = idOf(c);
    const row = await policyItem(id);
    const f = await formFields(c);
    try {
      await recordRelation(deps, p(c), actorOf(c), id, f);
    } catch (e) {
      if (e instanceof ValidationError)
        return redirectWithFlash(c, `/console/items/${row.item_id}`, `未能登记：${Object.values(e.fields).join(' ')}`);
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${row.item_id}`, '关系已登记，相关文件的效力状态已更新。');
  });

  staff.post('/console/policies/:id/interpretations', 'interpretation.edit', async (c) => {
    const id = idOf(c);
    const row = await policyItem(id);
    const f = await formFields(c);
    let itemId: number;
    try {
      itemId = await draftInterpretation(deps, p(c), actorOf(c), id, f.form ?? '');
    } catch (e) {
      if (e instanceof ValidationError)
        return redirectWithFlash(
          c,
          `/console/items/${row.item_id}`,
          `未能创建解读：${Object.values(e.fields).join(' ')}`,
        );
      throw e;
    }
    return redirectWithFlash(
      c,
      `/console/items/${itemId}`,
      '解读草稿已创建，并已关联本政策文件。请撰写正文后报送审核。',
    );
  });

  staff.post('/console/policies/:id/waiver', 'policy.edit', async (c) => {
    const id = idOf(c);
    const row = await policyItem(id);
    const f = await formFields(c);
    try {
      await setWaiver(deps, p(c), actorOf(c), id, f.waiver ?? '');
    } catch (e) {
      if (e instanceof ValidationError)
        return redirectWithFlash(c, `/console/items/${row.item_id}`, Object.values(e.fields).join(' '));
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${row.item_id}`, '已保存无需解读的理由，待签发人接受。');
  });

  staff.post('/console/policies/:id/waiver/accept', 'interpretation.waive', async (c) => {
    const id = idOf(c);
    const row = await policyItem(id);
    try {
      await acceptWaiver(deps, p(c), actorOf(c), id);
    } catch (e) {
      if (e instanceof ValidationError)
        return redirectWithFlash(c, `/console/items/${row.item_id}`, Object.values(e.fields).join(' '));
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${row.item_id}`, '已接受无需解读的理由。');
  });

  const interpretationPage = async (c: C, id: number, values?: InterpretationFormValues, errors?: FieldErrors) => {
    const item = await itemTitle(id);
    const found = await irepo.findByItem(deps.db.kysely, id);
    const t = found && interpretationAsRevised(found);
    let v = values;
    if (!v) {
      v = t
        ? {
            form: t.form,
            policy_ids: (await policiesAsRevised(deps.db.kysely, t)).map((x) => x.id).join(', '),
            responsible_organization_id: String(t.responsible_organization_id),
            by_principal: t.by_principal ? '1' : '',
            principal_name: t.principal_name,
            transcript_html: t.transcript_html,
          }
        : { policy_ids: c.req.query('interprets') ?? '' };
    }
    const tree = await orgTree(deps);
    return consolePage(
      c,
      site,
      '政策解读属性',
      <InterpretationFormView
        itemId={id}
        title={item.title}
        revision={stagesEdits(item)}
        csrf={c.get('csrf')()}
        values={v}
        errors={errors}
        orgs={tree.all.map((o) => ({ id: o.id, name: o.name }))}
        hasRecord={!!t}
        media={{ video: t?.video_sha256, poster: t?.poster_sha256, captions: t?.captions_sha256 }}
      />,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/items/:id/interpretation', 'interpretation.edit', (c) => interpretationPage(c, idOf(c)));
  staff.post('/console/items/:id/interpretation', 'interpretation.edit', async (c) => {
    const id = idOf(c);
    const f = await formFields(c);
    try {
      await saveInterpretation(deps, p(c), actorOf(c), id, f);
    } catch (e) {
      if (e instanceof ValidationError) return interpretationPage(c, id, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${id}`, '解读属性已保存。');
  });
  staff.post('/console/items/:id/interpretation/media', 'interpretation.edit', async (c) => {
    const id = idOf(c);
    const body = await c.req.parseBody();
    const role = String(body.role ?? '') as MediaRole;
    const file = body.file;
    try {
      if (!(role in MEDIA_ROLES)) throw new ValidationError({ role: '请选择文件用途。' });
      if (!(file instanceof File) || file.size === 0) throw new ValidationError({ file: '请选择要上传的文件。' });
      await attachMedia(deps, p(c), actorOf(c), id, role, {
        bytes: new Uint8Array(await file.arrayBuffer()),
        filename: file.name,
        alt: String(body.alt ?? ''),
      });
    } catch (e) {
      if (e instanceof ValidationError) return interpretationPage(c, id, undefined, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/items/${id}/interpretation`, `${MEDIA_ROLES[role]}已上传。`);
  });

  staff.get('/console/policy-statistics', 'policy.stats', async (c) => {
    const tree = await orgTree(deps);
    const year = intOr(c.req.query('year'), 1990, 2200) ?? Number(beijingDate(deps.clock()).slice(0, 4));
    const orgs = tree.all.filter((o) => can(p(c), 'policy.stats', tree.chain(o.id)));
    const orgId = intOr(c.req.query('organization'), 1, 2 ** 31 - 1) ?? orgs[0]?.id;
    if (!orgId || !orgs.some((o) => o.id === orgId)) throw new NotFoundError('没有可统计的机构。');
    const s = await policyStatistics(deps, year, orgId);
    return consolePage(
      c,
      site,
      '政策文件统计',
      <>
        <h1>{year} 年政策文件统计（年度报告表二 第二十条第（一）项）</h1>
        <form method="get" action="/console/policy-statistics" class="filters">
          <div class="field">
            <label for="year">年份</label>
            <input id="year" name="year" inputmode="numeric" value={String(year)} />
          </div>
          <div class="field">
            <label for="organization">机构</label>
            <select id="organization" name="organization">
              {orgs.map((o) => (
                <option value={String(o.id)} selected={o.id === orgId}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">统计</button>
        </form>
        <div class="table-scroll">
          <table>
            <caption>{tree.byId.get(orgId)?.name}（含下级机构）</caption>
            <thead>
              <tr>
                <th scope="col">信息内容</th>
                <th scope="col">本年制发件数</th>
                <th scope="col">本年废止件数</th>
                <th scope="col">现行有效件数</th>
                <th scope="col">本年失效件数（不计入废止，仅供核对）</th>
              </tr>
            </thead>
            <tbody>
              {s.rows.map((r) => (
                <tr>
                  <th scope="row">{r.label}</th>
                  <td>{r.issued}</td>
                  <td>{r.abolished}</td>
                  <td>{r.inForce}</td>
                  <td>{r.expired}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="meta">
          本年废止件数：本年被其他文件废止或替代（以新文件施行日期为准）、或经清理决定废止的文件；有效期届满失效和清理中宣布失效的文件不属于废止，不计入，另列“本年失效件数”供核对。现行有效件数按
          12 月 31 日的效力状态（有效、已修订）计算，尚未施行的文件不计入。
        </p>
      </>,
    );
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}

// ---------------------------------------------------------------- API

const V1 = '/api/v1';
const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .describe('政策文件编号'),
});
const orgRef = z
  .string()
  .trim()
  .regex(/^([1-9]\d{0,9}|[a-z0-9][a-z0-9-]{0,63})$/, '机构须为编号或英文简称（slug）。')
  .describe('机构编号或英文简称（slug），含下级机构');

const policySummary = z.object({
  id: z.number(),
  document_id: z.number().describe('对应的信息编号（/api/v1/documents/{id}）'),
  title: z.string(),
  doc_number: z.string().describe('文号（已规范为〔年份〕形式）'),
  type: z.enum(['rule', 'normative', 'other']).describe('rule 规章，normative 行政规范性文件，other 其他政策文件'),
  theme: z.string(),
  organization: z.object({ id: z.number(), slug: z.string(), name: z.string() }),
  date_signed: z.string(),
  date_effective: z.string(),
  valid_until: z.string().nullable(),
  status: z.enum(POLICY_STATUSES),
  url: z.string(),
});

const interpretationSummary = z.object({
  id: z.number(),
  document_id: z.number(),
  title: z.string(),
  form: z.enum(Object.keys(INTERPRETATION_FORMS) as [InterpretationForm, ...InterpretationForm[]]),
  form_label: z.string(),
  by_principal: z.boolean().describe('主要负责人解读'),
  principal_name: z.string(),
  published_at: z.string().nullable(),
  url: z.string(),
});

export function policyApiRoutes(deps: Deps) {
  const api = new ApiRouter(deps);
  const base = deps.config.publicBaseUrl;

  const orgIdOf = async (ref: string | undefined) => {
    if (!ref) return undefined;
    const tree = await orgTree(deps);
    const org = /^\d+$/.test(ref) ? tree.byId.get(Number(ref)) : tree.bySlug.get(ref);
    if (!org?.active) throw new NotFoundError('机构不存在。');
    return org.id;
  };

  api.add(
    {
      method: 'get',
      path: `${V1}/policies`,
      operationId: 'listPolicies',
      summary: '政策文件库',
      description: '已公开的政策文件，现行有效的在前。doc_number 按文号精确匹配（[2017]、(2017) 等写法均可）。',
      tags: ['政策文件'],
      query: z.object({
        organization: orgRef.optional(),
        status: z.enum(POLICY_STATUSES).optional(),
        type: z.enum(['rule', 'normative', 'other']).optional(),
        issuer: z.string().trim().max(100).optional().describe('发文机关名称（含联合发文机关）'),
        year: z.coerce.number().int().min(1949).max(2200).optional().describe('文号年份（无文号时为成文年份）'),
        doc_number: z.string().trim().max(60).optional(),
        page: z.coerce.number().int().min(1).max(500).default(1),
      }),
      responses: {
        200: {
          description: '一页政策文件',
          schema: z.object({ data: z.array(policySummary), total: z.number(), page: z.number(), pages: z.number() }),
        },
      },
      conditional: 'etag',
    },
    async ({ query }) => {
      const r = await libraryPage(deps, {
        organizationId: await orgIdOf(query.organization),
        status: query.status,
        type: query.type,
        issuer: query.issuer,
        year: query.year,
        q: query.doc_number,
        page: query.page,
        pageSize: PAGE_SIZE,
      });
      if (query.doc_number && r.mode !== 'doc_number') throw new ValidationError({ doc_number: '文号格式不正确。' });
      return {
        body: {
          data: r.rows.map((x) => ({
            id: x.id,
            document_id: x.item_id,
            title: x.title,
            doc_number: x.doc_number,
            type: x.policy_type,
            theme: x.theme,
            organization: { id: x.organization_id, slug: x.org_slug, name: x.org_name },
            date_signed: x.date_signed,
            date_effective: x.date_effective,
            valid_until: x.valid_until,
            status: x.status,
            url: `${base}${itemHref(x.org_slug, x.item_id)}`,
          })),
          total: r.total,
          page: query.page,
          pages: r.pages,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/policies/{id}`,
      operationId: 'getPolicy',
      summary: '一件政策文件：效力状态、标注、关联文件和解读',
      description:
        '文号、类型、日期、发文机关、效力状态和标注（与网页顶部的标注相同）、与其他文件的关系和已公开的解读。未公开或因误发撤回的文件答 404。支持条件请求：响应带 ETag 和 Last-Modified（文件的发布、修订、撤回，效力状态的生效时刻，关系和解读的变化中最晚者），If-None-Match 或 If-Modified-Since 命中时答 304。效力状态仅因日期变化（到施行日期施行、有效期届满失效）时没有任何修改，ETag 和 Last-Modified 也在当日北京时间零时改变。',
      tags: ['政策文件'],
      params: idParams,
      responses: {
        200: {
          description: '政策文件',
          schema: policySummary.omit({ status: true }).extend({
            issuers: z.array(z.string()).describe('发文机关，主办在前'),
            status: validitySchema,
            relations: z.array(
              z.object({
                kind: z.enum(RELATION_KINDS),
                direction: z.enum(['out', 'in']).describe('out：本文件作用于对方；in：对方作用于本文件'),
                label: z.string(),
                policy: z.object({ id: z.number(), title: z.string(), doc_number: z.string(), url: z.string() }),
              }),
            ),
            interpretations: z.array(interpretationSummary),
          }),
        },
      },
      conditional: true,
    },
    async ({ params }) => {
      const k = deps.db.kysely;
      const row = await repo.findPolicy(k, params.id);
      const item = row
        ? await k.selectFrom('items').selectAll().where('id', '=', row.item_id).executeTakeFirst()
        : undefined;
      if (!row || !item || item.published_version === 0 || (item.withdrawn && item.withdrawal_reason === 'error'))
        throw new NotFoundError('政策文件不存在或尚未公开。');
      const d = (await policyDetail(k, item.id, deps.clock()))!;
      const tree = await orgTree(deps);
      const org = tree.byId.get(item.organization_id)!;
      const v = validityAnswer(d.status, d.policy, base);
      const version = await k
        .selectFrom('item_versions')
        .select('title')
        .where('item_id', '=', item.id)
        .where('version', '=', item.published_version)
        .executeTakeFirst();
      const linked = await irepo.ofPolicy(k, row.id);
      const interps = linked.filter((x) => x.published_version > 0 && !x.withdrawn);
      const tInfo = await Promise.all(interps.map((x) => irepo.find(k, x.id)));
      // As for the document (documentView), plus what only this answer shows: relations and interpretations,
      // counting those no longer listed (withdrawn, unpublished), whose leaving is a change too, and the
      // organizations in their URLs.
      const lastModified = latest(
        item.last_published_at,
        item.withdrawn_at,
        org.updatedAt,
        v.effectiveAt,
        d.changedAt,
        ...linked.flatMap((x) => [x.updated_at, x.interpretation_updated_at]),
        ...[...d.relations.map((r) => r.other.orgSlug), ...interps.map((x) => x.org_slug)].map(
          (slug) => tree.bySlug.get(slug)?.updatedAt,
        ),
      );
      return {
        lastModified,
        body: {
          id: row.id,
          document_id: item.id,
          title: version?.title ?? item.title,
          doc_number: row.doc_number,
          type: row.policy_type,
          theme: row.theme,
          organization: { id: org.id, slug: org.slug, name: org.name },
          date_signed: row.date_signed,
          date_effective: row.date_effective,
          valid_until: row.valid_until,
          url: `${base}${itemHref(org.slug, item.id)}`,
          issuers: d.issuers,
          status: v.validity,
          relations: d.relations.map((r) => ({
            kind: r.kind,
            direction: r.direction,
            label: r.label,
            policy: {
              id: r.other.id,
              title: r.other.title,
              doc_number: r.other.docNumber,
              url: `${base}${itemHref(r.other.orgSlug, r.other.itemId)}`,
            },
          })),
          interpretations: interps.map((x, i) => ({
            id: x.id,
            document_id: x.item_id,
            title: x.title,
            form: x.form as InterpretationForm,
            form_label: INTERPRETATION_FORMS[x.form as InterpretationForm],
            by_principal: tInfo[i]?.by_principal === 1,
            principal_name: tInfo[i]?.principal_name ?? '',
            published_at: x.first_published_at,
            url: `${base}${itemHref(x.org_slug, x.item_id)}`,
          })),
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/interpretations`,
      operationId: 'listInterpretations',
      summary: '政策解读',
      description: '已公开的政策解读，新的在前；policy 给出所解读的政策文件编号时只列该文件的解读。',
      tags: ['政策文件'],
      query: z.object({
        organization: orgRef.optional(),
        form: z.enum(Object.keys(INTERPRETATION_FORMS) as [InterpretationForm, ...InterpretationForm[]]).optional(),
        policy: z.coerce
          .number()
          .int()
          .min(1)
          .max(2 ** 31 - 1)
          .optional(),
        page: z.coerce.number().int().min(1).max(500).default(1),
      }),
      responses: {
        200: {
          description: '一页政策解读',
          schema: z.object({
            data: z.array(
              interpretationSummary.extend({
                policies: z.array(
                  z.object({ id: z.number(), title: z.string(), doc_number: z.string(), url: z.string() }),
                ),
              }),
            ),
            page: z.number(),
          }),
        },
      },
      conditional: 'etag',
    },
    async ({ query }) => {
      const rows = await interpretationsList(deps, {
        organizationId: await orgIdOf(query.organization),
        form: query.form,
        policyId: query.policy,
        page: query.page,
        pageSize: PAGE_SIZE,
      });
      return {
        body: {
          data: rows.map((x) => ({
            id: x.id,
            document_id: x.item_id,
            title: x.title,
            form: x.form as InterpretationForm,
            form_label: INTERPRETATION_FORMS[x.form as InterpretationForm],
            by_principal: x.by_principal === 1,
            principal_name: x.principal_name,
            published_at: x.first_published_at,
            url: `${base}${itemHref(x.org_slug, x.item_id)}`,
            policies: x.policies.map((pp) => ({
              id: pp.id,
              title: pp.title,
              doc_number: pp.doc_number,
              url: `${base}${itemHref(pp.org_slug, pp.item_id)}`,
            })),
          })),
          page: query.page,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: `${V1}/statistics/policies`,
      operationId: 'policyStatistics',
      summary: '政策文件统计（年度报告表二第一栏）',
      description:
        '规章和行政规范性文件的本年制发件数、本年废止件数和年末现行有效件数（表二第一栏）；机构含其下级机构。废止指本年被其他文件废止或替代（以新文件施行日期为准）或经清理决定废止；有效期届满失效和宣布失效不是废止，另列在 expired。',
      tags: ['政策文件'],
      query: z.object({ year: z.coerce.number().int().min(1990).max(2200), organization: orgRef.optional() }),
      responses: {
        200: {
          description: '统计',
          schema: z.object({
            year: z.number(),
            organization_id: z.number().nullable(),
            rows: z.array(
              z.object({
                type: z.enum(['rule', 'normative']),
                label: z.string(),
                issued: z.number().describe('本年制发件数'),
                abolished: z.number().describe('本年废止件数：被废止、被替代或经清理决定废止（不含失效）'),
                in_force: z.number().describe('现行有效件数（12 月 31 日有效或已修订）'),
                expired: z.number().describe('本年失效件数（有效期届满或宣布失效）：不属于表二的栏目，供核对'),
              }),
            ),
          }),
        },
      },
      conditional: 'etag',
    },
    async ({ query }) => {
      const orgId = await orgIdOf(query.organization);
      const s = await policyStatistics(deps, query.year, orgId);
      return {
        body: {
          year: s.year,
          organization_id: orgId ?? null,
          rows: s.rows.map((r) => ({
            type: r.type,
            label: r.label,
            issued: r.issued,
            abolished: r.abolished,
            in_force: r.inForce,
            expired: r.expired,
          })),
        },
      };
    },
  );

  const app = new Hono<AppEnv>();
  app.route('/', api.app);
  return app;
}

/** All routes of the module. */
export function policyRoutes(deps: Deps): Hono<AppEnv>[] {
  return [policyPublicRoutes(deps), policyConsoleRoutes(deps), campaignRoutes(deps), policyApiRoutes(deps)];
}
