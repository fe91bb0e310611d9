import { Hono } from 'hono';
import { z } from 'zod';
import { can, type Principal } from '../auth/permissions.js';
import type { AppEnv, Deps } from '../context.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../http/staff.js';
import { idParam } from '../jobs/jobs.routes.js';
import { Pager } from '../render/components.js';
import { formatDateTime } from '../time.js';
import { listOutbox, type MailSummary, outboxCounts, retryMailNow } from './mail.service.js';

const PAGE = 100;

const STATUS: Record<string, string> = {
  pending: '待发送',
  sending: '发送中',
  sent: '已发送',
  failed: '发送失败',
};

const querySchema = z.object({
  status: z.enum(['pending', 'sending', 'sent', 'failed']).optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

// Retrying mail is an operation on the background machinery, so it takes the same permission as
// retrying a job: there is no separate mail.manage permission.
const RETRY_PERMISSION = 'jobs.manage' as const;

/**
 * The console's outbox page (mail.view) and its "send again" action. The page shows recipients,
 * subjects and delivery state, never message bodies: auditors may read it.
 */
export function mailRoutes(deps: Deps) {
  const staff = new StaffRouter();
  const site = deps.config.site;

  staff.get('/console/mail', 'mail.view', async (c) => {
    const q = querySchema.parse(c.req.query());
    const [rows, counts] = await Promise.all([
      listOutbox(deps.db, { status: q.status, limit: PAGE + 1, beforeId: q.before }),
      outboxCounts(deps.db),
    ]);
    const more = rows.length > PAGE;
    const shown = rows.slice(0, PAGE);
    const href = (o: { status?: string; before?: number }) => {
      const p = new URLSearchParams();
      if (o.status) p.set('status', o.status);
      if (o.before !== undefined) p.set('before', String(o.before));
      const s = p.toString();
      return `/console/mail${s ? `?${s}` : ''}`;
    };
    return consolePage(
      c,
      site,
      '邮件发送',
      <>
        <h1>邮件发送</h1>
        <p>
          系统邮件先写入发件箱，再由后台任务每隔约 15
          秒发送。发送失败的邮件按递增的间隔自动重试，多次失败或被收件服务器拒收后标记为“发送失败”。此页面不显示邮件正文。
        </p>
        {deps.config.smtpUrl ? null : (
          <div class="notice notice-warning" role="status">
            尚未配置邮件服务器（SMTP_URL）：邮件暂存在发件箱中，配置后会自动发出，不会丢失。
          </div>
        )}
        <ul class="filters list-plain">
          <li>
            {q.status ? <a href={href({})}>全部</a> : <strong>全部</strong>}（
            {Object.values(counts).reduce((a, b) => a + b, 0)}）
          </li>
          {Object.entries(STATUS).map(([value, label]) => (
            <li>
              {q.status === value ? <strong>{label}</strong> : <a href={href({ status: value })}>{label}</a>}（
              {counts[value] ?? 0}）
            </li>
          ))}
        </ul>
        <OutboxTable rows={shown} principal={c.get('principal')} csrf={c.get('csrf')()} />
        <Pager
          prevHref={q.before !== undefined ? href({ status: q.status }) : undefined}
          nextHref={more ? href({ status: q.status, before: shown[shown.length - 1].id }) : undefined}
        />
      </>,
    );
  });

  staff.post('/console/mail/:id/retry', RETRY_PERMISSION, async (c) => {
    const id = idParam(c.req.param('id'));
    await retryMailNow(deps.db, actorOf(c), id, deps.clock());
    return redirectWithFlash(c, '/console/mail', `已安排邮件 #${id} 重新发送。`);
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}

function OutboxTable(p: { rows: MailSummary[]; principal: Principal | null; csrf: string }) {
  if (p.rows.length === 0) return <p>发件箱中没有邮件。</p>;
  const retry = can(p.principal, RETRY_PERMISSION);
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">编号</th>
            <th scope="col">收件人</th>
            <th scope="col">主题</th>
            <th scope="col">状态</th>
            <th scope="col">尝试次数</th>
            <th scope="col">创建时间</th>
            <th scope="col">发送 / 下次尝试</th>
            <th scope="col">最近错误</th>
            {retry ? <th scope="col">操作</th> : null}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((m) => (
            <tr>
              <td>{m.id}</td>
              <td>{m.to_address}</td>
              <td>{m.subject}</td>
              <td>{STATUS[m.status] ?? m.status}</td>
              <td>{m.attempts}</td>
              <td>{formatDateTime(m.created_at)}</td>
              <td>
                {m.status === 'sent'
                  ? formatDateTime(m.sent_at)
                  : m.status === 'pending'
                    ? `下次尝试：${formatDateTime(m.next_attempt_at)}`
                    : '—'}
              </td>
              <td>{m.last_error ?? '—'}</td>
              {retry ? (
                <td>
                  {m.status === 'failed' || m.status === 'pending' ? (
                    <form method="post" action={`/console/mail/${m.id}/retry`} class="inline-form">
                      <input type="hidden" name="_csrf" value={p.csrf} />
                      <button type="submit" class="secondary">
                        {m.status === 'failed' ? '重新发送' : '立即发送'}
                      </button>
                    </form>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
