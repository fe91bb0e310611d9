import type { Child } from 'hono/jsx';
import type { FieldErrors } from '../errors.js';

// Form parts following GOV.UK's error-summary pattern: a summary at the top linking to each field,
// and the message beside the field itself.

export function ErrorSummary({ errors }: { errors?: FieldErrors }) {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1}>
      <h2 id="error-summary-title">提交的信息有误，请修改以下 {entries.length} 处：</h2>
      <ul>
        {entries.map(([field, msg]) => (
          <li>
            <a href={`#${field}`}>{msg}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

interface FieldProps {
  name: string;
  label: string;
  value?: string | number | null;
  errors?: FieldErrors;
  type?: string;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  inputmode?: 'decimal' | 'email' | 'none' | 'numeric' | 'search' | 'tel' | 'text' | 'url';
  maxlength?: number;
}

export function TextField(p: FieldProps) {
  const err = p.errors?.[p.name];
  const describedBy = [p.hint ? `${p.name}-hint` : '', err ? `${p.name}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={err ? 'field field-error' : 'field'}>
      <label for={p.name}>
        {p.label}
        {p.required ? (
          <span class="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {p.hint ? (
        <p class="hint" id={`${p.name}-hint`}>
          {p.hint}
        </p>
      ) : null}
      {err ? (
        <p class="error-message" id={`${p.name}-error`}>
          <span class="visually-hidden">错误：</span>
          {err}
        </p>
      ) : null}
      <input
        id={p.name}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.type === 'password' ? '' : (p.value ?? '')}
        required={p.required}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
        autocomplete={p.autocomplete}
        inputmode={p.inputmode}
        maxlength={p.maxlength}
      />
    </div>
  );
}

export function TextArea(p: FieldProps & { rows?: number }) {
  const err = p.errors?.[p.name];
  return (
    <div class={err ? 'field field-error' : 'field'}>
      <label for={p.name}>{p.label}</label>
      {p.hint ? (
        <p class="hint" id={`${p.name}-hint`}>
          {p.hint}
        </p>
      ) : null}
      {err ? (
        <p class="error-message" id={`${p.name}-error`}>
          <span class="visually-hidden">错误：</span>
          {err}
        </p>
      ) : null}
      <textarea
        id={p.name}
        name={p.name}
        rows={p.rows ?? 4}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={
          [p.hint ? `${p.name}-hint` : '', err ? `${p.name}-error` : ''].filter(Boolean).join(' ') || undefined
        }
      >
        {p.value ?? ''}
      </textarea>
    </div>
  );
}

export function SelectField(p: FieldProps & { options: { value: string; label: string }[]; emptyLabel?: string }) {
  const err = p.errors?.[p.name];
  const current = p.value === null || p.value === undefined ? '' : String(p.value);
  return (
    <div class={err ? 'field field-error' : 'field'}>
      <label for={p.name}>{p.label}</label>
      {err ? (
        <p class="error-message" id={`${p.name}-error`}>
          <span class="visually-hidden">错误：</span>
          {err}
        </p>
      ) : null}
      <select
        id={p.name}
        name={p.name}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={err ? `${p.name}-error` : undefined}
      >
        {p.emptyLabel !== undefined ? <option value="">{p.emptyLabel}</option> : null}
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === current}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: Child; kind?: 'info' | 'success' | 'warning' }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'warning' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** Numbered pages: previous, “第 n / m 页”, next; nothing when there is one page. */
export function PageNumbers({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="分页">
      {page > 1 ? <a href={href(page - 1)}>上一页</a> : null}
      <span>
        第 {page} / {pages} 页
      </span>
      {page < pages ? <a href={href(page + 1)}>下一页</a> : null}
    </nav>
  );
}

export function Pager({ prevHref, nextHref }: { prevHref?: string; nextHref?: string }) {
  if (!prevHref && !nextHref) return null;
  return (
    <nav class="pager" aria-label="分页">
      {prevHref ? <a href={prevHref}>上一页</a> : null}
      {nextHref ? <a href={nextHref}>下一页</a> : null}
    </nav>
  );
}
