import { type Context, Hono } from 'hono';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { ErrorSummary, SelectField, TextArea, TextField } from '../../platform/render/components.js';
import { indented, treeOptions } from '../../platform/render/tree.js';
import { formatDateTime } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';
import { findColumn } from './directory.repository.js';
import {
  type Column,
  createColumn,
  type Directory,
  directoryHealth,
  directoryOf,
  setColumnRetired,
  updateColumn,
} from './directory.service.js';
import { COLUMN_KINDS } from './directory.standard.js';

type C = Context<AppEnv>;

function parentOptions(dir: Directory, exceptId?: number) {
  return treeOptions((p) => dir.children(p), {
    value: (c) => String(c.id),
    label: (c) => c.name,
    prune: (c) => c.id === exceptId,
  });
}

function ColumnForm(p: {
  action: string;
  csrf: string;
  dir: Directory;
  values: Record<string, string>;
  errors?: Record<string, string>;
  exceptId?: number;
  submitLabel: string;
}) {
  const v = p.values;
  return (
    <>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={p.action} novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <TextField name="name" label="栏目名称" value={v.name} errors={p.errors} required />
        <TextField
          name="code"
          label="栏目代码"
          value={v.code}
          errors={p.errors}
          hint="用于索引号，如 ZCWJ（大写字母或数字）。"
          required
        />
        <TextField
          name="slug"
          label="网址标识"
          value={v.slug}
          errors={p.errors}
          hint="栏目网址中的名称，如 policies。"
          required
        />
        <SelectField
          name="kind"
          label="栏目类型（决定更新时限）"
          value={v.kind}
          errors={p.errors}
          options={Object.entries(COLUMN_KINDS).map(([value, k]) => ({
            value,
            label: `${k.label}${k.freshnessDays ? `（至少每 ${k.freshnessDays === 14 ? '2 周' : '6 个月'}更新）` : ''}`,
          }))}
        />
        <SelectField
          name="parent_id"
          label="上级栏目"
          value={v.parent_id}
          errors={p.errors}
          emptyLabel="（无，一级栏目）"
          options={parentOptions(p.dir, p.exceptId)}
        />
        <TextField name="sort_order" label="排序号" value={v.sort_order} errors={p.errors} inputmode="numeric" />
        <TextArea name="description" label="栏目说明" value={v.description} errors={p.errors} rows={2} />
        <TextArea
          name="static_html"
          label="单页内容（仅单页类栏目）"
          value={v.static_html}
          errors={p.errors}
          rows={8}
          hint="可粘贴 Word 或 WPS 中的带格式文字。"
        />
        <button type="submit">{p.submitLabel}</button>
      </form>
    </>
  );
}

const valuesOf = (c: Column): Record<string, string> => ({
  name: c.name,
  code: c.code,
  slug: c.slug,
  kind: c.kind,
  parent_id: c.parentId ? String(c.parentId) : '',
  sort_order: String(c.sortOrder),
  description: c.description,
  static_html: c.staticHtml,
});

/** Console pages for an organization's disclosure directory. */
export function directoryRoutes(deps: Deps) {
  const site = deps.config.site;
  const staff = new StaffRouter();
  const principal = (c: C) => c.get('principal') as Principal;

  const manageableOrgs = async (c: C) => {
    const tree = await orgTree(deps);
    return tree.all.filter((o) => o.active && can(principal(c), 'column.manage', tree.chain(o.id)));
  };

  const listPage = async (
    c: C,
    orgId: number | undefined,
    values: Record<string, string> = {},
    errors?: Record<string, string>,
  ) => {
    const orgs = await manageableOrgs(c);
    const org = orgs.find((o) => o.id === orgId) ?? orgs[0];
    if (!org) throw new ForbiddenError('您没有可以管理栏目的机构。');
    const [health, dir] = await Promise.all([directoryHealth(deps, org.id), directoryOf(deps, org.id)]);
    const byId = new Map(health.map((h) => [h.column.id, h]));
    const rows: { col: Column; depth: number }[] = [];
    const walk = (parent: number | null, depth: number) => {
      for (const col of dir.children(parent)) {
        rows.push({ col, depth });
        walk(col.id, depth + 1);
      }
    };
    walk(null, 0);
    const stale = health.filter((h) => !h.column.retired && h.stale).length;
    return consolePage(
      c,
      site,
      '公开目录',
      <>
        <h1>公开目录：{org.name}</h1>
        <form method="get" action="/console/directory" class="filters">
          <SelectField
            name="org"
            label="机构"
            value={String(org.id)}
            options={orgs.map((o) => ({ value: String(o.id), label: o.name }))}
          />
          <button type="submit">切换</button>
        </form>
        {stale > 0 ? (
          <div class="notice notice-warning" role="alert">
            有 {stale} 个栏目未按时更新（动态类 2 周、通知公告和政策文件类 6 个月）。网站检查中 5
            个以上栏目不更新属于单项否决。
          </div>
        ) : null}
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">栏目</th>
                <th scope="col">代码</th>
                <th scope="col">类型</th>
                <th scope="col">信息数</th>
                <th scope="col">最近发布</th>
                <th scope="col">状态</th>
                <th scope="col">操作</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ col, depth }) => {
                const h = byId.get(col.id);
                return (
                  <tr>
                    <td>
                      {indented(depth, '')}
                      {col.name}
                    </td>
                    <td>{col.code}</td>
                    <td>{COLUMN_KINDS[col.kind].label}</td>
                    <td>{h?.count ?? 0}</td>
                    <td>{h?.lastPublished ? formatDateTime(h.lastPublished).slice(0, 10) : '—'}</td>
                    <td>{col.retired ? '已停用' : h?.stale ? (h.empty ? '空栏目' : '未按时更新') : '正常'}</td>
                    <td>
                      <a href={`/console/directory/${col.id}`}>编辑</a> ｜{' '}
                      <a href={`/org/${org.slug}/gk/${col.slug}`}>门户页面</a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <h2>新增栏目</h2>
        <ColumnForm
          action={`/console/directory?org=${org.id}`}
          csrf={c.get('csrf')()}
          dir={dir}
          values={{ kind: 'notices', sort_order: '100', ...values }}
          errors={errors}
          submitLabel="新增栏目"
        />
      </>,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/directory', 'column.manage', (c) => listPage(c, Number(c.req.query('org')) || undefined));

  staff.post('/console/directory', 'column.manage', async (c) => {
    const orgId = Number(c.req.query('org'));
    const f = await formFields(c);
    try {
      await createColumn(deps, principal(c), actorOf(c), orgId, f);
    } catch (e) {
      if (e instanceof ValidationError) return listPage(c, orgId, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/directory?org=${orgId}`, `已新增栏目“${f.name}”。`);
  });

  const loadColumn = async (c: C) => {
    const row = await findColumn(deps.db.kysely, Number(c.req.param('id')) || 0);
    if (!row) throw new NotFoundError('栏目不存在。');
    const tree = await orgTree(deps);
    const org = tree.byId.get(row.organization_id)!;
    if (!can(principal(c), 'column.manage', tree.chain(org.id))) throw new ForbiddenError('您无权管理该机构的栏目。');
    const dir = await directoryOf(deps, org.id);
    return { col: dir.byId.get(row.id)!, org, dir };
  };

  const editPage = async (c: C, values?: Record<string, string>, errors?: Record<string, string>) => {
    const { col, org, dir } = await loadColumn(c);
    const csrf = c.get('csrf')();
    return consolePage(
      c,
      site,
      `编辑栏目：${col.name}`,
      <>
        <h1>编辑栏目：{col.name}</h1>
        <p>
          所属机构：{org.name}。{col.standardKey ? '这是标准目录中的栏目。' : ''}
        </p>
        <ColumnForm
          action={`/console/directory/${col.id}`}
          csrf={csrf}
          dir={dir}
          values={values ?? valuesOf(col)}
          errors={errors}
          exceptId={col.id}
          submitLabel="保存"
        />
        <h2>{col.retired ? '恢复栏目' : '停用栏目'}</h2>
        <p>
          {col.retired
            ? '恢复后栏目重新出现在公开目录中。'
            : '停用后栏目不再出现在公开目录中，但原有网址和信息仍可访问。'}
        </p>
        <form method="post" action={`/console/directory/${col.id}/${col.retired ? 'restore' : 'retire'}`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class={col.retired ? 'secondary' : 'danger'}>
            {col.retired ? '恢复' : '停用'}
          </button>
        </form>
        <p>
          <a href={`/console/directory?org=${org.id}`}>返回公开目录</a>
        </p>
      </>,
      errors ? 422 : 200,
    );
  };

  staff.get('/console/directory/:id', 'column.manage', (c) => editPage(c));
  staff.post('/console/directory/:id', 'column.manage', async (c) => {
    const f = await formFields(c);
    const { col, org } = await loadColumn(c);
    try {
      await updateColumn(deps, principal(c), actorOf(c), col.id, f);
    } catch (e) {
      if (e instanceof ValidationError) return editPage(c, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/directory?org=${org.id}`, `已保存栏目“${f.name}”。`);
  });
  for (const [action, retired] of [
    ['retire', true],
    ['restore', false],
  ] as const) {
    staff.post(`/console/directory/:id/${action}`, 'column.manage', async (c) => {
      const { col, org } = await loadColumn(c);
      await setColumnRetired(deps, principal(c), actorOf(c), col.id, retired);
      return redirectWithFlash(
        c,
        `/console/directory?org=${org.id}`,
        `栏目“${col.name}”已${retired ? '停用' : '恢复'}。`,
      );
    });
  }

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
