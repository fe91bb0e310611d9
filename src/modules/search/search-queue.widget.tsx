import type { Context } from 'hono';
import { can } from '../../platform/auth/permissions.js';
import type { AppEnv, Deps } from '../../platform/context.js';
import { queueLength } from './search-queue.js';

/**
 * The console dashboard's note on the search queue: how many imported items search cannot find yet. Shown to
 * staff who see items, only while the queue holds something.
 */
export async function searchQueueWidget(deps: Deps, c: Context<AppEnv>) {
  const p = c.get('principal');
  if (!p || !can(p, 'item.view')) return null;
  const n = await queueLength(deps.db.kysely);
  if (n === 0) return null;
  return (
    <section class="notice" aria-labelledby="search-queue">
      <h2 id="search-queue">站内搜索索引</h2>
      <p>
        <span class="stat">{n}</span> 条导入的信息正在排队建立搜索索引：信息页面、栏目、订阅源和接口已经可以看到，
        站内搜索要等后台任务（search.index-queue）处理完后才能查到。
      </p>
      {can(p, 'jobs.view') ? <a href="/console/jobs">查看后台任务</a> : null}
    </section>
  );
}
