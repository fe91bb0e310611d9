import { CsrfField } from '../../../platform/render/components.js';

/** The officer's own iCalendar feed: create or replace the secret address, or revoke it. */
export function DeadlineFeedPage(p: {
  csrf: string;
  status: { createdAt: string; lastUsedAt: string | null } | null;
  newUrl?: string;
}) {
  return (
    <>
      <h1>办理期限日历订阅</h1>
      <p>
        在日历软件（如
        Outlook、手机日历）中订阅下面的地址，即可看到分配给您的政府信息公开申请的答复期限（每件一个全天事件）。日历中只有受理编号、机构、状态和日期，不含申请人个人信息。
      </p>
      <p>订阅地址相当于密码：请勿转发。如怀疑泄露，请撤销或重新生成，原地址立即失效。</p>
      {p.newUrl ? (
        <div class="notice notice-success" role="status">
          <p>新的订阅地址（只显示这一次，请立即复制）：</p>
          <p>
            <code id="feed-url">{p.newUrl}</code>
          </p>
        </div>
      ) : null}
      {p.status ? (
        <p>
          当前订阅地址生成于 {p.status.createdAt.slice(0, 16).replace('T', ' ')}（UTC）
          {p.status.lastUsedAt
            ? `，最近一次读取：${p.status.lastUsedAt.slice(0, 16).replace('T', ' ')}（UTC）`
            : '，尚未被读取'}
          。
        </p>
      ) : (
        <p>您还没有订阅地址。</p>
      )}
      <form method="post" action="/console/account/deadline-feed">
        <CsrfField token={p.csrf} />
        <button type="submit">{p.status ? '重新生成订阅地址（原地址失效）' : '生成订阅地址'}</button>
      </form>
      {p.status ? (
        <form method="post" action="/console/account/deadline-feed/revoke">
          <CsrfField token={p.csrf} />
          <button type="submit" class="secondary">
            撤销订阅地址
          </button>
        </form>
      ) : null}
      <p>
        <a href="/console/requests">返回依申请公开办理队列</a> ｜ <a href="/console/account">我的账户</a>
      </p>
    </>
  );
}
