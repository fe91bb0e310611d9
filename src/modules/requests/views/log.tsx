import { CsrfField, Pager, TextField } from '../../../platform/render/components.js';
import type { FeedLink } from '../../../platform/render/layouts.js';
import type { Organization } from '../../organizations/organizations.service.js';
import { LOG_QUERY_MAX, type LogPage, logHref } from '../requests-log.service.js';

/** The public log of one agency: no personal data, only what was asked and how it was answered. */
export function PublicLogPage(p: { log: LogPage; feeds: FeedLink[] }) {
  const { org, entries, q, page, pages, total } = p.log;
  return (
    <>
      <h1>{org.name}依申请公开目录</h1>
      <p>
        以下为本机关已作出答复、且申请人同意公开的政府信息公开申请办理情况。为保护申请人隐私，不显示申请人的任何个人信息。
        如需申请公开政府信息，请<a href={`/org/${org.slug}/requests/new`}>在线提交申请</a>。
      </p>
      <form method="get" action={`/org/${org.slug}/requests/log`} class="filters">
        <TextField
          name="q"
          label="关键词"
          value={q}
          maxlength={LOG_QUERY_MAX}
          hint="在申请公开的信息和受理编号中查找，多个关键词以空格分隔"
        />
        <button type="submit">搜索</button>
      </form>
      <p class="meta" id="log-summary">
        {q ? `与“${q}”相关的申请 ${total} 件` : `共 ${total} 件`}
        {pages > 1 ? `，第 ${page} / ${pages} 页` : ''}。{q ? <a href={logHref(org.slug)}>查看全部</a> : null}
      </p>
      {entries.length === 0 ? (
        <p>{q ? '没有找到相关的申请办理情况。' : '暂无可公开的申请办理情况。'}</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">依申请公开办理情况</caption>
          <thead>
            <tr>
              <th scope="col">受理编号</th>
              <th scope="col">收到申请日期</th>
              <th scope="col">申请公开的信息</th>
              <th scope="col">办理结果</th>
              <th scope="col">答复日期</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>{e.trackingNumber}</td>
                <td>{e.receivedOn}</td>
                <td>{e.description}</td>
                <td>{e.outcome}</td>
                <td>{e.outcomeDate}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        prevHref={page > 1 ? logHref(org.slug, { q, page: page - 1 }) : undefined}
        nextHref={page < pages ? logHref(org.slug, { q, page: page + 1 }) : undefined}
      />
      <p class="feed-links">
        订阅：
        {p.feeds.map((f, i) => (
          <>
            {i > 0 ? ' ｜ ' : ''}
            <a href={f.href} type={f.type}>
              {f.title}
            </a>
          </>
        ))}
      </p>
    </>
  );
}

/** The administrator's switches, one form per agency. */
export function LogSettingsPage(p: {
  csrf: string;
  rows: { organization: Organization; enabled: boolean }[];
  error?: string;
}) {
  return (
    <>
      <h1>依申请公开目录</h1>
      <p>
        开启后，本机关已作出答复、且申请人同意公开的申请会列在门户网站的“依申请公开目录”页面上，只显示受理编号、收到日期、申请公开的信息、办理结果和答复日期，不显示申请人的任何个人信息。
      </p>
      {p.error ? (
        <div class="error-summary" role="alert" tabindex={-1}>
          <h2>无法保存</h2>
          <p>{p.error}</p>
        </div>
      ) : null}
      {p.rows.length === 0 ? (
        <p>您没有可以设置的机关。</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">机关</th>
              <th scope="col">状态</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                <td>{r.organization.name}</td>
                <td>{r.enabled ? <a href={`/org/${r.organization.slug}/requests/log`}>已公开</a> : '未公开'}</td>
                <td>
                  <form method="post" action="/console/request-log">
                    <CsrfField token={p.csrf} />
                    <input type="hidden" name="organizationId" value={String(r.organization.id)} />
                    <input type="hidden" name="enabled" value={r.enabled ? '0' : '1'} />
                    <button type="submit">
                      {r.enabled ? `停止公开${r.organization.name}的目录` : `公开${r.organization.name}的目录`}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
