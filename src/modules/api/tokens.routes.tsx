import type { Context } from 'hono';
import { API_SCOPES } from '../../platform/api/registry.js';
import { listTokens, revokeToken, createToken as serviceCreateToken } from '../../platform/api/tokens.service.js';
import { can, type Principal } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { type FieldErrors, ValidationError } from '../../platform/errors.js';
import { formFields, formList } from '../../platform/http/forms.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../../platform/http/staff.js';
import { ErrorSummary, SelectField, TextField } from '../../platform/render/components.js';
import { indented } from '../../platform/render/tree.js';
import { formatDateTime } from '../../platform/time.js';
import { orgTree } from '../organizations/organizations.service.js';

// /console/api-tokens: a staff member's own API tokens. A new token is shown once, on the page that answers
// the form (not after a redirect, so it never sits in a cookie or a URL); only its hash is kept.

type C = Context<AppEnv>;

const STATE_LABEL = { active: '有效', revoked: '已撤销', expired: '已过期' } as const;

/** The organizations where the principal may create tokens, in tree order. */
async function tokenOrganizations(deps: Deps, p: Principal) {
  const tree = await orgTree(deps);
  return tree.all
    .filter((o) => o.active && can(p, 'api_token.manage', tree.chain(o.id)))
    .map((o) => ({ id: o.id, label: indented(tree.depth(o.id), o.name) }));
}

export function apiTokenRoutes(deps: Deps) {
  const site = deps.config.site;
  const staff = new StaffRouter();
  const p = (c: C) => c.get('principal') as Principal;

  const page = async (
    c: C,
    opts: { values?: Record<string, string>; scopes?: string[]; errors?: FieldErrors; created?: string } = {},
  ) => {
    const principal = p(c);
    const [tokens, orgs, tree] = await Promise.all([
      listTokens(deps, principal),
      tokenOrganizations(deps, principal),
      orgTree(deps),
    ]);
    const csrf = c.get('csrf')();
    const v = opts.values ?? {};
    const chosen = new Set(opts.scopes ?? []);
    const e = opts.errors;
    return consolePage(
      c,
      site,
      'API 令牌',
      <>
        <h1>API 令牌</h1>
        <p>
          其他系统（如办公系统）通过 API 令牌把草稿送入本平台，详见 <a href="/api">开放接口说明</a>
          。令牌以您的身份行事，只能做您的角色允许的事，且仅限所选机构；草稿仍须在本平台审核、签发后才会公开。
        </p>
        {opts.created ? (
          <div class="notice notice-success" role="status">
            <h2>令牌已创建</h2>
            <p>请立即复制并妥善保存。关闭本页后将无法再次查看；如遗失，请撤销后重新创建。</p>
            <p>
              <code class="secret" id="new-token">
                {opts.created}
              </code>
            </p>
          </div>
        ) : null}
        <h2>我的令牌</h2>
        {tokens.length === 0 ? (
          <p>您还没有创建令牌。</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">我的 API 令牌</caption>
              <thead>
                <tr>
                  <th scope="col">名称</th>
                  <th scope="col">前缀</th>
                  <th scope="col">机构</th>
                  <th scope="col">权限范围</th>
                  <th scope="col">有效期至</th>
                  <th scope="col">最近使用</th>
                  <th scope="col">状态</th>
                  <th scope="col">操作</th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td>{tree.byId.get(t.organizationId)?.name ?? ''}</td>
                    <td>{t.scopes.join('、')}</td>
                    <td>{t.expiresAt ? formatDateTime(t.expiresAt) : '长期'}</td>
                    <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : '从未使用'}</td>
                    <td>{STATE_LABEL[t.state]}</td>
                    <td>
                      {t.state === 'revoked' ? null : (
                        <form method="post" action={`/console/api-tokens/${t.id}/revoke`} class="inline-form">
                          <input type="hidden" name="_csrf" value={csrf} />
                          <button type="submit" class="secondary">
                            撤销<span class="visually-hidden">令牌 {t.name}</span>
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h2>创建令牌</h2>
        {orgs.length === 0 ? (
          <p>您没有可以创建令牌的机构。</p>
        ) : (
          <>
            <ErrorSummary errors={e} />
            <form method="post" action="/console/api-tokens" novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <TextField
                name="name"
                label="名称"
                hint="用途或对接的系统，如“办公系统草稿同步”"
                value={v.name}
                errors={e}
                required
                maxlength={60}
              />
              <SelectField
                name="organization_id"
                label="机构"
                value={v.organization_id ?? (orgs.length === 1 ? String(orgs[0].id) : '')}
                errors={e}
                emptyLabel="请选择"
                options={orgs.map((o) => ({ value: String(o.id), label: o.label }))}
              />
              <fieldset class={e?.scopes ? 'field field-error' : 'field'}>
                <legend>权限范围</legend>
                {e?.scopes ? (
                  <p class="error-message" id="scopes-error">
                    <span class="visually-hidden">错误：</span>
                    {e.scopes}
                  </p>
                ) : null}
                {[...API_SCOPES].map(([name, label], i) => (
                  <div>
                    <input
                      type="checkbox"
                      name="scopes"
                      value={name}
                      id={i === 0 ? 'scopes' : `scopes-${name.replace(':', '-')}`}
                      checked={chosen.has(name)}
                    />{' '}
                    <label for={i === 0 ? 'scopes' : `scopes-${name.replace(':', '-')}`}>
                      <code>{name}</code> {label}
                    </label>
                  </div>
                ))}
              </fieldset>
              <TextField
                name="expires_on"
                label="有效期至（可选）"
                hint="YYYY-MM-DD；不填则为一年，最长三年"
                type="date"
                value={v.expires_on}
                errors={e}
              />
              <button type="submit">创建令牌</button>
            </form>
          </>
        )}
      </>,
      opts.errors ? 422 : 200,
    );
  };

  staff.get('/console/api-tokens', 'api_token.manage', (c) => page(c));

  staff.post('/console/api-tokens', 'api_token.manage', async (c) => {
    const f = await formFields(c);
    const scopes = await formList(c, 'scopes');
    try {
      const r = await serviceCreateToken(deps, p(c), actorOf(c), { ...f, scopes });
      return page(c, { created: r.token });
    } catch (err) {
      if (err instanceof ValidationError) return page(c, { values: f, scopes, errors: err.fields });
      throw err;
    }
  });

  staff.post('/console/api-tokens/:id/revoke', 'api_token.manage', async (c) => {
    await revokeToken(deps, p(c), actorOf(c), Number(c.req.param('id')) || 0);
    return redirectWithFlash(c, '/console/api-tokens', '令牌已撤销，使用它的请求将被拒绝。');
  });

  return staff.app;
}
