import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { cachedPage, clearPageCache, portalPage } from '../../platform/http/portal.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { leadershipText, parseLeadershipText } from './organizations.schema.js';
import {
  administrableOrgs,
  createOrganization,
  type Organization,
  orgTree,
  publicOrganization,
  updateOrganization,
} from './organizations.service.js';
import { OrgForm, type OrgFormValues, OrgList, orgFormValues } from './views/console.js';
import { AgencyAbout, AgencyHome, DistrictHome } from './views/portal.js';

export const portalOrg = (o: Organization) => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  address: o.address,
  phone: o.phone,
  email: o.email,
  postcode: o.postcode,
  officeHours: o.officeHours,
});

// Sections feature modules add to an agency's home page (e.g. the latest items per column).
type HomeSection = (deps: Deps, org: Organization) => Promise<Child>;
const homeSections: { order: number; render: HomeSection }[] = [];
export function addAgencyHomeSection(order: number, render: HomeSection) {
  homeSections.push({ order, render });
  homeSections.sort((a, b) => a.order - b.order);
}

/** The district home, agency homes and about pages; the console's organization management. */
export function organizationRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  const site = deps.config.site;

  app.get('/', (c) =>
    cachedPage(c, async () => {
      const tree = await orgTree(deps);
      const root = tree.children(null)[0];
      return portalPage(c, deps, {
        title: '首页',
        org: null,
        crumbs: [{ label: '首页' }],
        children: <DistrictHome tree={tree} root={root} />,
      });
    }),
  );

  app.get('/org/:slug', (c) =>
    cachedPage(c, async () => {
      const org = await publicOrganization(deps, c.req.param('slug'));
      const tree = await orgTree(deps);
      const sections = await Promise.all(homeSections.map((s) => s.render(deps, org)));
      return portalPage(c, deps, {
        title: '首页',
        org: portalOrg(org),
        crumbs: [{ label: '首页', href: '/' }, { label: org.name }],
        description: `${org.name}政务公开`,
        children: <AgencyHome org={org} tree={tree} sections={sections} />,
      });
    }),
  );

  app.get('/org/:slug/about', async (c) => {
    const org = await publicOrganization(deps, c.req.param('slug'));
    return portalPage(c, deps, {
      title: '机构概况',
      org: portalOrg(org),
      crumbs: [{ label: '首页', href: '/' }, { label: org.name, href: `/org/${org.slug}` }, { label: '机构概况' }],
      children: <AgencyAbout org={org} />,
    });
  });

  const staff = new StaffRouter();

  staff.get('/console/organizations', 'organization.view', async (c) => {
    const p = c.get('principal')!;
    const tree = await orgTree(deps);
    const visible = new Set((await administrableOrgs(deps, p, 'organization.view')).map((o) => o.id));
    const canCreate = can(p, 'organization.create') || can(p, 'organization.update');
    return consolePage(
      c,
      site,
      '机构管理',
      <>
        <h1>机构管理</h1>
        {canCreate ? (
          <p>
            <a class="button" href="/console/organizations/new">
              新建机构
            </a>
          </p>
        ) : null}
        <OrgList tree={tree} visible={visible} />
      </>,
    );
  });

  const formPage = async (
    c: Context<AppEnv>,
    o: { id?: number; values: OrgFormValues; errors?: Record<string, string> },
  ) => {
    const p = c.get('principal')!;
    const parents = can(p, 'organization.create')
      ? (await orgTree(deps)).all
      : await administrableOrgs(deps, p, 'organization.update');
    const title = o.id ? '编辑机构' : '新建机构';
    return consolePage(
      c,
      site,
      title,
      <>
        <h1>{title}</h1>
        <OrgForm
          action={o.id ? `/console/organizations/${o.id}` : '/console/organizations'}
          csrf={c.get('csrf')()}
          values={o.values}
          errors={o.errors}
          parents={parents.filter((x) => x.id !== o.id)}
          submitLabel={o.id ? '保存修改' : '创建机构'}
        />
      </>,
      o.errors ? 422 : 200,
    );
  };

  const submitted = (f: Record<string, string>) => {
    const leaders = parseLeadershipText(f.leadership ?? '');
    if (typeof leaders === 'string') throw new ValidationError({ leadership: leaders });
    return { ...f, leadership: leaders };
  };

  staff.get('/console/organizations/new', 'organization.update', (c) =>
    formPage(c, { values: { kind: 'department', active: '1', sort_order: '0' } }),
  );

  staff.post('/console/organizations', 'organization.update', async (c) => {
    const f = await formFields(c);
    try {
      await createOrganization(deps, c.get('principal')!, actorOf(c), submitted(f));
    } catch (e) {
      if (e instanceof ValidationError) return formPage(c, { values: f, errors: e.fields });
      throw e;
    }
    clearPageCache();
    return redirectWithFlash(c, '/console/organizations', `已创建机构“${f.name}”。`);
  });

  staff.get('/console/organizations/:id', 'organization.update', async (c) => {
    const id = Number(c.req.param('id'));
    const tree = await orgTree(deps);
    const o = tree.byId.get(id);
    if (!o) throw new NotFoundError('机构不存在。');
    if (!can(c.get('principal'), 'organization.update', tree.chain(id))) throw new ForbiddenError('您无权修改该机构。');
    return formPage(c, { id, values: orgFormValues(o, leadershipText(o.leadership)) });
  });

  staff.post('/console/organizations/:id', 'organization.update', async (c) => {
    const id = Number(c.req.param('id'));
    const f = await formFields(c);
    try {
      await updateOrganization(deps, c.get('principal')!, actorOf(c), id, submitted(f));
    } catch (e) {
      if (e instanceof ValidationError) return formPage(c, { id, values: f, errors: e.fields });
      throw e;
    }
    clearPageCache();
    return redirectWithFlash(c, '/console/organizations', `已保存机构“${f.name}”。`);
  });

  app.route('/', staff.app);
  return app;
}
