import type { FieldErrors } from '../../../platform/errors.js';
import {
  CsrfField,
  ErrorSummary,
  Notice,
  SelectField,
  TextArea,
  TextField,
} from '../../../platform/render/components.js';
import { formatDateTime } from '../../../platform/time.js';
import type { Organization } from '../../organizations/organizations.service.js';
import {
  APPLICANT_TYPES,
  ORGANIZATION_KINDS,
  OUTCOMES,
  outcomeFullLabel,
  outcomeOf,
  REVIEW_KINDS,
  REVIEW_RESULTS,
} from '../outcomes.js';
import { CHANNELS, CLOCK_STATE_LABELS, MAX_EXTENSION_WORKDAYS, REQUEST_EVENT_KINDS } from '../requests.clock.js';
import { DELIVERIES, FORMS, ID_TYPES, REQUEST_STATUSES } from '../requests.schema.js';
import { type PersonalData, QUEUES, type QueueName, type QueueRow, type StaffRequest } from '../requests.service.js';
import { ApplicationFields, type ApplicationFormProps } from './public.js';

const opts = (o: Record<string, string>) => Object.entries(o).map(([value, label]) => ({ value, label }));

export function QueuesPage(p: {
  queues: Record<QueueName, QueueRow[]>;
  organizations: Organization[];
  officerFilter: string;
  organizationId?: number;
  canManage: boolean;
}) {
  const orgName = new Map(p.organizations.map((o) => [o.id, o.name]));
  return (
    <>
      <h1>依申请公开</h1>
      <form method="get" action="/console/requests" class="filters">
        <SelectField
          name="organization"
          label="机关"
          options={p.organizations.map((o) => ({ value: String(o.id), label: o.name }))}
          emptyLabel="全部"
          value={p.organizationId ? String(p.organizationId) : ''}
        />
        <SelectField
          name="officer"
          label="承办人"
          options={[{ value: 'me', label: '我承办的' }]}
          emptyLabel="全部"
          value={p.officerFilter}
        />
        <button type="submit">筛选</button>
      </form>
      <p>
        {p.canManage ? (
          <>
            <a href="/console/requests/new">登记当面、邮寄、传真或电子邮件收到的申请</a>
            {' ｜ '}
          </>
        ) : null}
        <a href="/console/account/deadline-feed">在日历软件中订阅我承办申请的答复期限（iCalendar）</a>
      </p>
      <nav aria-label="队列">
        <ul class="inline-list">
          {(Object.keys(QUEUES) as QueueName[]).map((q) => (
            <li>
              <a href={`#queue-${q}`}>
                {QUEUES[q]}（{p.queues[q].length}）
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {(Object.keys(QUEUES) as QueueName[]).map((q) => (
        <section aria-labelledby={`queue-${q}`}>
          <h2 id={`queue-${q}`}>
            {QUEUES[q]}（{p.queues[q].length}）
          </h2>
          {p.queues[q].length === 0 ? (
            <p class="meta">无。</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">受理编号</th>
                  <th scope="col">机关</th>
                  <th scope="col">申请人</th>
                  <th scope="col">内容</th>
                  <th scope="col">收到日期</th>
                  <th scope="col">答复期限</th>
                  <th scope="col">承办人</th>
                </tr>
              </thead>
              <tbody>
                {p.queues[q].map((r) => (
                  <tr>
                    <td>
                      <a href={`/console/requests/${r.id}`}>{r.tracking_number}</a>
                      {r.excessive_flag ? <span class="badge">第三十五条</span> : null}
                    </td>
                    <td>{orgName.get(r.organization_id) ?? ''}</td>
                    <td>
                      {APPLICANT_TYPES[r.applicant_type as keyof typeof APPLICANT_TYPES]} {r.id_masked}
                    </td>
                    <td>{r.description.length > 40 ? `${r.description.slice(0, 40)}…` : r.description}</td>
                    <td>{r.received_on}</td>
                    <td>
                      {r.due_on ?? '—'}
                      {r.workdaysLeft !== null && q !== 'done'
                        ? r.workdaysLeft >= 0
                          ? `（剩 ${r.workdaysLeft} 个工作日）`
                          : `（超期 ${-r.workdaysLeft} 个工作日）`
                        : ''}
                    </td>
                    <td>{r.assigned_name ?? '未分派'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </>
  );
}

export function RegisterPage(p: ApplicationFormProps & { today: string }) {
  return (
    <>
      <h1>登记依申请公开申请</h1>
      <p>
        登记当面提交、邮寄、传真或电子邮件收到的申请。收到日期按《政府信息公开条例》第三十一条确定：当面提交的为提交之日；邮寄的为签收之日；传真、电子邮件的为双方确认之日。
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/console/requests/new/attachments" enctype="multipart/form-data" novalidate>
        <CsrfField token={p.csrf} />
        {p.values.submissionId ? <input type="hidden" name="submissionId" value={p.values.submissionId} /> : null}
        <SelectField
          name="channel"
          label="收到渠道"
          options={opts(CHANNELS).filter((o) => o.value !== 'online')}
          emptyLabel="请选择"
          value={p.values.channel}
          errors={p.errors}
        />
        <TextField
          name="receivedOn"
          label="收到申请日期"
          type="date"
          value={p.values.receivedOn ?? p.today}
          errors={p.errors}
        />
        <ApplicationFields {...p} />
        <button type="submit">登记</button>
      </form>
    </>
  );
}

const ev = (k: string) => REQUEST_EVENT_KINDS[k as keyof typeof REQUEST_EVENT_KINDS] ?? k;

function ActionForm(p: {
  id: number;
  action: string;
  title: string;
  csrf: string;
  children?: unknown;
  upload?: boolean;
  button?: string;
}) {
  return (
    <details class="action" id={`action-${p.action}`}>
      <summary>{p.title}</summary>
      <form
        method="post"
        action={`/console/requests/${p.id}/${p.action}${p.upload ? '/attachments' : ''}`}
        enctype={p.upload ? 'multipart/form-data' : undefined}
        novalidate
      >
        <CsrfField token={p.csrf} />
        {p.children as never}
        <button type="submit">{p.button ?? p.title}</button>
      </form>
    </details>
  );
}

export function RequestPage(p: {
  r: StaffRequest;
  csrf: string;
  today: string;
  canManage: boolean;
  canExtend: boolean;
  officers: { id: number; display_name: string }[];
  organizations: Organization[];
  personal?: PersonalData;
  errors?: FieldErrors;
}) {
  const { row, clock } = p.r;
  const outcome = outcomeOf(row.outcome_code);
  const open = !row.outcome_code && row.status !== 'closed';
  const id = row.id;
  return (
    <>
      <h1>申请 {row.tracking_number}</h1>
      <ErrorSummary errors={p.errors} />
      {row.excessive_flag ? (
        <Notice kind="warning">该申请人近期申请数量多或内容相近，请依《政府信息公开条例》第三十五条审查。</Notice>
      ) : null}
      {clock.clarification.warning ? (
        <Notice kind="warning">如需补正，须在 {clock.clarification.by} 前发出（收到申请后 7 个工作日内）。</Notice>
      ) : null}
      {clock.overdue ? <Notice kind="warning">该申请已超过答复期限（{clock.dueOn}）。</Notice> : null}
      <dl class="meta-table">
        <dt>机关</dt>
        <dd>{p.r.organization?.name ?? ''}</dd>
        <dt>状态</dt>
        <dd id="request-status">
          {REQUEST_STATUSES[row.status as keyof typeof REQUEST_STATUSES] ?? row.status}（
          {CLOCK_STATE_LABELS[clock.state]}）
        </dd>
        <dt>收到渠道与日期</dt>
        <dd>
          {CHANNELS[row.channel as keyof typeof CHANNELS]}，{row.received_on}
        </dd>
        <dt>答复期限</dt>
        <dd id="due-on">{clock.dueOn ?? '暂停计时'}</dd>
        <dt>承办人</dt>
        <dd>{p.r.assignedName ?? '未分派'}</dd>
        {outcome ? (
          <>
            <dt>办理结果</dt>
            <dd id="outcome">
              {outcomeFullLabel(outcome)}（{row.outcome_date}）— {outcome.basis}
            </dd>
          </>
        ) : null}
        {row.delivered_at ? (
          <>
            <dt>送达</dt>
            <dd>
              {DELIVERIES[row.delivered_via as keyof typeof DELIVERIES] ?? row.delivered_via}，{row.delivered_at}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>申请人</h2>
      <dl class="meta-table" id="applicant">
        <dt>类型</dt>
        <dd>
          {APPLICANT_TYPES[row.applicant_type as keyof typeof APPLICANT_TYPES]}
          {row.organization_kind
            ? `（${ORGANIZATION_KINDS[row.organization_kind as keyof typeof ORGANIZATION_KINDS]}）`
            : ''}
        </dd>
        <dt>姓名或名称</dt>
        <dd>{p.personal?.name ?? p.r.masked.name}</dd>
        <dt>
          {row.id_type === 'credit_code'
            ? '统一社会信用代码'
            : (ID_TYPES[row.id_type as keyof typeof ID_TYPES] ?? '证件')}
        </dt>
        <dd>{p.personal?.idNumber ?? p.r.masked.idNumber}</dd>
        {row.legal_representative_enc ? (
          <>
            <dt>法定代表人</dt>
            <dd>{p.personal?.legalRepresentative ?? p.r.masked.legalRepresentative}</dd>
          </>
        ) : null}
        <dt>电话</dt>
        <dd>{p.personal?.phone ?? p.r.masked.phone}</dd>
        <dt>邮箱</dt>
        <dd>{p.personal?.email ?? p.r.masked.email}</dd>
        <dt>地址</dt>
        <dd>{p.personal?.address ?? p.r.masked.address}</dd>
      </dl>
      {!p.personal && p.r.canSeePersonal ? (
        <form method="post" action={`/console/requests/${id}/personal`}>
          <CsrfField token={p.csrf} />
          <button type="submit">查看完整信息（将记入审计日志）</button>
        </form>
      ) : null}
      {p.personal ? <p class="meta">您查看了完整的申请人信息，此次查看已记入审计日志。</p> : null}
      <h2>申请内容</h2>
      <p>{row.description}</p>
      {row.purpose ? <p>用途：{row.purpose}</p> : null}
      <p>
        载体形式：{FORMS[row.form as keyof typeof FORMS]}；获取方式：
        {DELIVERIES[row.delivery as keyof typeof DELIVERIES]}；
        {row.publish_consent ? '同意去除个人信息后公开' : '未同意公开'}
      </p>
      <h2>答复期限的计算</h2>
      <ol class="clock-steps">
        {clock.steps.map((s) => (
          <li>{s.text}</li>
        ))}
      </ol>
      <h2>文件</h2>
      {p.r.row.outcome_code && p.r.canSeePersonal ? (
        <p>
          答复告知书（含申请人姓名，下载将记入审计日志）：<a href={`/console/requests/${id}/letter.pdf`}>PDF</a>　
          <a href={`/console/requests/${id}/letter.docx`}>Word</a>　
          <a href="/console/letter-templates">编辑告知书模板</a>
        </p>
      ) : null}
      {p.r.files.length ? (
        <ul>
          {p.r.files.map((f) => (
            <li>
              <a href={`/console/requests/${id}/files/${f.id}`}>{f.filename}</a>（
              {f.role === 'released' ? '答复文件' : f.role === 'supplement' ? '补充材料' : '申请材料'}）
            </li>
          ))}
        </ul>
      ) : (
        <p class="meta">无。</p>
      )}
      {p.canManage ? (
        <section aria-labelledby="actions">
          <h2 id="actions">办理</h2>
          <ActionForm id={id} action="assign" title="分派承办人" csrf={p.csrf}>
            <SelectField
              name="userId"
              label="承办人"
              options={p.officers.map((o) => ({ value: String(o.id), label: o.display_name }))}
              emptyLabel="请选择"
              value={row.assigned_to ? String(row.assigned_to) : ''}
            />
          </ActionForm>
          {open ? (
            <>
              {clock.clarification.canAsk ? (
                <ActionForm id={id} action="clarify" title="要求补正" csrf={p.csrf}>
                  <p class="hint">
                    补正只能要求一次，应一次性告知需要补正的事项，须在 {clock.clarification.by} 前发出。
                  </p>
                  <TextArea name="publicNote" label="需要补正的事项（申请人可见）" rows={4} />
                  <TextField name="deadline" label="补正期限" type="date" />
                </ActionForm>
              ) : null}
              <ActionForm id={id} action="consult_start" title="开始征求意见（暂停计时）" csrf={p.csrf}>
                <SelectField
                  name="detail"
                  label="征求对象"
                  options={[
                    { value: 'third_party', label: '第三方（第三十二条）' },
                    { value: 'agencies', label: '其他机关（第三十四条）' },
                  ]}
                />
                <TextField name="onDate" label="发出征求意见日期" type="date" value={p.today} />
                <TextArea name="internalNote" label="说明（内部）" rows={2} />
              </ActionForm>
              {clock.state === 'paused_consultation' || clock.openConsultations > 0 ? (
                <ActionForm id={id} action="consult_end" title="结束征求意见（恢复计时）" csrf={p.csrf}>
                  <TextField name="onDate" label="收到意见或期满日期" type="date" value={p.today} />
                  <TextArea name="internalNote" label="说明（内部）" rows={2} />
                </ActionForm>
              ) : null}
              {p.canExtend && !clock.extension ? (
                <ActionForm id={id} action="extend" title="延长答复期限" csrf={p.csrf}>
                  <p class="hint">
                    经政府信息公开工作机构负责人同意，可延长一次，最长 {MAX_EXTENSION_WORKDAYS}{' '}
                    个工作日；提交即视为您作为负责人批准，并通知申请人。
                  </p>
                  <TextField name="workdays" label="延长工作日数" inputmode="numeric" value="20" />
                  <TextArea name="publicNote" label="延长理由（申请人可见）" rows={2} />
                </ActionForm>
              ) : null}
              {clock.state !== 'paused_fee' ? (
                <ActionForm id={id} action="fee_notice" title="发出收费通知（暂停计时）" csrf={p.csrf}>
                  <TextField name="amount" label="金额（元）" inputmode="numeric" />
                  <TextField name="deadline" label="缴费期限" type="date" />
                  <TextArea name="publicNote" label="说明（申请人可见）" rows={2} />
                </ActionForm>
              ) : (
                <ActionForm id={id} action="fee_paid" title="登记已缴费（恢复计时）" csrf={p.csrf}>
                  <TextField name="onDate" label="缴费日期" type="date" value={p.today} />
                </ActionForm>
              )}
              <ActionForm id={id} action="decide" title="作出答复" csrf={p.csrf} upload>
                {clock.openConsultations > 0 ? (
                  <p class="hint">
                    尚有 {clock.openConsultations} 项征求意见未结束：请先登记“结束征求意见”，再作出答复。
                  </p>
                ) : null}
                <SelectField
                  name="outcome"
                  label="办理结果"
                  options={OUTCOMES.map((o) => ({ value: o.code, label: outcomeFullLabel(o) }))}
                  emptyLabel="请选择"
                />
                <TextField name="onDate" label="答复日期" type="date" value={p.today} />
                <TextArea name="publicNote" label="答复说明（申请人可见）" rows={3} />
                <div class="field">
                  <label for="released">公开的文件</label>
                  <input id="released" name="attachments" type="file" multiple />
                </div>
              </ActionForm>
              <ActionForm id={id} action="transfer" title="转送其他机关" csrf={p.csrf}>
                <p class="hint">
                  {clock.state === 'running'
                    ? '接收机关以转送之日为收到申请之日，答复期限自次日起重新计算 20 个工作日；本机关已批准的延长不再适用。'
                    : '暂停计时期间（等待补正、征求意见或缴费）不能转送，请先结束暂停。'}
                </p>
                <SelectField
                  name="organizationId"
                  label="接收机关"
                  options={p.organizations
                    .filter((o) => o.id !== row.organization_id)
                    .map((o) => ({ value: String(o.id), label: o.name }))}
                  emptyLabel="请选择"
                />
                <TextArea name="publicNote" label="转送说明（申请人可见，并以邮件告知）" rows={2} />
              </ActionForm>
            </>
          ) : null}
          {row.outcome_code && !row.delivered_at ? (
            <ActionForm id={id} action="deliver" title="登记送达" csrf={p.csrf}>
              <SelectField name="via" label="送达方式" options={opts(DELIVERIES)} />
              <TextField name="onDate" label="送达日期" type="date" value={p.today} />
            </ActionForm>
          ) : null}
          <ActionForm id={id} action="review" title="登记行政复议或行政诉讼" csrf={p.csrf}>
            <SelectField name="kind" label="类型" options={opts(REVIEW_KINDS)} />
            <TextField name="filedOn" label="提起日期" type="date" />
            <SelectField name="result" label="结果" options={opts(REVIEW_RESULTS)} value="pending" />
            <TextField name="concludedOn" label="审结日期" type="date" />
            <TextArea name="note" label="备注" rows={2} />
          </ActionForm>
          <ActionForm id={id} action="note" title="添加备注" csrf={p.csrf}>
            <TextArea name="internalNote" label="备注（内部）" rows={2} />
          </ActionForm>
          <ActionForm
            id={id}
            action="query-code"
            title="重新生成查询码"
            csrf={p.csrf}
            button="重新生成查询码（原查询码立即失效）"
          >
            <p class="hint">
              申请人遗失查询码时使用：请先核对申请人的身份证件（法人或其他组织核对相关证明）。新查询码只显示一次，可打印或下载受理回执交给申请人；本操作记入审计日志，并以邮件告知申请人（邮件不含查询码）。
            </p>
          </ActionForm>
        </section>
      ) : null}
      {p.r.reviews.length ? (
        <>
          <h2>行政复议和行政诉讼</h2>
          <ul>
            {p.r.reviews.map((rv) => (
              <li>
                {REVIEW_KINDS[rv.kind as keyof typeof REVIEW_KINDS]}，{rv.filed_on} 提起，
                {REVIEW_RESULTS[rv.result as keyof typeof REVIEW_RESULTS]}
                {rv.concluded_on ? `（${rv.concluded_on} 审结）` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>办理记录</h2>
      <ol class="timeline">
        {p.r.events.map((e) => (
          <li>
            <strong>{e.on_date}</strong> {ev(e.kind)} — {e.actor_name}（{formatDateTime(e.created_at)}）
            {e.deadline ? `，期限 ${e.deadline}` : ''}
            {e.amount ? `，${e.amount} 元` : ''}
            {e.workdays && e.kind === 'extension' ? `，${e.workdays} 个工作日` : ''}
            {e.public_note ? <p>告知申请人：{e.public_note}</p> : null}
            {e.internal_note ? (
              <p class="meta">内部：{e.internal_note.replace(/^(third_party|agencies)\|/, '')}</p>
            ) : null}
          </li>
        ))}
      </ol>
    </>
  );
}
