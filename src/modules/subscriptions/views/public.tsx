import type { FieldErrors } from '../../../platform/errors.js';
import { CsrfField, ErrorSummary, SelectField, TextField } from '../../../platform/render/components.js';
import { treeOptions } from '../../../platform/render/tree.js';
import type { Directory } from '../../directory/directory.service.js';
import type { Organization } from '../../organizations/organizations.service.js';

/** The columns a visitor can subscribe to, in directory order, indented by depth. */
export function scopeOptions(org: Organization, dir: Directory) {
  return [
    { value: 'organization', label: `${org.name}全部公开信息` },
    ...treeOptions((p) => dir.children(p), {
      value: (c) => `column:${c.id}`,
      label: (c) => c.name,
      include: (c) => c.kind !== 'static',
      prune: (c) => c.retired,
      startDepth: 1,
    }),
  ];
}

export function SubscribeForm(p: {
  org: Organization;
  dir: Directory;
  csrf: string;
  values: { email?: string; scope?: string };
  errors?: FieldErrors;
}) {
  return (
    <>
      <h1>邮件订阅</h1>
      <p>
        订阅后，{p.org.name}
        发布新的政府信息、作出重大修订或撤回信息时，我们会发邮件告诉您。每封邮件都附有退订链接，可随时退订。
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/org/${p.org.slug}/subscribe`} novalidate>
        <CsrfField token={p.csrf} />
        <TextField
          name="email"
          label="电子邮箱"
          type="email"
          autocomplete="email"
          inputmode="email"
          maxlength={254}
          required
          hint="我们会先向这个邮箱发送一封确认邮件，您确认后才开始发送信息更新。"
          value={p.values.email}
          errors={p.errors}
        />
        <SelectField
          name="scope"
          label="订阅范围"
          options={scopeOptions(p.org, p.dir)}
          value={p.values.scope ?? 'organization'}
          errors={p.errors}
        />
        <button type="submit">订阅</button>
      </form>
      <p class="meta">您的邮箱地址只用于发送您订阅的信息更新，不会公开，也不会用于其他用途。</p>
    </>
  );
}

export function SentPage({ org }: { org: Organization }) {
  return (
    <>
      <h1>请查收确认邮件</h1>
      <p>
        我们已向您填写的邮箱发送了一封确认邮件。请打开邮件中的链接完成订阅；链接 7
        天内有效。确认之前，我们不会向您发送任何信息更新。
      </p>
      <p>如果几分钟后仍未收到，请检查垃圾邮件箱，或重新提交订阅。</p>
      <p>
        <a href={`/org/${org.slug}/gk`}>返回政府信息公开目录</a>
      </p>
    </>
  );
}

export function ConfirmPage(p: { token: string; csrf: string; maskedEmail: string; label: string }) {
  return (
    <>
      <h1>确认订阅</h1>
      <p>
        将为邮箱 <strong>{p.maskedEmail}</strong> 订阅“{p.label}”的政府信息更新。
      </p>
      <form method="post" action="/subscriptions/confirm">
        <CsrfField token={p.csrf} />
        <input type="hidden" name="token" value={p.token} />
        <button type="submit">确认订阅</button>
      </form>
      <p class="meta">如果这不是您本人申请的订阅，请直接关闭本页面，我们不会向该邮箱发送信息更新。</p>
    </>
  );
}

export function LinkProblemPage({ expired, orgSlug }: { expired: boolean; orgSlug?: string }) {
  return (
    <>
      <h1>{expired ? '确认链接已过期' : '链接无效或已使用'}</h1>
      <p>
        {expired
          ? '这个确认链接已超过 7 天有效期。请重新提交订阅，我们会发送新的确认邮件。'
          : '这个链接不完整、已经使用过或已失效。如果您已经确认过订阅，无需再次操作。'}
      </p>
      {orgSlug ? (
        <p>
          <a href={`/org/${orgSlug}/subscribe`}>重新订阅</a>
        </p>
      ) : (
        <p>
          <a href="/">返回首页</a>
        </p>
      )}
    </>
  );
}

export function ConfirmedPage({ org, label }: { org: Organization | null; label?: string }) {
  return (
    <>
      <h1>订阅成功</h1>
      <p>
        {label ? `您已订阅“${label}”的政府信息更新。` : '您的订阅已确认。'}
        有新的信息时，我们会发邮件告诉您。每封邮件都附有退订链接。
      </p>
      {org ? (
        <p>
          <a href={`/org/${org.slug}/gk`}>返回{org.name}政府信息公开目录</a>
        </p>
      ) : null}
    </>
  );
}

export function UnsubscribePage(p: { token: string; csrf: string; label: string; active: boolean; others: number }) {
  return (
    <>
      <h1>退订邮件通知</h1>
      {p.active ? (
        <p>退订后，我们将不再向您的邮箱发送“{p.label}”的信息更新。</p>
      ) : (
        <p>“{p.label}”的邮件通知已经退订。</p>
      )}
      {p.active || p.others > 0 ? (
        <form method="post" action="/subscriptions/unsubscribe">
          <CsrfField token={p.csrf} />
          <input type="hidden" name="token" value={p.token} />
          {p.others > 0 ? (
            <div class="field">
              <label>
                <input type="checkbox" name="all" value="1" checked={!p.active} />
                同时退订此邮箱的其他 {p.others} 项订阅
              </label>
            </div>
          ) : null}
          <button type="submit">确认退订</button>
        </form>
      ) : null}
    </>
  );
}

export function UnsubscribedPage({ org }: { org: Organization | null }) {
  return (
    <>
      <h1>已退订</h1>
      <p>您已退订，我们不会再向您的邮箱发送这些信息更新。如需恢复，可随时重新订阅。</p>
      {org ? (
        <p>
          <a href={`/org/${org.slug}/subscribe`}>重新订阅</a>
        </p>
      ) : null}
    </>
  );
}
