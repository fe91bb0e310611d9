import type { FieldErrors } from '../../../platform/errors.js';
import { ErrorSummary, SelectField, TextArea, TextField } from '../../../platform/render/components.js';
import { STATUS_LABELS } from '../../publishing/publishing.schema.js';
import { itemHref } from '../../publishing/views/public.js';
import { FORM_KEYS, INTERPRETATION_FORMS, MEDIA_ROLES } from '../interpretations.schema.js';
import { POLICY_TYPES } from '../policies.schema.js';
import { RELATION_KINDS, RELATION_LABELS } from '../status.js';

const Csrf = ({ t }: { t: string }) => <input type="hidden" name="_csrf" value={t} />;
const statusLabel = (s: string) => STATUS_LABELS[s as keyof typeof STATUS_LABELS] ?? s;

export interface ConsoleSectionData {
  itemId: number;
  itemStatus: string;
  /** The item has been published: its policy or interpretation fields change only with a revision's publication. */
  published: boolean;
  /** A revision staged changes to the fields (staged.ts); what is shown here is what it will publish. */
  staged: boolean;
  policy: null | {
    id: number;
    type: string;
    docNumber: string;
    statusLabel: string;
    waiver: string;
    waiverAccepted: boolean;
    interpretations: { itemId: number; title: string; form: string; status: string }[];
    relations: { label: string; title: string; href: string }[];
  };
  interpretation: null | { form: string; policies: { id: number; title: string }[] };
}

function RevisionNote() {
  return <p class="notice">本信息已发布：此处保存的修改在修订稿审核发布后生效，此前公众页面仍显示已发布的内容。</p>;
}

function StagedNote() {
  return (
    <p class="notice" role="status">
      以上为本次修订的内容，公众页面仍显示已发布的版本，修订稿发布后生效。
    </p>
  );
}

/** The box on the console page of an item: policy fields and 三同步 bundle, or the interpretation's links. */
export function ConsoleSection({ d, csrf }: { d: ConsoleSectionData; csrf: string }) {
  const draft = d.itemStatus === 'draft';
  if (!d.policy && !d.interpretation) {
    // Set before the first publication only (savePolicy, saveInterpretation).
    if (!draft || d.published) return null;
    return (
      <section aria-labelledby="policy-box" class="policy-box" id="interpretation">
        <h2 id="policy-box">政策文件与解读</h2>
        <p>
          <a href={`/console/items/${d.itemId}/policy`}>设为政策文件（填写文号、施行日期等）</a> ｜{' '}
          <a href={`/console/items/${d.itemId}/interpretation`}>设为政策解读</a>
        </p>
      </section>
    );
  }
  if (d.interpretation) {
    return (
      <section aria-labelledby="policy-box" class="policy-box" id="interpretation">
        <h2 id="policy-box">政策解读</h2>
        <p>
          解读形式：{INTERPRETATION_FORMS[d.interpretation.form as keyof typeof INTERPRETATION_FORMS]}；解读的文件：
          {d.interpretation.policies.map((p) => `《${p.title}》`).join('、')}
        </p>
        {d.staged ? <StagedNote /> : null}
        {draft ? (
          <p>
            <a href={`/console/items/${d.itemId}/interpretation`}>修改解读属性、上传视频和字幕</a>
          </p>
        ) : null}
      </section>
    );
  }
  const p = d.policy!;
  return (
    <section aria-labelledby="policy-box" class="policy-box" id="interpretation">
      <h2 id="policy-box">政策文件（编号 {p.id}）</h2>
      <dl class="facts">
        <dt>文件类型</dt>
        <dd>{POLICY_TYPES[p.type as keyof typeof POLICY_TYPES]}</dd>
        <dt>文号</dt>
        <dd>{p.docNumber || '无'}</dd>
        <dt>效力状态</dt>
        <dd>{p.statusLabel}</dd>
      </dl>
      {d.staged ? <StagedNote /> : null}
      {draft ? (
        <p>
          <a href={`/console/items/${d.itemId}/policy`}>修改政策文件属性</a>
        </p>
      ) : null}
      <h3>政策解读（三同步）</h3>
      {p.interpretations.length === 0 ? (
        <p>尚无解读。{p.type === 'normative' ? '行政规范性文件须与解读一并报送审核。' : ''}</p>
      ) : (
        <ul class="list-plain">
          {p.interpretations.map((x) => (
            <li>
              <a href={`/console/items/${x.itemId}`}>{x.title}</a>
              <span class="meta">
                {INTERPRETATION_FORMS[x.form as keyof typeof INTERPRETATION_FORMS]} ｜ {statusLabel(x.status)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form method="post" action={`/console/policies/${p.id}/interpretations`} class="draft-interpretation">
        <Csrf t={csrf} />
        <fieldset>
          <legend>撰写解读</legend>
          <p class="hint">新建一条解读草稿，已关联本文件，解读责任单位为本文件的起草单位（可修改）。</p>
          <p>
            {FORM_KEYS.map((f) => (
              <button type="submit" name="form" value={f} class="secondary">
                {INTERPRETATION_FORMS[f]}
              </button>
            ))}
          </p>
        </fieldset>
      </form>
      {p.type === 'normative' && p.interpretations.length === 0 ? (
        <form method="post" action={`/console/policies/${p.id}/waiver`} novalidate>
          <Csrf t={csrf} />
          <TextArea name="waiver" label="无需解读的理由（须经签发人接受）" value={p.waiver} rows={2} />
          <p class="meta">{p.waiver ? (p.waiverAccepted ? '签发人已接受该理由。' : '待签发人接受。') : ''}</p>
          <button type="submit" class="secondary">
            保存理由
          </button>
        </form>
      ) : null}
      {p.waiver && !p.waiverAccepted ? (
        <form method="post" action={`/console/policies/${p.id}/waiver/accept`}>
          <Csrf t={csrf} />
          <button type="submit">接受无需解读的理由</button>
        </form>
      ) : null}
      <h3>关联文件</h3>
      {p.relations.length ? (
        <ul class="list-plain">
          {p.relations.map((r) => (
            <li>
              {r.label}：<a href={r.href}>{r.title}</a>
            </li>
          ))}
        </ul>
      ) : (
        <p>无。</p>
      )}
      <form method="post" action={`/console/policies/${p.id}/relations`} novalidate class="inline-form">
        <Csrf t={csrf} />
        <SelectField
          name="kind"
          label="本文件对另一文件的作用"
          options={RELATION_KINDS.map((k) => ({ value: k, label: RELATION_LABELS[k].out }))}
        />
        <TextField name="to_policy_id" label="被作用文件的编号" inputmode="numeric" />
        <button type="submit" class="secondary">
          登记关系
        </button>
      </form>
    </section>
  );
}

export interface PolicyFormValues {
  policy_type?: string;
  doc_number?: string;
  theme?: string;
  date_signed?: string;
  date_effective?: string;
  valid_until?: string;
  issuers?: string;
}

export function PolicyForm(p: {
  itemId: number;
  title: string;
  /** The item has been published: what is saved here waits for the revision's publication. */
  revision?: boolean;
  csrf: string;
  values: PolicyFormValues;
  errors?: FieldErrors;
}) {
  const v = p.values;
  return (
    <>
      <h1>政策文件属性：{p.title}</h1>
      {p.revision ? <RevisionNote /> : null}
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/console/items/${p.itemId}/policy`} novalidate>
        <Csrf t={p.csrf} />
        <SelectField
          name="policy_type"
          label="文件类型"
          value={v.policy_type}
          errors={p.errors}
          emptyLabel="请选择"
          options={Object.entries(POLICY_TYPES).map(([value, label]) => ({ value, label }))}
        />
        <TextField
          name="doc_number"
          label="文号"
          value={v.doc_number}
          errors={p.errors}
          hint="例如：厦湖文体〔2026〕12号。输入 [2026] 或 (2026) 会自动改为〔2026〕。"
        />
        <TextArea
          name="issuers"
          label="发文机关"
          value={v.issuers}
          errors={p.errors}
          rows={2}
          hint="联合发文时每行一个机关，主办机关在前；留空为本机构。"
        />
        <TextField name="theme" label="主题" value={v.theme} errors={p.errors} />
        <TextField name="date_signed" label="成文日期" type="date" value={v.date_signed} errors={p.errors} />
        <TextField name="date_effective" label="施行日期" type="date" value={v.date_effective} errors={p.errors} />
        <TextField
          name="valid_until"
          label="有效期至（可留空）"
          type="date"
          value={v.valid_until}
          errors={p.errors}
          hint="有效期届满的次日起，文件自动标注为“已失效”。"
        />
        <button type="submit">保存</button>
      </form>
      <p>
        <a href={`/console/items/${p.itemId}`}>返回信息页面</a>
      </p>
    </>
  );
}

export interface InterpretationFormValues {
  form?: string;
  policy_ids?: string;
  responsible_organization_id?: string;
  by_principal?: string;
  principal_name?: string;
  transcript_html?: string;
}

export function InterpretationForm(p: {
  itemId: number;
  title: string;
  /** The item has been published: what is saved here waits for the revision's publication. */
  revision?: boolean;
  csrf: string;
  values: InterpretationFormValues;
  errors?: FieldErrors;
  orgs: { id: number; name: string }[];
  hasRecord: boolean;
  media: Partial<Record<keyof typeof MEDIA_ROLES, string | null>>;
}) {
  const v = p.values;
  return (
    <>
      <h1>政策解读属性：{p.title}</h1>
      {p.revision ? <RevisionNote /> : null}
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/console/items/${p.itemId}/interpretation`} novalidate>
        <Csrf t={p.csrf} />
        <SelectField
          name="form"
          label="解读形式"
          value={v.form}
          errors={p.errors}
          emptyLabel="请选择"
          options={Object.entries(INTERPRETATION_FORMS).map(([value, label]) => ({ value, label }))}
        />
        <TextField
          name="policy_ids"
          label="解读的政策文件编号"
          value={v.policy_ids}
          errors={p.errors}
          hint="政策文件页面标题旁显示的编号；解读多个文件时用逗号分隔。"
        />
        <SelectField
          name="responsible_organization_id"
          label="解读责任单位"
          value={v.responsible_organization_id}
          errors={p.errors}
          emptyLabel="默认：文件起草单位（谁起草谁解读）"
          options={p.orgs.map((o) => ({ value: String(o.id), label: o.name }))}
        />
        <div class="field">
          <label>
            <input type="checkbox" name="by_principal" value="1" checked={v.by_principal === '1'} /> 主要负责人解读
          </label>
        </div>
        <TextField name="principal_name" label="解读人姓名、职务" value={v.principal_name} errors={p.errors} />
        <TextArea
          name="transcript_html"
          label="访谈实录（访谈解读必填）"
          value={v.transcript_html}
          errors={p.errors}
          rows={6}
        />
        <button type="submit">保存</button>
      </form>
      {p.hasRecord ? (
        <section aria-labelledby="media">
          <h2 id="media">视频、封面和字幕</h2>
          <ul class="list-plain">
            {Object.entries(MEDIA_ROLES).map(([role, label]) => (
              <li>
                {label}：{p.media[role as keyof typeof MEDIA_ROLES] ? '已上传' : '未上传'}
              </li>
            ))}
          </ul>
          <form
            method="post"
            action={`/console/items/${p.itemId}/interpretation/media`}
            enctype="multipart/form-data"
            novalidate
          >
            <Csrf t={p.csrf} />
            <SelectField
              name="role"
              label="文件用途"
              options={Object.entries(MEDIA_ROLES).map(([value, label]) => ({ value, label }))}
            />
            <div class={p.errors?.file ? 'field field-error' : 'field'}>
              <label for="file">文件（视频 MP4/WebM，封面 JPG/PNG，字幕 WebVTT）</label>
              {p.errors?.file ? <p class="error-message">{p.errors.file}</p> : null}
              <input id="file" name="file" type="file" />
            </div>
            <TextField name="alt" label="封面图替代文字" errors={p.errors} />
            <button type="submit" class="secondary">
              上传
            </button>
          </form>
        </section>
      ) : null}
      <p>
        <a href={`/console/items/${p.itemId}`}>返回信息页面</a>
      </p>
    </>
  );
}

export function PolicyConsoleList(p: {
  rows: {
    id: number;
    itemId: number;
    title: string;
    docNumber: string;
    type: string;
    status: string;
    itemStatus: string;
    orgSlug: string;
    published: boolean;
  }[];
}) {
  return (
    <>
      <h1>政策文件</h1>
      <p>
        <a href="/console/policy-statistics">年度报告统计（表二）</a> ｜{' '}
        <a href="/console/policy-campaigns">规范性文件清理</a>
      </p>
      {p.rows.length === 0 ? (
        <p>暂无政策文件。在“信息发布”中起草信息后，可将其设为政策文件。</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">编号</th>
                <th scope="col">标题</th>
                <th scope="col">文号</th>
                <th scope="col">类型</th>
                <th scope="col">效力状态</th>
                <th scope="col">办理状态</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr>
                  <td>{r.id}</td>
                  <td>
                    <a href={`/console/items/${r.itemId}`}>{r.title}</a>
                    {r.published ? (
                      <>
                        {' '}
                        <a href={itemHref(r.orgSlug, r.itemId)} class="meta">
                          公开页面
                        </a>
                      </>
                    ) : null}
                  </td>
                  <td>{r.docNumber}</td>
                  <td>{POLICY_TYPES[r.type as keyof typeof POLICY_TYPES]}</td>
                  <td>{r.status}</td>
                  <td>{statusLabel(r.itemStatus)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
