import type { FieldErrors } from '../../../platform/errors.js';
import { typeLabel } from '../../../platform/files/files.service.js';
import { humanSize } from '../../../platform/files/size.js';
import { ErrorSummary, SelectField, TextArea, TextField } from '../../../platform/render/components.js';
import { treeOptions } from '../../../platform/render/tree.js';
import { formatDateTime } from '../../../platform/time.js';
import type { Directory } from '../../directory/directory.service.js';
import {
  DISCLOSURE,
  EXEMPTIONS,
  FIVE_CATEGORIES,
  GENRES,
  STATUS_LABELS,
  THEMES,
  WITHDRAWAL_REASONS,
} from '../publishing.schema.js';
import { ACTION_LABELS, type WorkflowAction } from '../publishing.service.js';

export type ItemFormValues = Record<string, string>;

/** The columns an item can be filed in: every column that is neither retired nor a static page. */
export function columnOptions(dir: Directory) {
  return treeOptions((p) => dir.children(p), {
    value: (c) => String(c.id),
    label: (c) => c.name,
    include: (c) => !c.retired && c.kind !== 'static',
  });
}

export function ItemForm(p: {
  action: string;
  csrf: string;
  dir: Directory;
  values: ItemFormValues;
  errors?: FieldErrors;
  revising: boolean;
  submitLabel: string;
}) {
  const v = p.values;
  const e = p.errors;
  return (
    <>
      <ErrorSummary errors={e} />
      <form method="post" action={p.action} novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <SelectField
          name="column_id"
          label="所属栏目"
          value={v.column_id}
          errors={e}
          emptyLabel="请选择"
          options={columnOptions(p.dir)}
        />
        <TextField name="title" label="标题" value={v.title} errors={e} required maxlength={200} />
        <TextField
          name="doc_number"
          label="文号"
          value={v.doc_number}
          errors={e}
          hint="如：厦湖府办〔2017〕69号；没有文号可不填。"
        />
        <TextField
          name="date_created"
          label="生成日期"
          type="date"
          value={v.date_created}
          errors={e}
          hint="信息形成或变更的日期；须在此后 20 个工作日内公开。"
          required
        />
        <fieldset class="field">
          <legend>公开属性（起草时认定）</legend>
          <SelectField
            name="disclosure"
            label="公开属性"
            value={v.disclosure}
            errors={e}
            options={Object.entries(DISCLOSURE).map(([value, label]) => ({ value, label }))}
          />
          <SelectField
            name="exemption"
            label="不予公开理由（仅不予公开时选择）"
            value={v.exemption}
            errors={e}
            emptyLabel="（无）"
            options={Object.entries(EXEMPTIONS).map(([value, label]) => ({ value, label }))}
          />
          <SelectField
            name="five_category"
            label="“五公开”类别"
            value={v.five_category}
            errors={e}
            emptyLabel="请选择"
            options={Object.entries(FIVE_CATEGORIES).map(([value, label]) => ({ value, label }))}
          />
          <TextField name="disclosure_method" label="公开方式" value={v.disclosure_method ?? '政府网站'} errors={e} />
        </fieldset>
        <SelectField
          name="theme"
          label="主题分类"
          value={v.theme}
          errors={e}
          emptyLabel="请选择"
          options={THEMES.map((t) => ({ value: t, label: t }))}
        />
        <SelectField
          name="genre"
          label="体裁分类"
          value={v.genre}
          errors={e}
          emptyLabel="请选择"
          options={GENRES.map((t) => ({ value: t, label: t }))}
        />
        <TextField name="keywords" label="关键词" value={v.keywords} errors={e} hint="多个关键词用空格分隔。" />
        <TextArea name="summary" label="内容概述" value={v.summary} errors={e} rows={3} />
        <TextArea
          name="body_html"
          label="正文"
          value={v.body_html}
          errors={e}
          rows={16}
          hint="可直接粘贴 Word 或 WPS 中的带格式文字（标题、列表、表格、加粗、链接会保留，其余格式会被清除）。"
        />
        {p.revising ? (
          <fieldset class="field">
            <legend>本次修订</legend>
            <SelectField
              name="change_kind"
              label="修改类型"
              value={v.change_kind}
              errors={e}
              emptyLabel="请选择"
              options={[
                { value: 'major', label: '重大修改（须向公众说明）' },
                { value: 'minor', label: '细微修改（如错别字）' },
              ]}
            />
            <TextArea name="change_note" label="修改说明（公开显示）" value={v.change_note} errors={e} rows={2} />
          </fieldset>
        ) : null}
        <button type="submit">{p.submitLabel}</button>
      </form>
    </>
  );
}

export function StatusTag({ status, withdrawn }: { status: string; withdrawn?: number }) {
  if (withdrawn) return <span class="tag tag-withdrawn">已撤回</span>;
  return <span class={`tag tag-${status}`}>{STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status}</span>;
}

export function ActionForms(p: {
  id: number;
  actions: WorkflowAction[];
  csrf: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
}) {
  const a = new Set(p.actions);
  const e = p.errors;
  const simple = (action: WorkflowAction, cls = '') => (
    <form method="post" action={`/console/items/${p.id}/${action}`} class="action-form">
      <input type="hidden" name="_csrf" value={p.csrf} />
      <button type="submit" class={cls || undefined}>
        {ACTION_LABELS[action]}
      </button>
    </form>
  );
  return (
    <section aria-labelledby="workflow" class="workflow">
      <h2 id="workflow">办理</h2>
      {p.actions.length === 0 ? <p>当前没有您可以办理的步骤。</p> : null}
      <div class="action-row">
        {a.has('submit') ? simple('submit') : null}
        {a.has('review') ? simple('review') : null}
        {a.has('approve') ? simple('approve') : null}
        {a.has('publish') ? simple('publish') : null}
        {a.has('unschedule') ? simple('unschedule', 'secondary') : null}
        {a.has('revise') ? simple('revise', 'secondary') : null}
      </div>
      {a.has('return') ? (
        <form method="post" action={`/console/items/${p.id}/return`} novalidate>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <TextArea name="comment" label="退回意见" value={p.values?.comment} errors={e} rows={2} />
          <button type="submit" class="secondary">
            退回修改
          </button>
        </form>
      ) : null}
      {a.has('schedule') ? (
        <form method="post" action={`/console/items/${p.id}/schedule`} novalidate>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <TextField
            name="publish_at"
            label="定时发布时间（北京时间）"
            type="datetime-local"
            value={p.values?.publish_at}
            errors={e}
          />
          <button type="submit" class="secondary">
            定时发布
          </button>
        </form>
      ) : null}
      {a.has('withdraw') ? (
        <details>
          <summary>撤回已发布的信息</summary>
          <form method="post" action={`/console/items/${p.id}/withdraw`} novalidate>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <SelectField
              name="reason"
              label="撤回原因"
              value={p.values?.reason}
              errors={e}
              emptyLabel="请选择"
              options={Object.entries(WITHDRAWAL_REASONS).map(([value, label]) => ({ value, label }))}
            />
            <TextArea name="note" label="向公众说明" value={p.values?.note} errors={e} rows={2} />
            <TextField
              name="replacement_item_id"
              label="替代信息编号（可选）"
              value={p.values?.replacement_item_id}
              errors={e}
              inputmode="numeric"
            />
            <button type="submit" class="danger">
              撤回
            </button>
          </form>
        </details>
      ) : null}
    </section>
  );
}

export function Attachments(p: {
  id: number;
  csrf: string;
  editable: boolean;
  attachments: {
    id: number;
    file_sha256: string;
    filename: string;
    alt: string;
    inline: number;
    size: number;
    ext: string;
  }[];
  errors?: FieldErrors;
}) {
  return (
    <section aria-labelledby="files">
      <h2 id="files">附件和图片</h2>
      {p.attachments.length === 0 ? <p>尚未上传附件。</p> : null}
      <ul class="list-plain">
        {p.attachments.map((a) => (
          <li>
            <span>
              <a href={`/files/${a.file_sha256}/${encodeURIComponent(a.filename)}`}>{a.filename}</a>（{typeLabel(a.ext)}
              ，{humanSize(a.size)}
              {a.inline ? `，正文图片，替代文字：${a.alt}` : ''}）
            </span>
            {p.editable ? (
              <form method="post" action={`/console/items/${p.id}/attachments/${a.id}/delete`} class="inline-form">
                <input type="hidden" name="_csrf" value={p.csrf} />
                <button type="submit" class="link-button">
                  删除
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
      {p.editable ? (
        <form method="post" action={`/console/items/${p.id}/attachments`} enctype="multipart/form-data" novalidate>
          <input type="hidden" name="_csrf" value={p.csrf} />
          <ErrorSummary errors={p.errors} />
          <div class={p.errors?.file ? 'field field-error' : 'field'}>
            <label for="file">选择文件</label>
            <p class="hint">附件支持 PDF、OFD、Word、Excel、WPS、JPG、PNG、ZIP；正文图片支持 JPG、PNG。</p>
            {p.errors?.file ? <p class="error-message">{p.errors.file}</p> : null}
            <input id="file" name="file" type="file" />
          </div>
          <SelectField
            name="inline"
            label="用途"
            value="0"
            options={[
              { value: '0', label: '作为附件' },
              { value: '1', label: '插入正文的图片' },
            ]}
          />
          <TextField name="alt" label="图片替代文字（插入正文的图片必填）" errors={p.errors} />
          <button type="submit" class="secondary">
            上传
          </button>
        </form>
      ) : null}
    </section>
  );
}

export function History({
  events,
}: {
  events: { at: string; actor_name: string; action: string; to_status: string | null; comment: string }[];
}) {
  return (
    <section aria-labelledby="history">
      <h2 id="history">办理记录</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">时间</th>
              <th scope="col">办理人</th>
              <th scope="col">操作</th>
              <th scope="col">意见</th>
            </tr>
          </thead>
          <tbody>
            {events.map((ev) => (
              <tr>
                <td>{formatDateTime(ev.at)}</td>
                <td>{ev.actor_name}</td>
                <td>{ACTION_LABELS[ev.action as WorkflowAction] ?? (ev.action === 'create' ? '起草' : ev.action)}</td>
                <td>{ev.comment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
