import { type Context, Hono } from 'hono';
import type { Principal } from '../../platform/auth/permissions.js';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { ATTACHMENT_TYPES, BODY_IMAGE_TYPES, baseName, storeFile } from '../../platform/files/files.service.js';
import { formFields } from '../../platform/http/forms.js';
import { cachedPage, portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { beijingDate, formatDateTime } from '../../platform/time.js';
import { type Directory, directoryOf } from '../directory/directory.service.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import {
  administrableOrgs,
  type Organization,
  orgTree,
  publicOrganization,
} from '../organizations/organizations.service.js';
import { itemPageSections } from './item-sections.js';
import { DISCLOSURE, FIVE_CATEGORIES, STATUS_LABELS, type WithdrawalReason } from './publishing.schema.js';
import * as svc from './publishing.service.js';
import { ActionForms, Attachments, History, ItemForm, type ItemFormValues, StatusTag } from './views/console.js';
import {
  ColumnPage,
  columnHref,
  DirectoryPage,
  ItemPage,
  itemHref,
  type PublicItemView,
  WithdrawnNotice,
} from './views/public.js';

type C = Context<AppEnv>;
const PAGE_SIZE = 20;

function descendants(dir: Directory, id: number): number[] {
  const out = [id];
  for (const c of dir.children(id)) out.push(...descendants(dir, c.id));
  return out;
}

async function orgAndDir(deps: Deps, slug: string) {
  const org = await publicOrganization(deps, slug);
  return { org, dir: await directoryOf(deps, org.id) };
}

const crumbsFor = (org: Organization, extra: { label: string; href?: string }[]) => [
  { label: '首页', href: '/' },
  { label: org.name, href: `/org/${org.slug}` },
  { label: '政府信息公开', href: `/org/${org.slug}/gk` },
  ...extra,
];

/** The public directory, column and item pages. */
export function publishingPublicRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  app.get('/org/:slug/gk', (c) =>
    cachedPage(c, async () => {
      const { org, dir } = await orgAndDir(deps, c.req.param('slug'));
      const candidates = dir.all.filter((col) => !col.retired && col.kind !== 'static');
      const latest = (
        await Promise.all(
          candidates.map(async (column) => ({
            column,
            items: (await svc.publishedPage(deps, { columnIds: [column.id] }, 1, 5)).items,
          })),
        )
      ).filter((x) => x.items.length > 0);
      return portalPage(c, deps, {
        title: '政府信息公开',
        org: portalOrg(org),
        crumbs: [
          { label: '首页', href: '/' },
          { label: org.name, href: `/org/${org.slug}` },
          { label: '政府信息公开' },
        ],
        children: <DirectoryPage org={org} dir={dir} latest={latest} />,
      });
    }),
  );

  app.get('/org/:slug/gk/:column', (c) =>
    cachedPage(c, async () => {
      const { org, dir } = await orgAndDir(deps, c.req.param('slug'));
      const column = dir.bySlug.get(c.req.param('column'));
      if (!column) throw new NotFoundError('该栏目不存在。');
      const yearQ = Number(c.req.query('year'));
      const year = Number.isInteger(yearQ) && yearQ > 1990 && yearQ < 2200 ? yearQ : undefined;
      const theme = c.req.query('theme') || undefined;
      const pageQ = Number(c.req.query('page'));
      const page = Number.isInteger(pageQ) && pageQ > 0 && pageQ < 100_000 ? pageQ : 1;
      const result =
        column.kind === 'static'
          ? { items: [], total: 0, pages: 1 }
          : await svc.publishedPage(deps, { columnIds: descendants(dir, column.id), year, theme }, page, PAGE_SIZE);
      const thisYear = Number(beijingDate(deps.clock()).slice(0, 4));
      const years = Array.from({ length: 10 }, (_, i) => thisYear - i);
      return portalPage(c, deps, {
        title: column.name,
        org: portalOrg(org),
        crumbs: crumbsFor(
          org,
          dir.path(column.id).map((col, i, all) => ({
            label: col.name,
            href: i < all.length - 1 ? columnHref(org.slug, col) : undefined,
          })),
        ),
        children: (
          <ColumnPage
            org={org}
            dir={dir}
            column={column}
            items={result.items}
            total={result.total}
            page={page}
            pages={result.pages}
            year={year}
            theme={theme}
            years={years}
          />
        ),
      });
    }),
  );

  app.get('/org/:slug/items/:id', (c) =>
    cachedPage(c, async () => {
      const { org, dir } = await orgAndDir(deps, c.req.param('slug'));
      const id = Number(c.req.param('id'));
      if (!Number.isInteger(id) || id <= 0) throw new NotFoundError('该信息不存在或尚未公开。');
      const { item, version, versions, replacement } = await svc.publicItem(deps, org.id, id);
      const tree = await orgTree(deps);
      const replacementOrg = replacement ? tree.byId.get(replacement.organizationId) : undefined;
      const sections = await itemPageSections(deps, { id: item.id, organizationId: org.id, kind: item.kind });
      const v: PublicItemView = {
        sections,
        id: item.id,
        indexNumber: item.index_number,
        title: version.title,
        docNumber: version.doc_number,
        orgName: org.name,
        dateCreated: item.date_created,
        firstPublishedAt: item.first_published_at!,
        lastPublishedAt: item.last_published_at!,
        theme: version.theme,
        genre: version.genre,
        keywords: version.keywords,
        summary: version.summary,
        disclosure: item.disclosure,
        disclosureMethod: item.disclosure_method,
        bodyHtml: version.body_html,
        attachments: JSON.parse(version.attachments_json),
        history: versions
          .map((h) => ({
            version: h.version,
            publishedAt: h.published_at,
            changeKind: h.change_kind,
            changeNote: h.change_note,
          }))
          .reverse(),
        withdrawn: item.withdrawn
          ? {
              at: item.withdrawn_at!,
              reason: item.withdrawal_reason as WithdrawalReason,
              note: item.withdrawal_note ?? '',
              replacement:
                replacement && replacementOrg
                  ? { href: itemHref(replacementOrg.slug, replacement.id), title: replacement.title }
                  : null,
            }
          : null,
      };
      const path = dir.path(item.column_id);
      const crumbs = crumbsFor(org, [
        ...path.map((col) => ({ label: col.name, href: columnHref(org.slug, col) })),
        { label: '正文' },
      ]);
      if (item.withdrawn && item.withdrawal_reason === 'error') {
        return portalPage(c, deps, {
          title: '信息已撤回',
          org: portalOrg(org),
          crumbs,
          status: 410,
          children: <WithdrawnNotice v={v} />,
        });
      }
      return portalPage(c, deps, {
        title: v.title,
        org: portalOrg(org),
        crumbs,
        description: v.summary || undefined,
        children: <ItemPage v={v} columnTrail={path.map((p) => p.name).join(' › ')} />,
      });
    }),
  );

  return app;
}

/** The console form's values of an item as stored. */
export function formValuesOf(item: Awaited<ReturnType<typeof svc.staffItem>>['item']): ItemFormValues {
  return {
    column_id: String(item.column_id),
    title: item.title,
    doc_number: item.doc_number,
    date_created: item.date_created,
    theme: item.theme,
    genre: item.genre,
    keywords: item.keywords,
    summary: item.summary,
    body_html: item.body_html,
    disclosure: item.disclosure,
    exemption: item.exemption,
    five_category: item.five_category,
    disclosure_method: item.disclosure_method,
    change_kind: item.change_kind === 'initial' ? '' : item.change_kind,
    change_note: item.change_note,
  };
}

/** Console pages: the item list, drafting, the review workflow, attachments. */
export function publishingConsoleRoutes(deps: Deps) {
  const site = deps.config.site;
  const staff = new StaffRouter();
  const p = (c: C) => c.get('principal') as Principal;

  const chooseOrg = async (c: C, perm: 'item.view' | 'item.draft') => {
    const tree = await orgTree(deps);
    const mine = tree.all.filter((o) => o.active).filter((o) => can(p(c), perm, tree.chain(o.id)));
    const wanted = Number(c.req.query('org'));
    return { orgs: mine, org: mine.find((o) => o.id === wanted) ?? mine[0] };
  };

  staff.get('/console/items', 'item.view', async (c) => {
    const { orgs, org } = await chooseOrg(c, 'item.view');
    const status = c.req.query('status') || undefined;
    const q = c.req.query('q') || undefined;
    const pageQ = Number(c.req.query('page'));
    const page = Number.isInteger(pageQ) && pageQ > 0 ? pageQ : 1;
    const rows = org
      ? await svc.staffList(deps, { organizationIds: [org.id], status, q, limit: 51, offset: (page - 1) * 50 })
      : [];
    const due = await svc.dueItems(deps, p(c));
    const dir = org ? await directoryOf(deps, org.id) : null;
    const canDraft = org ? can(p(c), 'item.draft', (await orgTree(deps)).chain(org.id)) : false;
    return consolePage(
      c,
      site,
      '信息发布',
      <>
        <h1>信息发布</h1>
        {due.length > 0 ? (
          <section class="notice notice-warning" aria-labelledby="due">
            <h2 id="due">即将到期和已超期的信息（生成后 20 个工作日内须公开）</h2>
            <ul>
              {due.slice(0, 20).map((d) => (
                <li>
                  <a href={`/console/items/${d.id}`}>{d.title}</a>：
                  {d.overdue ? `已超期（应于 ${d.due} 前公开）` : `还剩 ${d.workdaysLeft} 个工作日（${d.due} 前）`}
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <form method="get" action="/console/items" class="filters">
          <div class="field">
            <label for="org">机构</label>
            <select id="org" name="org">
              {orgs.map((o) => (
                <option value={String(o.id)} selected={o.id === org?.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="status">状态</label>
            <select id="status" name="status">
              <option value="">全部</option>
              {[...Object.entries(STATUS_LABELS), ['withdrawn', '已撤回']].map(([value, label]) => (
                <option value={value} selected={value === status}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="q">标题</label>
            <input id="q" name="q" type="search" value={q ?? ''} />
          </div>
          <button type="submit">筛选</button>
        </form>
        {canDraft && org ? (
          <p>
            <a class="button" href={`/console/items/new?org=${org.id}`}>
              起草新信息
            </a>
          </p>
        ) : null}
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">索引号</th>
                <th scope="col">标题</th>
                <th scope="col">栏目</th>
                <th scope="col">公开属性</th>
                <th scope="col">状态</th>
                <th scope="col">更新时间</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 50).map((r) => (
                <tr>
                  <td>{r.index_number}</td>
                  <td>
                    <a href={`/console/items/${r.id}`}>{r.title}</a>
                  </td>
                  <td>{dir?.byId.get(r.column_id)?.name}</td>
                  <td>{DISCLOSURE[r.disclosure as keyof typeof DISCLOSURE]}</td>
                  <td>
                    <StatusTag status={r.status} withdrawn={r.withdrawn} />
                    {r.published_version > 0 && r.status !== 'published' && !r.withdrawn
                      ? '（修订中，公众仍看到已发布版本）'
                      : ''}
                  </td>
                  <td>{formatDateTime(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length === 0 ? <p>没有符合条件的信息。</p> : null}
        {rows.length > 50 ? (
          <a href={`/console/items?org=${org?.id}&page=${page + 1}${status ? `&status=${status}` : ''}`}>下一页</a>
        ) : null}
      </>,
    );
  });

  const newPage = async (c: C, orgId: number, values: ItemFormValues, errors?: Record<string, string>) => {
    const dir = await directoryOf(deps, orgId);
    return consolePage(
      c,
      site,
      '起草信息',
      <>
        <h1>起草信息</h1>
        <p>起草时须认定公开属性和“五公开”类别。保存后可上传附件，再提交审核。</p>
        <ItemForm
          action={`/console/items?org=${orgId}`}
          csrf={c.get('csrf')()}
          dir={dir}
          values={values}
          errors={errors}
          revising={false}
          submitLabel="保存草稿"
        />
      </>,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/items/new', 'item.draft', async (c) => {
    const { org } = await chooseOrg(c, 'item.draft');
    if (!org) throw new ForbiddenError('您没有可以起草信息的机构。');
    const column = c.req.query('column') ?? '';
    return newPage(c, org.id, {
      column_id: column,
      date_created: beijingDate(deps.clock()),
      disclosure: 'proactive',
      disclosure_method: '政府网站',
    });
  });

  staff.post('/console/items', 'item.draft', async (c) => {
    const { org } = await chooseOrg(c, 'item.draft');
    if (!org) throw new ForbiddenError('您没有可以起草信息的机构。');
    const f = await formFields(c);
    try {
      const id = await svc.createDraft(deps, p(c), actorOf(c), org.id, f);
      return redirectWithFlash(c, `/console/items/${id}`, '草稿已保存。可以继续上传附件，完成后提交审核。');
    } catch (e) {
      if (e instanceof ValidationError) return newPage(c, org.id, f, e.fields);
      throw e;
    }
  });

  const itemPage = async (c: C, id: number, errors?: Record<string, string>, values?: Record<string, string>) => {
    const view = await svc.staffItem(deps, p(c), id);
    const { item } = view;
    const dir = await directoryOf(deps, item.organization_id);
    const tree = await orgTree(deps);
    const org = tree.byId.get(item.organization_id)!;
    const csrf = c.get('csrf')();
    const editable = view.actions.includes('edit');
    return consolePage(
      c,
      site,
      item.title,
      <>
        <h1>{item.title}</h1>
        <dl class="facts">
          <dt>索引号</dt>
          <dd>{item.index_number}</dd>
          <dt>机构 / 栏目</dt>
          <dd>
            {org.name} / {dir.byId.get(item.column_id)?.name}
          </dd>
          <dt>状态</dt>
          <dd>
            <StatusTag status={item.status} withdrawn={item.withdrawn} />
            {item.published_version > 0 ? `（已发布第 ${item.published_version} 版）` : ''}
            {item.scheduled_at ? `，定于 ${formatDateTime(item.scheduled_at)} 发布` : ''}
          </dd>
          <dt>公开属性</dt>
          <dd>
            {DISCLOSURE[item.disclosure as keyof typeof DISCLOSURE]} ｜{' '}
            {FIVE_CATEGORIES[item.five_category as keyof typeof FIVE_CATEGORIES]}
          </dd>
          {view.deadline ? (
            <>
              <dt>公开期限</dt>
              <dd>
                {view.deadline.due} 前（生成日期 {item.date_created} 次日起 20 个工作日，跳过{' '}
                {view.deadline.skipped.length} 个休息日）
              </dd>
            </>
          ) : null}
        </dl>
        {item.published_version > 0 && !item.withdrawn ? (
          <p>
            <a href={itemHref(org.slug, item.id)}>查看公开页面</a>
          </p>
        ) : null}
        <ActionForms id={item.id} actions={view.actions} csrf={csrf} errors={errors} values={values} />
        {editable ? (
          <section aria-labelledby="edit">
            <h2 id="edit">编辑</h2>
            <ItemForm
              action={`/console/items/${item.id}`}
              csrf={csrf}
              dir={dir}
              values={values && 'title' in values ? values : formValuesOf(item)}
              errors={errors}
              revising={item.published_version > 0}
              submitLabel="保存"
            />
          </section>
        ) : (
          <section aria-labelledby="content">
            <h2 id="content">内容</h2>
            <p class="meta">{item.summary}</p>
            <div class="article-body preview" dangerouslySetInnerHTML={{ __html: item.body_html }} />
          </section>
        )}
        <Attachments
          id={item.id}
          csrf={csrf}
          editable={editable}
          attachments={view.attachments}
          errors={errors?.file || errors?.alt ? errors : undefined}
        />
        {
          (
            await itemPageSections(
              deps,
              { id: item.id, organizationId: item.organization_id, kind: item.kind },
              csrf,
              'console',
            )
          ).console
        }
        <History events={view.events} />
      </>,
      errors ? 422 : 200,
    );
  };

  const idOf = (c: C) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError('信息不存在。');
    return id;
  };

  staff.get('/console/items/:id', 'item.view', (c) => itemPage(c, idOf(c)));

  const act = (
    path: string,
    perm: Parameters<StaffRouter['post']>[1],
    run: (c: C, id: number, f: Record<string, string>) => Promise<string>,
  ) =>
    staff.post(path, perm, async (c) => {
      const id = idOf(c);
      const f = await formFields(c);
      try {
        const msg = await run(c, id, f);
        return redirectWithFlash(c, `/console/items/${id}`, msg);
      } catch (e) {
        if (e instanceof ValidationError) return itemPage(c, id, e.fields, f);
        throw e;
      }
    });

  act('/console/items/:id', 'item.draft', async (c, id, f) => {
    await svc.updateDraft(deps, p(c), actorOf(c), id, f);
    return '已保存。';
  });
  act('/console/items/:id/submit', 'item.draft', async (c, id) => {
    await svc.submit(deps, p(c), actorOf(c), id);
    return '已提交审核。';
  });
  act('/console/items/:id/review', 'item.review', async (c, id) => {
    await svc.review(deps, p(c), actorOf(c), id);
    return '审核通过，已送签发。';
  });
  act('/console/items/:id/return', 'item.view', async (c, id, f) => {
    await svc.returnToDraft(deps, p(c), actorOf(c), id, f.comment ?? '');
    return '已退回起草人修改。';
  });
  act('/console/items/:id/approve', 'item.approve', async (c, id) => {
    await svc.approve(deps, p(c), actorOf(c), id);
    return '已签发。';
  });
  act('/console/items/:id/publish', 'item.publish', async (c, id) => {
    await svc.publishNow(deps, p(c), actorOf(c), id);
    return '已发布。';
  });
  act('/console/items/:id/schedule', 'item.publish', async (c, id, f) => {
    await svc.schedule(deps, p(c), actorOf(c), id, f);
    return '已设置定时发布。';
  });
  act('/console/items/:id/unschedule', 'item.publish', async (c, id) => {
    await svc.unschedule(deps, p(c), actorOf(c), id);
    return '已取消定时发布。';
  });
  act('/console/items/:id/revise', 'item.draft', async (c, id) => {
    await svc.startRevision(deps, p(c), actorOf(c), id);
    return '已开始修订。修订期间公众仍看到已发布的版本。';
  });
  act('/console/items/:id/withdraw', 'item.withdraw', async (c, id, f) => {
    await svc.withdraw(deps, p(c), actorOf(c), id, f);
    return '已撤回。公开页面已显示撤回说明。';
  });

  staff.post('/console/items/:id/attachments', 'item.draft', async (c) => {
    const id = idOf(c);
    const body = await c.req.parseBody();
    const file = body.file;
    const inline = body.inline === '1';
    const alt = typeof body.alt === 'string' ? body.alt.trim() : '';
    try {
      if (!(file instanceof File) || file.size === 0) throw new ValidationError({ file: '请选择要上传的文件。' });
      if (inline && alt.length < 2) throw new ValidationError({ alt: '插入正文的图片须填写替代文字，说明图片内容。' });
      const bytes = new Uint8Array(await file.arrayBuffer());
      const stored = await storeFile(
        deps.db,
        deps.config.dataDir,
        bytes,
        file.name,
        { allowed: inline ? BODY_IMAGE_TYPES : ATTACHMENT_TYPES, maxBytes: deps.config.attachmentMaxBytes },
        deps.clock(),
      );
      const name = baseName(file.name).slice(0, 200) || `file.${stored.ext}`;
      await svc.attachFile(deps, p(c), actorOf(c), id, { sha256: stored.sha256, filename: name, alt, inline });
      if (inline) {
        const view = await svc.staffItem(deps, p(c), id);
        const f = formValuesOf(view.item);
        const img = `<p><img src="/files/${stored.sha256}/${encodeURIComponent(name)}" alt="${alt.replace(/[&"<>]/g, (m) => `&#${m.charCodeAt(0)};`)}"></p>`;
        await svc.updateDraft(deps, p(c), actorOf(c), id, {
          ...f,
          change_kind: f.change_kind || 'initial',
          body_html: `${f.body_html}${img}`,
        });
      }
      return redirectWithFlash(
        c,
        `/console/items/${id}`,
        inline ? '图片已上传并插入正文末尾。' : `附件“${name}”已上传。`,
      );
    } catch (e) {
      if (e instanceof ValidationError)
        return itemPage(
          c,
          id,
          e.fields.file || e.fields.alt ? e.fields : { file: Object.values(e.fields)[0] ?? e.message },
        );
      throw e;
    }
  });

  staff.post('/console/items/:id/attachments/:aid/delete', 'item.draft', async (c) => {
    const id = idOf(c);
    await svc.detachFile(deps, p(c), actorOf(c), id, Number(c.req.param('aid')));
    return redirectWithFlash(c, `/console/items/${id}`, '附件已删除。');
  });

  staff.post('/console/organizations/:id/workflow', 'organization.update', async (c) => {
    const orgId = Number(c.req.param('id'));
    const f = await formFields(c);
    await svc.setOnePersonWorkflow(deps, p(c), actorOf(c), orgId, f.one_person === '1');
    return redirectWithFlash(
      c,
      `/console/organizations/${orgId}`,
      f.one_person === '1' ? '已开启一人流程。' : '已关闭一人流程。',
    );
  });

  void administrableOrgs;
  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
