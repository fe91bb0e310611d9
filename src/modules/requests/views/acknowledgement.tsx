import { CsrfField, Notice } from '../../../platform/render/components.js';
import { type Acknowledgement, acknowledgementParagraphs } from '../requests-acknowledgement.js';

/**
 * The acknowledgement (受理回执) right after registering a request or reissuing its query code: the only page
 * that shows the code. It prints as the receipt itself (the console's chrome and these forms are hidden in
 * print); the PDF and Word versions are made from the code posted back, which the server checks.
 */
export function AcknowledgementPage(p: { a: Acknowledgement; csrf: string }) {
  const a = p.a;
  const download = (format: 'pdf' | 'docx', label: string) => (
    <form method="post" action={`/console/requests/${a.requestId}/acknowledgement.${format}`} class="inline-form">
      <CsrfField token={p.csrf} />
      <input type="hidden" name="queryCode" value={a.queryCode} />
      <button type="submit" class="secondary">
        {label}
      </button>
    </form>
  );
  return (
    <>
      <div class="no-print">
        <Notice kind="warning">
          <p>
            {a.reissued ? '已重新生成查询码，原查询码已失效。' : `已登记申请 ${a.trackingNumber}。`}
            查询码只在本页显示这一次，系统不保存其原文：请现在打印或下载受理回执，交给或寄给申请人。离开本页后只能重新生成。
          </p>
        </Notice>
      </div>
      <article class="acknowledgement" aria-labelledby="ack-title">
        <h1 id="ack-title">政府信息公开申请受理回执</h1>
        <dl class="meta-table">
          <dt>受理编号</dt>
          <dd>
            <strong id="tracking-number">{a.trackingNumber}</strong>
          </dd>
          <dt>查询码</dt>
          <dd>
            <strong id="query-code">{a.queryCode}</strong>
          </dd>
          <dt>申请人</dt>
          <dd>{a.applicant}</dd>
          <dt>受理机关</dt>
          <dd>{a.organizationName}</dd>
          <dt>收到申请日期</dt>
          <dd>
            {a.receivedOn}（{a.channel}）
          </dd>
          {a.dueOn ? (
            <>
              <dt>答复期限</dt>
              <dd id="due-on">{a.dueOn}</dd>
            </>
          ) : null}
          <dt>查询地址</dt>
          <dd>{a.statusUrl}</dd>
        </dl>
        {acknowledgementParagraphs(a).map((t) => (
          <p>{t}</p>
        ))}
        <p class="ack-sign">
          {a.organizationName}
          <br />
          {a.issuedOn}
        </p>
      </article>
      <div class="no-print">
        <p>
          <a href="#main" data-print="1" class="print-button">
            打印受理回执
          </a>
        </p>
        <p>
          {download('pdf', '下载受理回执（PDF）')} {download('docx', '下载受理回执（Word）')}
        </p>
        <p>
          <a href={`/console/requests/${a.requestId}`}>返回申请 {a.trackingNumber}</a>
        </p>
      </div>
    </>
  );
}
