import type { FieldErrors } from '../../../platform/errors.js';
import { LETTER_OUTCOME_GROUPS, type LetterOutcomeGroup } from '../../../platform/letters/defaults.js';
import { LETTER_PLACEHOLDERS } from '../../../platform/letters/template.js';
import { CsrfField, ErrorSummary, TextArea, TextField } from '../../../platform/render/components.js';
import type { EffectiveTemplate } from '../requests.letters.js';

const SOURCE_LABELS = { organization: '本机关自定义', district: '全区默认', built_in: '系统内置' };
const groupLabel = (g: LetterOutcomeGroup) => LETTER_OUTCOME_GROUPS.find((x) => x.group === g)?.label ?? g;
const q = (org: string, group?: string) =>
  `organization=${encodeURIComponent(org)}${group ? `&group=${encodeURIComponent(group)}` : ''}`;

/** The six templates of an organization (or the district default), with the organization chooser. */
export function TemplateListPage(p: {
  organization: string;
  organizations: { value: string; label: string }[];
  templates: EffectiveTemplate[];
}) {
  return (
    <>
      <h1>告知书模板</h1>
      <p>每种办理结果一份模板。机关未自定义的，使用全区默认模板；全区默认未设置的，使用系统内置的规范文本。</p>
      <form method="get" action="/console/letter-templates" class="inline-form">
        <div class="field">
          <label for="organization">机构</label>
          <select id="organization" name="organization">
            {p.organizations.map((o) => (
              <option value={o.value} selected={o.value === p.organization}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">查看</button>
      </form>
      <table>
        <caption>模板列表</caption>
        <thead>
          <tr>
            <th scope="col">办理结果</th>
            <th scope="col">标题</th>
            <th scope="col">来源</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {p.templates.map((t) => (
            <tr>
              <th scope="row">{groupLabel(t.group)}</th>
              <td>{t.title}</td>
              <td>{SOURCE_LABELS[t.source]}</td>
              <td>
                <a href={`/console/letter-templates/edit?${q(p.organization, t.group)}`}>
                  编辑“{groupLabel(t.group)}”模板
                </a>
                {' ｜ '}
                <a href={`/console/letter-templates/preview?${q(p.organization, t.group)}&format=pdf`}>预览 PDF</a>
                {' ｜ '}
                <a href={`/console/letter-templates/preview?${q(p.organization, t.group)}&format=docx`}>下载 Word</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Editing one template: title and body, the placeholders, an HTML preview of the text as typed. */
export function TemplateEditPage(p: {
  csrf: string;
  organization: string;
  organizationName: string;
  group: LetterOutcomeGroup;
  source: EffectiveTemplate['source'];
  values: { title: string; body: string };
  errors?: FieldErrors;
  preview?: { title: string; paragraphs: string[]; agency: string; date: string } | null;
}) {
  return (
    <>
      <h1>
        编辑告知书模板：{groupLabel(p.group)}（{p.organizationName}）
      </h1>
      <p>当前使用：{SOURCE_LABELS[p.source]}。保存后本机关使用此模板；每次修改均记入审计日志。</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/console/letter-templates/edit" class="stack">
        <CsrfField token={p.csrf} />
        <input type="hidden" name="organization" value={p.organization} />
        <input type="hidden" name="group" value={p.group} />
        <TextField name="title" label="标题" value={p.values.title} errors={p.errors} required maxlength={60} />
        <TextArea
          name="body"
          label="正文模板"
          hint="每行一段；以“：”结尾的第一行为称呼（不缩进）。落款机关和日期自动添加在文末。"
          value={p.values.body}
          errors={p.errors}
          rows={16}
        />
        <div class="button-row">
          <button type="submit" name="action" value="preview" class="secondary">
            预览（不保存）
          </button>
          <button type="submit" name="action" value="save">
            保存
          </button>
        </div>
      </form>
      {p.source === 'organization' || (p.source === 'district' && p.organization === '') ? (
        <form method="post" action="/console/letter-templates/reset">
          <CsrfField token={p.csrf} />
          <input type="hidden" name="organization" value={p.organization} />
          <input type="hidden" name="group" value={p.group} />
          <button type="submit" class="secondary">
            恢复为上级默认模板
          </button>
        </form>
      ) : null}
      <section aria-labelledby="placeholders">
        <h2 id="placeholders">可用的占位符</h2>
        <ul>
          {Object.keys(LETTER_PLACEHOLDERS).map((k) => (
            <li>
              <code>{`{{${k}}}`}</code>
            </li>
          ))}
        </ul>
      </section>
      {p.preview ? (
        <section aria-labelledby="preview" class="letter-preview">
          <h2 id="preview">预览（示例数据）</h2>
          <div class="letter">
            <p style="text-align:center;font-weight:bold;font-size:1.4em">{p.preview.title}</p>
            {p.preview.paragraphs.map((para, i) => (
              <p style={i === 0 && para.endsWith('：') ? undefined : 'text-indent:2em'}>{para}</p>
            ))}
            <p style="text-align:right">{p.preview.agency}</p>
            <p style="text-align:right">{p.preview.date}</p>
          </div>
        </section>
      ) : null}
    </>
  );
}
