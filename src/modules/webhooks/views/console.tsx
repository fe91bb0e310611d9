import type { FieldErrors } from '../../../platform/errors.js';
import { CsrfField, ErrorSummary, SelectField, TextField } from '../../../platform/render/components.js';
import { formatDateTime } from '../../../platform/time.js';
import type { Organization } from '../../organizations/organizations.service.js';
import type { DeliveryRow } from '../webhooks.repository.js';
import { EVENT_LABELS, WEBHOOK_EVENTS, type WebhookEvent } from '../webhooks.schema.js';
import type { WebhookView } from '../webhooks.service.js';

const DELIVERY_STATUS: Record<string, string> = {
  pending: '等待发送',
  delivered: '已送达',
  failed: '失败',
};

function ErrorText({ text }: { text: string | null }) {
  if (!text) return <>—</>;
  if (text.length <= 80) return <>{text}</>;
  return (
    <details>
      <summary>{`${text.slice(0, 60)}…`}</summary>
      <pre>{text}</pre>
    </details>
  );
}

export function WebhookList({ hooks, canCreate }: { hooks: WebhookView[]; canCreate: boolean }) {
  return (
    <>
      <h1>Webhook 推送</h1>
      <p>
        对接系统可在这里登记接收地址：信息发布、更新或撤回时，平台会向该地址发送带签名（HMAC-SHA256）的 JSON
        通知，发送失败会按递增的间隔自动重试。签名的验证方法见《对接说明》（docs/integrations.md）。
      </p>
      {canCreate ? (
        <p>
          <a class="button" href="/console/webhooks/new">
            新建推送
          </a>
        </p>
      ) : null}
      {hooks.length === 0 ? (
        <p class="empty">尚未登记推送地址。</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">接收地址</th>
                <th scope="col">范围</th>
                <th scope="col">事件</th>
                <th scope="col">状态</th>
                <th scope="col">失败</th>
              </tr>
            </thead>
            <tbody>
              {hooks.map((h) => (
                <tr>
                  <td>
                    <a href={`/console/webhooks/${h.id}`}>{h.url}</a>
                    {h.description ? <div class="meta">{h.description}</div> : null}
                  </td>
                  <td>{h.scopeName}</td>
                  <td>{h.events.map((e) => EVENT_LABELS[e]).join('、')}</td>
                  <td>{h.active ? '启用' : '已停用'}</td>
                  <td>
                    {h.failed > 0 ? (
                      <a href={`/console/webhooks/${h.id}?failures=1#deliveries`}>{h.failed} 次推送失败</a>
                    ) : (
                      '—'
                    )}
                    {h.retrying > 0 ? <div class="meta">{h.retrying} 次正在重试</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export interface WebhookFormValues {
  url?: string;
  organization_id?: string;
  events?: string[];
  description?: string;
}

export function WebhookForm(p: {
  csrf: string;
  values: WebhookFormValues;
  errors?: FieldErrors;
  scopes: { all: boolean; organizations: Organization[] };
}) {
  const events = p.values.events ?? [...WEBHOOK_EVENTS];
  const eventsError = p.errors?.events;
  const options = [
    ...(p.scopes.all ? [{ value: 'all', label: '全部机构' }] : []),
    ...p.scopes.organizations.map((o) => ({ value: String(o.id), label: o.name })),
  ];
  return (
    <>
      <h1>新建推送</h1>
      <p>所选机构及其下属机构的信息发布、更新或撤回时，平台会向接收地址发送带签名的 JSON 通知。</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/console/webhooks" novalidate>
        <CsrfField token={p.csrf} />
        <TextField
          name="url"
          label="接收地址"
          type="url"
          inputmode="url"
          required
          maxlength={2000}
          hint="须以 https:// 开头；本机开发调试时可用 http://127.0.0.1 或 http://localhost。"
          value={p.values.url}
          errors={p.errors}
        />
        <SelectField
          name="organization_id"
          label="推送范围"
          options={options}
          value={p.values.organization_id ?? options[0]?.value}
          errors={p.errors}
        />
        <fieldset class={eventsError ? 'field field-error' : 'field'} id="events">
          <legend>推送的事件</legend>
          {eventsError ? (
            <p class="error-message" id="events-error">
              <span class="visually-hidden">错误：</span>
              {eventsError}
            </p>
          ) : null}
          {WEBHOOK_EVENTS.map((e) => (
            <div>
              <label>
                <input type="checkbox" name="events" value={e} checked={events.includes(e)} /> {EVENT_LABELS[e]}{' '}
                <code class="meta">{e}</code>
              </label>
            </div>
          ))}
        </fieldset>
        <TextField
          name="description"
          label="说明（可选）"
          maxlength={200}
          hint="例如对接的系统名称和联系人。"
          value={p.values.description}
          errors={p.errors}
        />
        <button type="submit">创建推送</button>
      </form>
    </>
  );
}

export function SecretShown({
  id,
  url,
  secret,
  rotated,
}: {
  id: number;
  url: string;
  secret: string;
  rotated?: boolean;
}) {
  return (
    <>
      <h1>{rotated ? '新的签名密钥' : '推送已创建'}</h1>
      <div class="notice notice-warning" role="alert">
        <p>
          <strong>请立即复制并妥善保存下面的签名密钥。</strong>它只显示这一次；离开本页后无法再次查看，只能重新生成。
        </p>
      </div>
      <p>接收地址：{url}</p>
      <p>
        签名密钥：<code id="webhook-secret">{secret}</code>
      </p>
      <p>接收端用这个密钥验证每个请求的 X-Gongkai-Signature 头，验证方法见对接说明。</p>
      <p>
        <a href={`/console/webhooks/${id}`}>查看推送详情</a>
      </p>
    </>
  );
}

export function WebhookDetail(p: {
  hook: WebhookView;
  deliveries: DeliveryRow[];
  canManage: boolean;
  onlyFailures: boolean;
  csrf: string;
}) {
  const { hook } = p;
  return (
    <>
      <h1>推送详情</h1>
      <dl class="facts">
        <dt>接收地址</dt>
        <dd>{hook.url}</dd>
        <dt>范围</dt>
        <dd>{hook.scopeName}</dd>
        <dt>事件</dt>
        <dd>{hook.events.map((e: WebhookEvent) => EVENT_LABELS[e]).join('、')}</dd>
        <dt>状态</dt>
        <dd>{hook.active ? '启用' : '已停用'}</dd>
        {hook.description ? (
          <>
            <dt>说明</dt>
            <dd>{hook.description}</dd>
          </>
        ) : null}
        <dt>创建时间</dt>
        <dd>{formatDateTime(hook.createdAt)}</dd>
      </dl>
      {p.canManage ? (
        <div class="action-row">
          <form
            method="post"
            action={`/console/webhooks/${hook.id}/${hook.active ? 'disable' : 'enable'}`}
            class="action-form"
          >
            <CsrfField token={p.csrf} />
            <button type="submit" class="secondary">
              {hook.active ? '停用' : '启用'}
            </button>
          </form>
          <form method="post" action={`/console/webhooks/${hook.id}/secret`} class="action-form">
            <CsrfField token={p.csrf} />
            <button type="submit" class="secondary">
              重新生成签名密钥
            </button>
          </form>
          <form method="post" action={`/console/webhooks/${hook.id}/delete`} class="action-form">
            <CsrfField token={p.csrf} />
            <button type="submit" class="secondary">
              删除推送
            </button>
          </form>
        </div>
      ) : null}
      <h2 id="deliveries">{p.onlyFailures ? '失败的推送' : '最近的推送'}</h2>
      <p class="filters">
        {p.onlyFailures ? (
          <a href={`/console/webhooks/${hook.id}#deliveries`}>显示全部推送</a>
        ) : (
          <a href={`/console/webhooks/${hook.id}?failures=1#deliveries`}>只看失败的推送</a>
        )}
      </p>
      {p.deliveries.length === 0 ? (
        <p class="empty">{p.onlyFailures ? '没有失败的推送。' : '尚无推送记录。'}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">时间</th>
                <th scope="col">事件</th>
                <th scope="col">状态</th>
                <th scope="col">尝试次数</th>
                <th scope="col">最近响应</th>
                <th scope="col">最近错误</th>
                {p.canManage ? <th scope="col">操作</th> : null}
              </tr>
            </thead>
            <tbody>
              {p.deliveries.map((d) => (
                <tr>
                  <td>
                    {formatDateTime(d.created_at)}
                    <div class="meta">
                      <code>{d.event_id}</code>
                    </div>
                  </td>
                  <td>
                    <code>{d.event_type}</code>
                  </td>
                  <td>
                    {DELIVERY_STATUS[d.status] ?? d.status}
                    {d.status === 'pending' && d.attempts > 0 ? <div class="meta">等待重试</div> : null}
                    {d.delivered_at ? <div class="meta">{formatDateTime(d.delivered_at)}</div> : null}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.last_status_code ?? '—'}</td>
                  <td>
                    <ErrorText text={d.last_error} />
                  </td>
                  {p.canManage ? (
                    <td>
                      {d.status !== 'pending' && hook.active ? (
                        <form
                          method="post"
                          action={`/console/webhooks/${hook.id}/deliveries/${d.id}/redeliver`}
                          class="inline-form"
                        >
                          <CsrfField token={p.csrf} />
                          <button type="submit" class="secondary">
                            重新推送
                          </button>
                        </form>
                      ) : (
                        '—'
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
