import type { FieldErrors } from '../../../platform/errors.js';
import { ErrorSummary, SelectField, TextArea, TextField } from '../../../platform/render/components.js';
import { indented } from '../../../platform/render/tree.js';
import { ORG_KINDS } from '../organizations.schema.js';
import type { Organization, OrgTree } from '../organizations.service.js';

export type OrgFormValues = Record<string, string>;

export function orgFormValues(o: Organization, leadership: string): OrgFormValues {
  return {
    parent_id: o.parentId ? String(o.parentId) : '',
    code: o.code,
    slug: o.slug,
    name: o.name,
    short_name: o.shortName,
    kind: o.kind,
    functions: o.functions,
    address: o.address,
    postcode: o.postcode,
    phone: o.phone,
    fax: o.fax,
    email: o.email,
    office_hours: o.officeHours,
    website: o.website,
    leadership,
    sort_order: String(o.sortOrder),
    active: o.active ? '1' : '0',
  };
}

export function OrgList({ tree, visible }: { tree: OrgTree; visible: Set<number> }) {
  const rows: { o: Organization; depth: number }[] = [];
  const walk = (parent: number | null, depth: number) => {
    for (const o of tree.children(parent)) {
      if (visible.has(o.id)) rows.push({ o, depth });
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">机构名称</th>
            <th scope="col">代码</th>
            <th scope="col">类型</th>
            <th scope="col">状态</th>
            <th scope="col">操作</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ o, depth }) => (
            <tr>
              <td>
                {indented(depth, '')}
                {o.name}
              </td>
              <td>{o.code}</td>
              <td>{ORG_KINDS[o.kind]}</td>
              <td>{o.active ? '启用' : '停用'}</td>
              <td>
                <a href={`/console/organizations/${o.id}`}>编辑</a> ｜ <a href={`/org/${o.slug}`}>门户页面</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p>没有可管理的机构。</p> : null}
    </div>
  );
}

export function OrgForm(p: {
  action: string;
  csrf: string;
  values: OrgFormValues;
  errors?: FieldErrors;
  parents: Organization[];
  submitLabel: string;
}) {
  const v = p.values;
  return (
    <>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={p.action} novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <TextField name="name" label="机构全称" value={v.name} errors={p.errors} required />
        <TextField name="short_name" label="简称" value={v.short_name} errors={p.errors} />
        <SelectField
          name="kind"
          label="机构类型"
          value={v.kind}
          errors={p.errors}
          options={Object.entries(ORG_KINDS).map(([value, label]) => ({ value, label }))}
        />
        <SelectField
          name="parent_id"
          label="上级机构"
          value={v.parent_id}
          errors={p.errors}
          emptyLabel="（无，顶级机构）"
          options={p.parents.map((o) => ({ value: String(o.id), label: o.name }))}
        />
        <TextField
          name="code"
          label="机构代码"
          value={v.code}
          errors={p.errors}
          hint="用于生成索引号，如 HLWT。"
          required
        />
        <TextField
          name="slug"
          label="网址标识"
          value={v.slug}
          errors={p.errors}
          hint="门户网址中的名称，如 wtcl（小写字母、数字、连字符）。"
          required
        />
        <TextArea name="functions" label="机构职能" value={v.functions} errors={p.errors} rows={6} />
        <TextArea
          name="leadership"
          label="领导信息"
          value={v.leadership}
          errors={p.errors}
          rows={4}
          hint="每行一位：姓名｜职务｜工作分工"
        />
        <TextField name="address" label="办公地址" value={v.address} errors={p.errors} />
        <TextField name="postcode" label="邮政编码" value={v.postcode} errors={p.errors} inputmode="numeric" />
        <TextField name="phone" label="联系电话" value={v.phone} errors={p.errors} type="tel" />
        <TextField name="fax" label="传真" value={v.fax} errors={p.errors} type="tel" />
        <TextField name="email" label="电子邮箱" value={v.email} errors={p.errors} type="email" />
        <TextField
          name="office_hours"
          label="办公时间"
          value={v.office_hours}
          errors={p.errors}
          hint="如：工作日 上午 8:00–12:00，下午 14:30–17:30"
        />
        <TextField name="website" label="网站" value={v.website} errors={p.errors} type="url" />
        <TextField
          name="sort_order"
          label="排序号"
          value={v.sort_order}
          errors={p.errors}
          inputmode="numeric"
          hint="数字小的排在前面。"
        />
        <SelectField
          name="active"
          label="状态"
          value={v.active}
          errors={p.errors}
          options={[
            { value: '1', label: '启用' },
            { value: '0', label: '停用（门户不再显示）' },
          ]}
        />
        <button type="submit">{p.submitLabel}</button>
      </form>
    </>
  );
}
