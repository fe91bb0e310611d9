import type { Context } from 'hono';
import { Hono } from 'hono';
import { generatePassword } from '../../platform/auth/password.js';
import { can, ROLE_LABELS, ROLES } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { ValidationError } from '../../platform/errors.js';
import { formFields } from '../../platform/http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { ErrorSummary, SelectField, TextField } from '../../platform/render/components.js';
import { formatDateTime } from '../../platform/time.js';
import { administrableOrgs, orgTree } from '../organizations/organizations.service.js';
import {
  createUser,
  getUser,
  grantRole,
  listVisibleUsers,
  resetPassword,
  resetTotp,
  revokeRole,
  type UserSummary,
  unlockUser,
  updateUser,
} from './users.service.js';

type C = Context<AppEnv>;

/** Console pages for staff accounts and their role grants. */
export function userRoutes(deps: Deps) {
  const site = deps.config.site;
  const staff = new StaffRouter();

  staff.get('/console/users', 'user.view', async (c) => {
    const p = c.get('principal')!;
    const [users, tree] = await Promise.all([listVisibleUsers(deps, p), orgTree(deps)]);
    return consolePage(
      c,
      site,
      '用户管理',
      <>
        <h1>用户管理</h1>
        {can(p, 'user.manage') ? (
          <p>
            <a class="button" href="/console/users/new">
              新建用户
            </a>
          </p>
        ) : null}
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">用户名</th>
                <th scope="col">姓名</th>
                <th scope="col">角色</th>
                <th scope="col">状态</th>
                <th scope="col">最近登录</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr>
                  <td>
                    <a href={`/console/users/${u.id}`}>{u.username}</a>
                  </td>
                  <td>{u.displayName}</td>
                  <td>
                    {u.grants
                      .map(
                        (g) =>
                          `${tree.byId.get(g.organizationId)?.shortName || tree.byId.get(g.organizationId)?.name || ''}·${ROLE_LABELS[g.role]}`,
                      )
                      .join('；') || '无'}
                  </td>
                  <td>{!u.active ? '已停用' : u.locked ? '已锁定' : '正常'}</td>
                  <td>{formatDateTime(u.lastLoginAt) || '从未登录'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>,
    );
  });

  const newPage = (c: C, values: Record<string, string>, errors?: Record<string, string>) =>
    consolePage(
      c,
      site,
      '新建用户',
      <>
        <h1>新建用户</h1>
        <ErrorSummary errors={errors} />
        <form method="post" action="/console/users" novalidate>
          <input type="hidden" name="_csrf" value={c.get('csrf')()} />
          <TextField
            name="username"
            label="用户名"
            value={values.username}
            errors={errors}
            autocomplete="off"
            required
          />
          <TextField name="display_name" label="姓名" value={values.display_name} errors={errors} required />
          <TextField name="email" label="电子邮箱" type="email" value={values.email} errors={errors} />
          <TextField
            name="password"
            label="初始密码"
            value={values.password ?? generatePassword()}
            errors={errors}
            autocomplete="off"
            hint="请告知用户本人；用户首次登录时必须修改。至少 10 个字符，包含三类字符。"
            required
          />
          <button type="submit">创建用户</button>
        </form>
      </>,
      errors ? 422 : 200,
    );

  staff.get('/console/users/new', 'user.manage', (c) => newPage(c, {}));
  staff.post('/console/users', 'user.manage', async (c) => {
    const f = await formFields(c);
    let id: number;
    try {
      id = await createUser(deps, actorOf(c), f);
    } catch (e) {
      if (e instanceof ValidationError) return newPage(c, f, e.fields);
      throw e;
    }
    return redirectWithFlash(c, `/console/users/${id}`, `已创建用户“${f.display_name}”。请为其授予角色。`);
  });

  const detailPage = async (c: C, u: UserSummary, errors?: Record<string, string>, values?: Record<string, string>) => {
    const p = c.get('principal')!;
    const tree = await orgTree(deps);
    const orgs = await administrableOrgs(deps, p, 'user.manage');
    const csrf = c.get('csrf')();
    const manage = can(p, 'user.manage');
    const v = values ?? { display_name: u.displayName, email: u.email, active: u.active ? '1' : '0' };
    return consolePage(
      c,
      site,
      `用户：${u.displayName}`,
      <>
        <h1>用户：{u.displayName}</h1>
        <dl class="facts">
          <dt>用户名</dt>
          <dd>{u.username}</dd>
          <dt>状态</dt>
          <dd>{!u.active ? '已停用' : u.locked ? '已锁定（连续密码错误）' : '正常'}</dd>
          <dt>两步验证</dt>
          <dd>{u.totpEnabled ? '已启用' : '未启用'}</dd>
          <dt>最近登录</dt>
          <dd>{formatDateTime(u.lastLoginAt) || '从未登录'}</dd>
        </dl>
        <ErrorSummary errors={errors} />
        <h2>角色</h2>
        {u.grants.length === 0 ? <p>尚未授予任何角色。</p> : null}
        <ul class="list-plain">
          {u.grants.map((g) => (
            <li>
              <span>
                {tree.byId.get(g.organizationId)?.name} · {ROLE_LABELS[g.role]}
              </span>
              {manage ? (
                <form method="post" action={`/console/users/${u.id}/grants/${g.id}/revoke`} class="inline-form">
                  <input type="hidden" name="_csrf" value={csrf} />
                  <button type="submit" class="link-button">
                    撤销
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
        {manage ? (
          <>
            <h3>授予角色</h3>
            <form method="post" action={`/console/users/${u.id}/grants`} novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <SelectField
                name="organization_id"
                label="机构"
                value={values?.organization_id}
                errors={errors}
                emptyLabel="请选择"
                options={orgs.map((o) => ({ value: String(o.id), label: o.name }))}
              />
              <SelectField
                name="role"
                label="角色"
                value={values?.role}
                errors={errors}
                emptyLabel="请选择"
                options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
              />
              <button type="submit">授予</button>
            </form>
            <h2>基本信息</h2>
            <form method="post" action={`/console/users/${u.id}`} novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <TextField name="display_name" label="姓名" value={v.display_name} errors={errors} required />
              <TextField name="email" label="电子邮箱" type="email" value={v.email} errors={errors} />
              <SelectField
                name="active"
                label="账户状态"
                value={v.active}
                errors={errors}
                options={[
                  { value: '1', label: '启用' },
                  { value: '0', label: '停用' },
                ]}
              />
              <button type="submit">保存</button>
            </form>
            <h2>安全</h2>
            <form method="post" action={`/console/users/${u.id}/password`} novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <TextField
                name="password"
                label="新密码"
                value={values?.password ?? generatePassword()}
                errors={errors}
                autocomplete="off"
                hint="重置后用户的所有登录将退出，下次登录时必须修改密码。"
              />
              <button type="submit" class="secondary">
                重置密码
              </button>
            </form>
            <p>
              {u.locked ? (
                <form method="post" action={`/console/users/${u.id}/unlock`} class="inline-form">
                  <input type="hidden" name="_csrf" value={csrf} />
                  <button type="submit" class="secondary">
                    解除锁定
                  </button>
                </form>
              ) : null}{' '}
              {u.totpEnabled ? (
                <form method="post" action={`/console/users/${u.id}/totp-reset`} class="inline-form">
                  <input type="hidden" name="_csrf" value={csrf} />
                  <button type="submit" class="secondary">
                    重置两步验证
                  </button>
                </form>
              ) : null}
            </p>
          </>
        ) : null}
        <p>
          <a href={`/console/audit?entity_type=user&entity_id=${u.id}`}>查看该用户的审计记录</a>
        </p>
      </>,
      errors ? 422 : 200,
    );
  };

  const idOf = (c: C) => Number(c.req.param('id'));

  staff.get('/console/users/:id', 'user.view', async (c) =>
    detailPage(c, await getUser(deps, c.get('principal')!, idOf(c))),
  );

  // Each action re-renders the detail page with the field errors, or redirects with a message.
  const action = (path: string, run: (c: C, f: Record<string, string>) => Promise<string>) =>
    staff.post(path, 'user.manage', async (c) => {
      const f = await formFields(c);
      try {
        const msg = await run(c, f);
        return redirectWithFlash(c, `/console/users/${idOf(c)}`, msg);
      } catch (e) {
        if (e instanceof ValidationError)
          return detailPage(c, await getUser(deps, c.get('principal')!, idOf(c)), e.fields, f);
        throw e;
      }
    });

  action('/console/users/:id', async (c, f) => {
    await updateUser(deps, c.get('principal')!, actorOf(c), idOf(c), f);
    return '已保存用户信息。';
  });
  action('/console/users/:id/grants', async (c, f) => {
    await grantRole(deps, c.get('principal')!, actorOf(c), idOf(c), f);
    return '已授予角色。';
  });
  action('/console/users/:id/grants/:grantId/revoke', async (c) => {
    await revokeRole(deps, c.get('principal')!, actorOf(c), Number(c.req.param('grantId')));
    return '已撤销角色。';
  });
  action('/console/users/:id/password', async (c, f) => {
    await resetPassword(deps, c.get('principal')!, actorOf(c), idOf(c), f.password ?? '');
    return '已重置密码。请把新密码告知用户本人，用户登录后须立即修改。';
  });
  action('/console/users/:id/unlock', async (c) => {
    await unlockUser(deps, c.get('principal')!, actorOf(c), idOf(c));
    return '已解除锁定。';
  });
  action('/console/users/:id/totp-reset', async (c) => {
    await resetTotp(deps, c.get('principal')!, actorOf(c), idOf(c));
    return '已重置两步验证，用户下次登录后需重新绑定。';
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
