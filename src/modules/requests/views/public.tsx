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
import { APPLICANT_TYPES, ORGANIZATION_KINDS, outcomeOf } from '../outcomes.js';
import { CLOCK_STATE_LABELS, REQUEST_EVENT_KINDS } from '../requests.clock.js';
import { DELIVERIES, FORMS, ID_TYPES, REQUEST_STATUSES } from '../requests.schema.js';
import { type ApplicantView, expectedOfApplicant } from '../requests.service.js';

const opts = (o: Record<string, string>) => Object.entries(o).map(([value, label]) => ({ value, label }));

function Radios(p: {
  name: string;
  legend: string;
  options: Record<string, string>;
  value?: string;
  errors?: FieldErrors;
  hint?: string;
}) {
  const err = p.errors?.[p.name];
  return (
    <fieldset
      class={err ? 'field field-error' : 'field'}
      id={p.name}
      aria-describedby={err ? `${p.name}-error` : undefined}
    >
      <legend>{p.legend}</legend>
      {p.hint ? <p class="hint">{p.hint}</p> : null}
      {err ? (
        <p class="error-message" id={`${p.name}-error`}>
          <span class="visually-hidden">错误：</span>
          {err}
        </p>
      ) : null}
      {Object.entries(p.options).map(([v, label]) => (
        <label class="radio">
          <input type="radio" name={p.name} value={v} checked={p.value === v} /> {label}
        </label>
      ))}
    </fieldset>
  );
}

export interface ApplicationFormProps {
  action: string;
  csrf: string;
  values: Record<string, string>;
  errors?: FieldErrors;
  organizations: Organization[];
  fixedOrganization?: Organization;
  challenge?: { question: string; token: string };
  /** Console registration: channel and receipt date. */
  register?: boolean;
}

/** The application form (依申请公开申请表): works without JavaScript; every value typed comes back on errors. */
export function ApplicationFields(p: ApplicationFormProps) {
  const v = p.values;
  return (
    <>
      {p.fixedOrganization ? (
        <>
          <input type="hidden" name="organization" value={String(p.fixedOrganization.id)} />
          <input type="hidden" name="fixed" value="1" />
        </>
      ) : (
        <SelectField
          name="organization"
          label="受理机关"
          options={p.organizations.map((o) => ({ value: String(o.id), label: o.name }))}
          emptyLabel="不确定（由区政务公开办受理）"
          value={v.organization}
          errors={p.errors}
        />
      )}
      <Radios
        name="applicantType"
        legend="申请人类型"
        options={APPLICANT_TYPES}
        value={v.applicantType}
        errors={p.errors}
      />
      <TextField
        name="name"
        label="姓名或名称"
        required
        value={v.name}
        errors={p.errors}
        maxlength={100}
        autocomplete="name"
        hint="自然人填写姓名；法人或其他组织填写名称。"
      />
      <fieldset class="group">
        <legend>自然人填写</legend>
        <SelectField
          name="idType"
          label="身份证件类型"
          options={opts(ID_TYPES)}
          emptyLabel="请选择"
          value={v.idType}
          errors={p.errors}
        />
        <TextField
          name="idNumber"
          label="证件号码"
          value={v.idNumber}
          errors={p.errors}
          maxlength={40}
          autocomplete="off"
          hint="居民身份证为 18 位，最后一位可能是 X。"
        />
      </fieldset>
      <fieldset class="group">
        <legend>法人或其他组织填写</legend>
        <SelectField
          name="organizationKind"
          label="组织类型"
          options={opts(ORGANIZATION_KINDS)}
          emptyLabel="请选择"
          value={v.organizationKind}
          errors={p.errors}
        />
        <TextField
          name="creditCode"
          label="统一社会信用代码"
          value={v.creditCode}
          errors={p.errors}
          maxlength={40}
          autocomplete="off"
        />
        <TextField
          name="legalRepresentative"
          label="法定代表人或负责人"
          value={v.legalRepresentative}
          errors={p.errors}
          maxlength={50}
        />
      </fieldset>
      <TextField
        name="phone"
        label="联系电话"
        required
        type="tel"
        inputmode="tel"
        autocomplete="tel"
        value={v.phone}
        errors={p.errors}
        maxlength={30}
      />
      <TextField
        name="email"
        label="电子邮箱"
        type="email"
        inputmode="email"
        autocomplete="email"
        value={v.email}
        errors={p.errors}
        maxlength={254}
        hint="选填；填写后我们会把受理、补正和答复的通知发到这个邮箱。"
      />
      <TextField
        name="address"
        label="通信地址"
        autocomplete="street-address"
        value={v.address}
        errors={p.errors}
        maxlength={200}
        hint="选择邮寄时必填。"
      />
      <TextArea
        name="description"
        label="所需政府信息的名称、文号或者便于查询的其他特征性描述（必填）"
        rows={6}
        value={v.description}
        errors={p.errors}
      />
      <TextArea name="purpose" label="用途（选填）" rows={2} value={v.purpose} errors={p.errors} />
      <Radios name="form" legend="所需信息的指定提供载体形式" options={FORMS} value={v.form} errors={p.errors} />
      <Radios name="delivery" legend="获取信息的方式" options={DELIVERIES} value={v.delivery} errors={p.errors} />
      <div class={p.errors?.attachments ? 'field field-error' : 'field'}>
        <label for="attachments">附件（选填，最多 10 个）</label>
        <p class="hint" id="attachments-hint">
          可上传身份证明、授权委托书等材料。支持 PDF、OFD、Word、WPS、Excel、JPG、PNG、ZIP。出错时需要重新选择文件。
        </p>
        {p.errors?.attachments ? (
          <p class="error-message" id="attachments-error">
            <span class="visually-hidden">错误：</span>
            {p.errors.attachments}
          </p>
        ) : null}
        <input id="attachments" name="attachments" type="file" multiple aria-describedby="attachments-hint" />
      </div>
      <div class="field">
        <label class="checkbox">
          <input type="checkbox" name="publishConsent" value="1" checked={v.publishConsent === '1'} />{' '}
          同意在去除个人信息后公开本申请的内容和答复结果
        </label>
      </div>
    </>
  );
}

export function ApplicationForm(p: ApplicationFormProps) {
  return (
    <>
      <h1>政府信息公开申请</h1>
      <p>
        依据《中华人民共和国政府信息公开条例》，公民、法人或者其他组织可以向行政机关申请获取相关政府信息。带 *
        的为必填项。 提交后您会得到受理编号和查询码，凭它们可以随时查询办理进度。
      </p>
      <p>
        {p.fixedOrganization ? `受理机关：${p.fixedOrganization.name}。` : null}
        行政机关收到申请后，能够当场答复的当场答复；不能当场答复的，自收到申请之日起 20 个工作日内答复。
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={p.action} enctype="multipart/form-data" novalidate>
        <CsrfField token={p.csrf} />
        <ApplicationFields {...p} />
        {p.challenge ? (
          <>
            <input type="hidden" name="challengeToken" value={p.challenge.token} />
            <TextField
              name="challenge"
              label={`验证问题：${p.challenge.question}`}
              required
              inputmode="numeric"
              autocomplete="off"
              errors={p.errors}
              maxlength={4}
            />
          </>
        ) : null}
        <button type="submit">提交申请</button>
      </form>
      <p class="meta">您填写的个人信息仅用于办理本申请，加密保存，不会公开。</p>
    </>
  );
}

export function SubmittedPage(p: {
  trackingNumber: string;
  queryCode: string;
  organization: string;
  receivedOn: string;
  dueOn: string | null;
}) {
  return (
    <>
      <h1>申请已提交</h1>
      <Notice kind="success">
        <p>
          {p.organization}已于 {p.receivedOn} 收到您的申请。
        </p>
      </Notice>
      <dl class="meta-table">
        <dt>受理编号</dt>
        <dd>
          <strong id="tracking-number">{p.trackingNumber}</strong>
        </dd>
        <dt>查询码</dt>
        <dd>
          <strong id="query-code">{p.queryCode}</strong>
        </dd>
        {p.dueOn ? (
          <>
            <dt>答复期限</dt>
            <dd>{p.dueOn}（自收到申请次日起 20 个工作日）</dd>
          </>
        ) : null}
      </dl>
      <Notice kind="warning">
        <p>
          请立即记下或截图保存查询码。为保护您的信息，查询码只显示这一次，我们不保存它的原文，无法找回；遗失的，可持本人身份证件向受理机关申请重新生成，原查询码随即失效。
        </p>
      </Notice>
      <p>
        <a href="/requests/status">查询办理进度</a>
      </p>
    </>
  );
}

export function LookupForm(p: { csrf: string; values: Record<string, string>; errors?: FieldErrors }) {
  return (
    <>
      <h1>查询申请办理进度</h1>
      <p>请输入提交申请时得到的受理编号和查询码。</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/requests/status" novalidate>
        <CsrfField token={p.csrf} />
        <TextField
          name="trackingNumber"
          label="受理编号"
          required
          value={p.values.trackingNumber}
          errors={p.errors}
          maxlength={20}
          hint="如 2026-000123"
          autocomplete="off"
        />
        <TextField
          name="queryCode"
          label="查询码"
          required
          value={p.values.queryCode}
          errors={p.errors}
          maxlength={20}
          hint="如 K7MQ2-XH4PD"
          autocomplete="off"
        />
        <button type="submit">查询</button>
      </form>
      <p>
        <a href="/requests/new">提交新的申请</a>
      </p>
    </>
  );
}

const eventText = (e: ApplicantView['events'][number]) =>
  REQUEST_EVENT_KINDS[e.kind as keyof typeof REQUEST_EVENT_KINDS] ?? e.kind;
/** Events the applicant sees (internal notes, assignments and flags stay in the office). */
const PUBLIC_EVENTS = new Set([
  'received',
  'clarification_requested',
  'clarification_answered',
  'supplement',
  'consultation_started',
  'consultation_ended',
  'extension',
  'fee_notice',
  'fee_paid',
  'transferred',
  'decided',
  'delivered',
  'closed',
  'withdrawn',
  'query_code_reissued',
]);

export function publicTimeline(v: ApplicantView) {
  return v.events.filter((e) => PUBLIC_EVENTS.has(e.kind));
}

export function StatusPage(p: {
  view: ApplicantView;
  csrf: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
  flash?: string;
}) {
  const v = p.view;
  const expected = expectedOfApplicant(v);
  const outcome = outcomeOf(v.row.outcome_code);
  const released = v.files.filter((f) => f.role === 'released');
  return (
    <>
      <h1>申请 {v.row.tracking_number}</h1>
      {p.flash ? <Notice kind="success">{p.flash}</Notice> : null}
      <dl class="meta-table">
        <dt>受理机关</dt>
        <dd>{v.organization?.name ?? ''}</dd>
        <dt>收到申请日期</dt>
        <dd>{v.row.received_on}</dd>
        <dt>办理状态</dt>
        <dd id="request-status">
          {REQUEST_STATUSES[v.status]}（{CLOCK_STATE_LABELS[v.clock.state]}）
        </dd>
        {v.clock.dueOn ? (
          <>
            <dt>答复期限</dt>
            <dd id="due-on">{v.clock.dueOn}</dd>
          </>
        ) : null}
        {outcome ? (
          <>
            <dt>办理结果</dt>
            <dd id="outcome">
              {outcome.short}（{v.row.outcome_date}）
            </dd>
          </>
        ) : null}
      </dl>
      <p>{v.clock.summary}</p>
      {expected ? (
        <Notice kind="warning">
          <p id="expected">{expected}</p>
        </Notice>
      ) : null}
      {v.clock.state === 'waiting_clarification' ? (
        <section aria-labelledby="answer-title">
          <h2 id="answer-title">提交补正</h2>
          <ErrorSummary errors={p.errors} />
          <form method="post" action="/requests/status/uploads" enctype="multipart/form-data" novalidate>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="kind" value="answer" />
            <TextArea name="answer" label="补正内容" rows={5} value={p.values?.answer} errors={p.errors} />
            <div class="field">
              <label for="attachments">补正材料（选填）</label>
              <input id="attachments" name="attachments" type="file" multiple />
            </div>
            <button type="submit">提交补正</button>
          </form>
        </section>
      ) : null}
      <section aria-labelledby="how-title">
        <h2 id="how-title">答复期限是怎样计算的</h2>
        <ol class="clock-steps">
          {v.clock.steps.map((s) => (
            <li>{s.text}</li>
          ))}
        </ol>
        {v.clock.counted.length ? (
          <details>
            <summary>查看计入的 {v.clock.counted.length} 个工作日和不计的日期</summary>
            <p>计入的工作日：{v.clock.counted.join('、')}</p>
            <p>
              不计的日期：
              {v.clock.skipped.map((d) => `${d.date}（${d.kind === 'weekend' ? '周末' : d.name}）`).join('、') || '无'}
            </p>
          </details>
        ) : null}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">办理过程</h2>
        <ol class="timeline">
          {publicTimeline(v).map((e) => (
            <li>
              <strong>{e.on_date}</strong> {eventText(e)}
              {e.deadline ? `（期限 ${e.deadline}）` : ''}
              {e.amount ? `（${e.amount} 元）` : ''}
              {e.workdays && e.kind === 'extension' ? `（${e.workdays} 个工作日）` : ''}
              {e.public_note ? <p>{e.public_note}</p> : null}
            </li>
          ))}
        </ol>
      </section>
      {released.length || outcome ? (
        <section aria-labelledby="released-title">
          <h2 id="released-title">答复文件</h2>
          <ul>
            {outcome ? (
              <li>
                答复告知书：<a href="/requests/status/letter.pdf">PDF</a>　
                <a href="/requests/status/letter.docx">Word</a>
              </li>
            ) : null}
            {released.map((f) => (
              <li>
                <a href={`/requests/status/files/${f.id}`}>{f.filename}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {v.status !== 'closed' && v.status !== 'decided' && v.clock.state !== 'waiting_clarification' ? (
        <section aria-labelledby="supplement-title">
          <h2 id="supplement-title">补充材料</h2>
          <ErrorSummary errors={p.errors} />
          <form method="post" action="/requests/status/uploads" enctype="multipart/form-data" novalidate>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="kind" value="supplement" />
            <TextArea name="note" label="说明" rows={3} value={p.values?.note} errors={p.errors} />
            <div class={p.errors?.attachments ? 'field field-error' : 'field'}>
              <label for="supplement-files">文件</label>
              <input id="supplement-files" name="attachments" type="file" multiple />
            </div>
            <button type="submit">提交补充材料</button>
          </form>
        </section>
      ) : null}
      <p class="meta">最后更新：{formatDateTime(v.row.updated_at)}</p>
    </>
  );
}
