import { type Context, Hono } from 'hono';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { cachedPage, portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { ErrorSummary, SelectField, TextArea, TextField } from '../../platform/render/components.js';
import { formatDateTime } from '../../platform/time.js';
import { directoryOf } from '../directory/directory.service.js';
import { portalOrg } from '../organizations/organizations.routes.js';
import { orgTree, publicOrganization } from '../organizations/organizations.service.js';
import { itemHref } from '../publishing/views/public.js';
import {
  approveEntry,
  campaignsOf,
  campaignView,
  closeCampaign,
  createCampaign,
  DECISIONS,
  type Decision,
  decide,
} from './campaigns.service.js';

type C = Context<AppEnv>;
const Csrf = ({ t }: { t: string }) => <input type="hidden" name="_csrf" value={t} />;

function intParam(v: string | undefined) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) throw new NotFoundError('清理工作不存在。');
  return n;
}

type View = Awaited<ReturnType<typeof campaignView>>;

function ResultTable({ v }: { v: View }) {
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">文件</th>
            <th scope="col">文号</th>
            <th scope="col">清理意见</th>
            <th scope="col">理由</th>
          </tr>
        </thead>
        <tbody>
          {v.entries.map((e) => (
            <tr>
              <td>
                <a href={itemHref(e.org_slug, e.item_id)}>{e.title}</a>
              </td>
              <td>{e.doc_number}</td>
              <td>{e.decision ? DECISIONS[e.decision as Decision] : '待定'}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Console pages of cleanup campaigns and the public result list of a closed one. */
export function campaignRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;
  const p = (c: C) => c.get('principal')!;

  const listPage = async (c: C, values: Record<string, string> = {}, errors?: Record<string, string>) => {
    const tree = await orgTree(deps);
    const orgs = tree.all.filter((o) => can(p(c), 'campaign.manage', tree.chain(o.id)));
    const rows = await campaignsOf(
      deps,
      orgs.map((o) => o.id),
    );
    return consolePage(
      c,
      site,
      '规范性文件清理',
      <>
        <h1>规范性文件清理</h1>
        {rows.length === 0 ? (
          <p>尚未开展清理工作。</p>
        ) : (
          <ul class="list-plain">
            {rows.map((r) => (
              <li>
                <a href={`/console/policy-campaigns/${r.id}`}>{r.name}</a>
                <span class="meta">{r.status === 'open' ? '进行中' : `已于 ${formatDateTime(r.closed_at)} 结束`}</span>
              </li>
            ))}
          </ul>
        )}
        <h2>开展新的清理</h2>
        <ErrorSummary errors={errors} />
        <form method="post" action="/console/policy-campaigns" novalidate>
          <Csrf t={c.get('csrf')()} />
          <SelectField
            name="organization_id"
            label="机构"
            value={values.organization_id}
            options={orgs.map((o) => ({ value: String(o.id), label: o.name }))}
          />
          <TextField name="name" label="名称" value={values.name} errors={errors} />
          <TextField
            name="policy_ids"
            label="要清理的政策文件编号"
            value={values.policy_ids}
            errors={errors}
            hint="用逗号分隔，例如：3, 5, 8"
          />
          <button type="submit">开始清理</button>
        </form>
      </>,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/policy-campaigns', 'campaign.manage', (c) => listPage(c));
  staff.post('/console/policy-campaigns', 'campaign.manage', async (c) => {
    const f = await formFields(c);
    let id: number;
    try {
      const orgId = Number(f.organization_id);
      if (!Number.isInteger(orgId) || orgId < 1) throw new ValidationError({ organization_id: '请选择机构。' });
      id = await createCampaign(deps, p(c), actorOf(c), orgId, f);
    } catch (e) {
      if (e instanceof ValidationError) return listPage(c, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/policy-campaigns/${id}`, '清理工作已开始，请逐件填写清理意见。');
  });

  staff.get('/console/policy-campaigns/:id', 'campaign.manage', async (c) => {
    const id = intParam(c.req.param('id'));
    const v = await campaignView(deps, id);
    const csrf = c.get('csrf')();
    const open = v.campaign.status === 'open';
    const tree = await orgTree(deps);
    const org = tree.byId.get(v.campaign.organization_id);
    const dir = await directoryOf(deps, v.campaign.organization_id);
    return consolePage(
      c,
      site,
      v.campaign.name,
      <>
        <h1>{v.campaign.name}</h1>
        {!open && org ? (
          <p>
            清理已结束，结果已作为信息公布：
            <a
              href={
                v.campaign.result_item_id
                  ? itemHref(org.slug, v.campaign.result_item_id)
                  : `/org/${org.slug}/policy-campaigns/${id}`
              }
            >
              查看公布的清理结果
            </a>
          </p>
        ) : null}
        <ResultTable v={v} />
        {open
          ? v.entries.map((e) => (
              <section aria-label={`清理意见：${e.title}`} class="campaign-entry">
                <h2>{e.title}</h2>
                <form method="post" action={`/console/policy-campaigns/${id}/entries/${e.id}/decide`} novalidate>
                  <Csrf t={csrf} />
                  <SelectField
                    name="decision"
                    label="清理意见"
                    value={e.decision}
                    emptyLabel="请选择"
                    options={Object.entries(DECISIONS).map(([value, label]) => ({ value, label }))}
                  />
                  <TextArea name="reason" label="理由" value={e.reason} rows={2} />
                  <button type="submit" class="secondary">
                    保存意见
                  </button>
                </form>
                {e.decision && !e.approved_by ? (
                  <form method="post" action={`/console/policy-campaigns/${id}/entries/${e.id}/approve`}>
                    <Csrf t={csrf} />
                    <button type="submit">批准该意见</button>
                  </form>
                ) : e.approved_by ? (
                  <p class="meta">已批准。</p>
                ) : null}
              </section>
            ))
          : null}
        {open ? (
          <form method="post" action={`/console/policy-campaigns/${id}/close`}>
            <Csrf t={csrf} />
            <SelectField
              name="column_id"
              label="公布清理结果的栏目"
              value={String(dir.bySlug.get('policies')?.id ?? '')}
              options={dir.all
                .filter((col) => !col.retired && col.kind !== 'static')
                .map((col) => ({
                  value: String(col.id),
                  label: dir
                    .path(col.id)
                    .map((x) => x.name)
                    .join(' › '),
                }))}
            />
            <button type="submit">结束清理并公布结果</button>
          </form>
        ) : null}
      </>,
    );
  });

  const act = (
    path: string,
    perm: 'campaign.manage' | 'campaign.approve',
    run: (c: C, id: number, f: Record<string, string>) => Promise<string>,
  ) =>
    staff.post(path, perm, async (c) => {
      const id = intParam(c.req.param('id'));
      const f = await formFields(c);
      try {
        return redirectWithFlash(c, `/console/policy-campaigns/${id}`, await run(c, id, f));
      } catch (e) {
        if (e instanceof ValidationError)
          return redirectWithFlash(c, `/console/policy-campaigns/${id}`, Object.values(e.fields).join(' '));
        throw e;
      }
    });
  act('/console/policy-campaigns/:id/entries/:entryId/decide', 'campaign.manage', async (c, id, f) => {
    await decide(deps, p(c), actorOf(c), id, intParam(c.req.param('entryId')), f);
    return '清理意见已保存，待签发人批准。';
  });
  act('/console/policy-campaigns/:id/entries/:entryId/approve', 'campaign.approve', async (c, id) => {
    await approveEntry(deps, p(c), actorOf(c), id, intParam(c.req.param('entryId')));
    return '已批准。';
  });
  act('/console/policy-campaigns/:id/close', 'campaign.manage', async (c, id, f) => {
    const columnId = f.column_id ? Number(f.column_id) : undefined;
    if (columnId !== undefined && (!Number.isInteger(columnId) || columnId < 1))
      throw new ValidationError({ column_id: '请选择栏目。' });
    await closeCampaign(deps, p(c), actorOf(c), id, { columnId });
    return '清理已结束：废止和宣布失效的文件已标注，清理结果已作为信息发布。';
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  app.get('/org/:slug/policy-campaigns/:id', (c) =>
    cachedPage(c, async () => {
      const org = await publicOrganization(deps, c.req.param('slug'));
      const v = await campaignView(deps, intParam(c.req.param('id')));
      if (v.campaign.status !== 'closed' || v.campaign.organization_id !== org.id)
        throw new NotFoundError('清理结果不存在或尚未公布。');
      // Since the result list is an information item, this address leads to it.
      if (v.campaign.result_item_id) return c.redirect(itemHref(org.slug, v.campaign.result_item_id), 301);
      return portalPage(c, deps, {
        title: `${v.campaign.name}结果`,
        org: portalOrg(org),
        crumbs: [
          { label: '首页', href: '/' },
          { label: org.name, href: `/org/${org.slug}` },
          { label: '政策文件库', href: `/org/${org.slug}/policies` },
          { label: '清理结果' },
        ],
        children: (
          <>
            <h1>{v.campaign.name}结果</h1>
            <p class="meta">公布日期：{formatDateTime(v.campaign.closed_at).slice(0, 10)}</p>
            <ResultTable v={v} />
          </>
        ),
      });
    }),
  );
  return app;
}
