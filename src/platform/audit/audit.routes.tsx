import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, Deps } from '../context.js';
import { consolePage, StaffRouter } from '../http/staff.js';
import { Pager, SelectField, TextField } from '../render/components.js';
import { formatDateTime } from '../time.js';
import { distinctActions } from './audit.repository.js';
import { browseAudit, verifyAuditChain } from './audit.service.js';

const PAGE = 50;

const filterSchema = z.object({
  actor: z.coerce.number().int().positive().optional().catch(undefined),
  action: z.string().max(64).optional().catch(undefined),
  entity_type: z.string().max(64).optional().catch(undefined),
  entity_id: z.string().max(64).optional().catch(undefined),
  q: z.string().max(100).optional().catch(undefined),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

// Beijing calendar day → UTC instant bounds.
const dayStart = (d: string) => new Date(`${d}T00:00:00+08:00`).toISOString();
const nextDayStart = (d: string) => new Date(new Date(`${d}T00:00:00+08:00`).getTime() + 86_400_000).toISOString();

/** The auditors' read-only view of the audit trail, with filters and the chain check. */
export function auditRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;

  staff.get('/console/audit', 'audit.view', async (c) => {
    const f = filterSchema.parse(c.req.query());
    const filter = {
      actorUserId: f.actor,
      action: f.action || undefined,
      entityType: f.entity_type || undefined,
      entityId: f.entity_id || undefined,
      q: f.q || undefined,
      from: f.from ? dayStart(f.from) : undefined,
      to: f.to ? nextDayStart(f.to) : undefined,
    };
    const [rows, actions] = await Promise.all([
      browseAudit(deps.db.kysely, filter, PAGE + 1, f.before),
      distinctActions(deps.db.kysely),
    ]);
    const more = rows.length > PAGE;
    const shown = rows.slice(0, PAGE);
    const q = new URLSearchParams(
      Object.entries({ ...f, before: undefined })
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([k, v]) => [k, String(v)]),
    );
    if (more) q.set('before', String(shown[shown.length - 1].seq));
    const verify = c.req.query('verify') === '1' ? await verifyAuditChain(deps.db.kysely) : null;
    return consolePage(
      c,
      site,
      '审计日志',
      <>
        <h1>审计日志</h1>
        <p>
          所有工作人员的写操作和每一次登录尝试都记录在这里。记录只能追加，并以哈希链相连，任何修改或删除都可被检测。
        </p>
        {verify ? (
          verify.ok ? (
            <div class="notice notice-success" role="status">
              哈希链校验通过：共 {verify.checked} 条记录，未发现篡改或缺失。
            </div>
          ) : (
            <div class="notice notice-warning" role="alert">
              哈希链校验失败：第 {verify.firstBad?.seq} 条记录异常（{verify.firstBad?.reason}）。
            </div>
          )
        ) : (
          <p>
            <a href="/console/audit?verify=1">校验哈希链完整性</a>
          </p>
        )}
        <form method="get" action="/console/audit" class="filters">
          <SelectField
            name="action"
            label="操作类型"
            value={f.action}
            emptyLabel="全部"
            options={actions.map((a) => ({ value: a, label: a }))}
          />
          <TextField name="q" label="关键词（摘要或操作人）" value={f.q} />
          <TextField name="from" label="开始日期" type="date" value={f.from} />
          <TextField name="to" label="结束日期" type="date" value={f.to} />
          {f.entity_type ? <input type="hidden" name="entity_type" value={f.entity_type} /> : null}
          {f.entity_id ? <input type="hidden" name="entity_id" value={f.entity_id} /> : null}
          <button type="submit">筛选</button>
        </form>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">序号</th>
                <th scope="col">时间</th>
                <th scope="col">操作人</th>
                <th scope="col">来源地址</th>
                <th scope="col">操作</th>
                <th scope="col">对象</th>
                <th scope="col">摘要</th>
                <th scope="col">修改前后</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr>
                  <td>{r.seq}</td>
                  <td>{formatDateTime(r.occurred_at)}</td>
                  <td>{r.actor_name}</td>
                  <td>{r.ip}</td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>
                    {r.entity_type}
                    {r.entity_id ? `#${r.entity_id}` : ''}
                  </td>
                  <td>{r.summary}</td>
                  <td>
                    {r.before_json || r.after_json ? (
                      <details>
                        <summary>查看</summary>
                        {r.before_json ? (
                          <>
                            <p>修改前：</p>
                            <pre>{r.before_json}</pre>
                          </>
                        ) : null}
                        {r.after_json ? (
                          <>
                            <p>修改后：</p>
                            <pre>{r.after_json}</pre>
                          </>
                        ) : null}
                      </details>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {shown.length === 0 ? <p>没有符合条件的记录。</p> : null}
        <Pager nextHref={more ? `/console/audit?${q}` : undefined} />
      </>,
    );
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}
