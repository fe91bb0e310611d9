import { Hono } from 'hono';
import { z } from 'zod';
import { can, type Principal } from '../auth/permissions.js';
import type { AppEnv, Deps } from '../context.js';
import { NotFoundError } from '../errors.js';
import { actorOf, consolePage, redirectWithFlash, StaffRouter } from '../http/staff.js';
import { formatDateTime } from '../time.js';
import { type JobRow, type JobRunner, type JobRunRow, listJobs, listRuns, retryNow } from './jobs.service.js';

// Chinese names for the console, by handler; modules add theirs with setJobLabel.
const JOB_LABELS = new Map<string, string>([
  ['mail.send', '发送邮件'],
  ['jobs.prune', '清理任务记录'],
]);

/** Names a job handler in Chinese on the console's jobs page. */
export function setJobLabel(handler: string, label: string): void {
  JOB_LABELS.set(handler, label);
}

const JOB_STATUS: Record<string, string> = {
  scheduled: '等待运行',
  running: '运行中',
  done: '已完成',
  failed: '失败',
};

const RUN_STATUS: Record<string, string> = { running: '运行中', ok: '成功', failed: '失败' };

const querySchema = z.object({
  job: z.coerce.number().int().positive().optional().catch(undefined),
  failures: z.literal('1').optional().catch(undefined),
});

export const idParam = (raw: string | undefined): number => {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFoundError();
  return id;
};

/** The console's background-jobs page (jobs.view) and its "retry now" action (jobs.manage). */
export function jobsRoutes(deps: Deps, runner: JobRunner) {
  const staff = new StaffRouter();
  const site = deps.config.site;

  staff.get('/console/jobs', 'jobs.view', async (c) => {
    const q = querySchema.parse(c.req.query());
    const now = deps.clock();
    const [jobs, runs] = await Promise.all([
      listJobs(deps.db),
      listRuns(deps.db, { jobId: q.job, onlyFailures: q.failures === '1', limit: 100 }),
    ]);
    const filtered = q.job !== undefined ? jobs.find((j) => j.id === q.job) : undefined;
    const runsHref = (o: { job?: number; failures?: boolean }) => {
      const p = new URLSearchParams();
      if (o.job !== undefined) p.set('job', String(o.job));
      if (o.failures) p.set('failures', '1');
      const s = p.toString();
      return `/console/jobs${s ? `?${s}` : ''}#runs`;
    };
    return consolePage(
      c,
      site,
      '后台任务',
      <>
        <h1>后台任务</h1>
        <p>
          定时任务（如发送邮件）和一次性任务在这里排队执行。多台服务器共用数据库时，每个任务同一时间只由一台服务器运行；失败的任务按递增的间隔自动重试。
        </p>
        {runner.running ? null : (
          <div class="notice notice-warning" role="status">
            本服务器未运行后台任务（JOBS=0 或尚未启动）；任务由其他服务器执行，或在启动后执行。
          </div>
        )}
        <JobTable
          jobs={jobs}
          now={now}
          principal={c.get('principal')}
          csrf={c.get('csrf')()}
          registered={new Set(runner.handlerNames())}
          runsHref={(id) => runsHref({ job: id })}
        />
        <h2 id="runs">
          {filtered ? `“${jobLabel(filtered)}”的运行记录` : '最近的运行记录'}
          {q.failures === '1' ? '（仅失败）' : ''}
        </h2>
        <p class="filters">
          {q.failures === '1' ? (
            <a href={runsHref({ job: q.job })}>显示全部记录</a>
          ) : (
            <a href={runsHref({ job: q.job, failures: true })}>只看失败的运行</a>
          )}
          {q.job !== undefined ? <a href={runsHref({ failures: q.failures === '1' })}>显示所有任务</a> : null}
        </p>
        <RunTable runs={runs} />
      </>,
    );
  });

  staff.post('/console/jobs/:id/retry', 'jobs.manage', async (c) => {
    const id = idParam(c.req.param('id'));
    const job = await retryNow(deps.db, actorOf(c), id, deps.clock());
    runner.poke();
    return redirectWithFlash(c, '/console/jobs', `已安排任务“${jobLabel(job)}”立即重新运行。`);
  });

  const app = new Hono<AppEnv>();
  app.route('/', staff.app);
  return app;
}

function jobLabel(j: Pick<JobRow, 'name' | 'handler' | 'interval_seconds' | 'id'>): string {
  const label = JOB_LABELS.get(j.handler);
  if (j.interval_seconds !== null) return label ?? j.name;
  return `${label ?? j.handler} #${j.id}`;
}

// One-off jobs are named handler#uuid; the id is what the jobs table shows.
function runLabel(r: JobRunRow): string {
  const hash = r.job_name.indexOf('#');
  if (hash < 0) return JOB_LABELS.get(r.job_name) ?? r.job_name;
  const handler = r.job_name.slice(0, hash);
  return `${JOB_LABELS.get(handler) ?? handler} #${r.job_id}`;
}

function every(seconds: number): string {
  if (seconds % 86_400 === 0) return `每 ${seconds / 86_400} 天`;
  if (seconds % 3600 === 0) return `每 ${seconds / 3600} 小时`;
  if (seconds % 60 === 0) return `每 ${seconds / 60} 分钟`;
  return `每 ${seconds} 秒`;
}

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

function JobTable(p: {
  jobs: JobRow[];
  now: Date;
  principal: Principal | null;
  csrf: string;
  registered: Set<string>;
  runsHref: (id: number) => string;
}) {
  if (p.jobs.length === 0) return <p>暂无后台任务。</p>;
  const manage = can(p.principal, 'jobs.manage');
  const nowIso = p.now.toISOString();
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">任务</th>
            <th scope="col">类型</th>
            <th scope="col">状态</th>
            <th scope="col">下次运行</th>
            <th scope="col">失败次数</th>
            <th scope="col">最近错误</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {p.jobs.map((j) => {
            const liveLease = j.status === 'running' && j.lease_until !== null && j.lease_until >= nowIso;
            return (
              <tr>
                <td>
                  {jobLabel(j)}
                  <br />
                  <code class="meta">{j.handler}</code>
                  {p.registered.has(j.handler) ? null : <span class="meta">（本服务器未注册此处理程序）</span>}
                </td>
                <td>{j.interval_seconds === null ? '一次性' : `定时（${every(j.interval_seconds)}）`}</td>
                <td>
                  {JOB_STATUS[j.status] ?? j.status}
                  {j.status === 'running' && j.lease_owner ? <div class="meta">{j.lease_owner}</div> : null}
                </td>
                <td>{j.status === 'scheduled' ? formatDateTime(j.run_at) : '—'}</td>
                <td>
                  {j.attempts} / {j.max_attempts}
                </td>
                <td>
                  <ErrorText text={j.last_error} />
                </td>
                <td>
                  <a href={p.runsHref(j.id)}>运行记录</a>
                  {manage && !liveLease ? (
                    <form method="post" action={`/console/jobs/${j.id}/retry`} class="inline-form">
                      <input type="hidden" name="_csrf" value={p.csrf} />
                      <button type="submit" class="secondary">
                        立即重试
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function duration(r: JobRunRow): string {
  if (!r.finished_at) return '—';
  const ms = new Date(r.finished_at).getTime() - new Date(r.started_at).getTime();
  return ms < 1000 ? `${Math.max(0, ms)} 毫秒` : `${(ms / 1000).toFixed(1)} 秒`;
}

function RunTable({ runs }: { runs: JobRunRow[] }) {
  if (runs.length === 0) return <p>暂无运行记录。</p>;
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">任务</th>
            <th scope="col">开始时间</th>
            <th scope="col">耗时</th>
            <th scope="col">服务器</th>
            <th scope="col">结果</th>
            <th scope="col">错误</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr>
              <td>{runLabel(r)}</td>
              <td>{formatDateTime(r.started_at)}</td>
              <td>{duration(r)}</td>
              <td>
                <span class="meta">{r.worker}</span>
              </td>
              <td>{RUN_STATUS[r.status] ?? r.status}</td>
              <td>
                <ErrorText text={r.error} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
