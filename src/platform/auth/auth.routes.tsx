import { type Context, Hono } from 'hono';
import { raw } from 'hono/html';
import { z } from 'zod';
import type { AppEnv, Deps } from '../context.js';
import { AppError, ValidationError } from '../errors.js';
import { formFields } from '../http/forms.js';
import { consolePage, redirectWithFlash, StaffRouter } from '../http/staff.js';
import { ErrorSummary, Notice, TextField } from '../render/components.js';
import { ACCOUNT_LINKS } from '../render/layouts.js';
import { qrSvg } from '../render/qrcode.js';
import { RateLimiter } from '../security/rate-limit.js';
import { clearSessionCookie, currentSession, setSessionCookie } from './auth.middleware.js';
import {
  beginTotpSetup,
  changeOwnPassword,
  confirmTotpSetup,
  IDLE_MINUTES,
  pendingTotp,
  signIn,
  signOut,
  verifySignInCode,
} from './auth.service.js';
import { can, ROLE_LABELS } from './permissions.js';

// Only same-site paths under /console are accepted as the place to return to after sign-in.
function safeNext(v: string | undefined): string {
  return v && /^\/console(\/|$|\?)/.test(v) && !v.startsWith('//') ? v : '/console';
}

const signInSchema = z.object({
  username: z.string().trim().min(1, '请输入用户名。').max(64, '用户名过长。'),
  password: z.string().min(1, '请输入密码。').max(256, '密码过长。'),
  next: z.string().optional(),
});

/** Sign-in, two-factor step, sign-out and the user's own account pages. */
export function authRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  const site = deps.config.site;
  const secure = deps.config.publicBaseUrl.startsWith('https:');
  const perIp = new RateLimiter(30, 15 * 60_000);
  const perUser = new RateLimiter(10, 15 * 60_000);

  const signInPage = (
    c: Context<AppEnv>,
    v: { username?: string; next?: string; errors?: Record<string, string>; message?: string },
    status: 200 | 422 | 423 | 429 = 200,
  ) => {
    c.header('Cache-Control', 'no-store');
    return consolePage(
      c,
      site,
      '工作人员登录',
      <>
        <h1>工作人员登录</h1>
        {v.message ? <Notice kind="warning">{v.message}</Notice> : null}
        <ErrorSummary errors={v.errors} />
        <form method="post" action="/console/sign-in" novalidate>
          <input type="hidden" name="_csrf" value={c.get('csrf')()} />
          <input type="hidden" name="next" value={safeNext(v.next)} />
          <TextField
            name="username"
            label="用户名"
            value={v.username}
            errors={v.errors}
            autocomplete="username"
            required
          />
          <TextField
            name="password"
            label="密码"
            type="password"
            errors={v.errors}
            autocomplete="current-password"
            required
          />
          <button type="submit">登录</button>
        </form>
        <p class="hint">连续 5 次密码错误将锁定账户 15 分钟。忘记密码请联系本单位机构管理员重置。</p>
      </>,
      status as 200,
    );
  };

  app.get('/console/sign-in', (c) =>
    signInPage(c, {
      next: c.req.query('next'),
      message: c.req.query('expired') ? `由于 ${IDLE_MINUTES} 分钟未操作，您已自动退出，请重新登录。` : undefined,
    }),
  );

  app.post('/console/sign-in', async (c) => {
    const f = await formFields(c);
    const parsed = signInSchema.safeParse(f);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
      return signInPage(c, { username: f.username, next: f.next, errors }, 422);
    }
    const ip = c.get('clientIp');
    try {
      perIp.hit(`ip:${ip}`);
      perUser.hit(`u:${parsed.data.username.toLowerCase()}`);
      const r = await signIn(deps, parsed.data, { ip, userAgent: c.req.header('user-agent') ?? '' });
      setSessionCookie(c, r.token, secure);
      if (r.mfaRequired)
        return c.redirect(`/console/sign-in/code?next=${encodeURIComponent(safeNext(parsed.data.next))}`, 303);
      return c.redirect(safeNext(parsed.data.next), 303);
    } catch (e) {
      if (e instanceof ValidationError)
        return signInPage(c, { username: parsed.data.username, next: parsed.data.next, errors: e.fields }, 422);
      if (e instanceof AppError && (e.status === 423 || e.status === 429)) {
        return signInPage(
          c,
          { username: parsed.data.username, next: parsed.data.next, message: e.message },
          e.status as 423,
        );
      }
      throw e;
    }
  });

  const codePage = (c: Context<AppEnv>, next: string | undefined, errors?: Record<string, string>) =>
    consolePage(
      c,
      site,
      '两步验证',
      <>
        <h1>两步验证</h1>
        <p>请打开手机上的身份验证器应用，输入显示的 6 位动态口令。</p>
        <ErrorSummary errors={errors} />
        <form method="post" action="/console/sign-in/code" novalidate>
          <input type="hidden" name="_csrf" value={c.get('csrf')()} />
          <input type="hidden" name="next" value={safeNext(next)} />
          <TextField
            name="code"
            label="动态口令"
            errors={errors}
            autocomplete="one-time-code"
            inputmode="numeric"
            maxlength={8}
            required
          />
          <button type="submit">验证</button>
        </form>
      </>,
      errors ? 422 : 200,
    );

  app.get('/console/sign-in/code', (c) => codePage(c, c.req.query('next')));
  app.post('/console/sign-in/code', async (c) => {
    const f = await formFields(c);
    const s = currentSession(c);
    if (!s) return c.redirect('/console/sign-in', 303);
    try {
      perUser.hit(`mfa:${s.session.userId}`);
      await verifySignInCode(deps, s, f.code ?? '', c.get('clientIp'));
    } catch (e) {
      if (e instanceof ValidationError) return codePage(c, f.next, e.fields);
      if (e instanceof AppError && e.status === 429) return codePage(c, f.next, { code: e.message });
      throw e;
    }
    return c.redirect(safeNext(f.next), 303);
  });

  app.post('/console/sign-out', async (c) => {
    const s = c.get('session');
    if (s) {
      const p = c.get('principal');
      await signOut(deps, s.id, { userId: s.userId, name: p?.displayName ?? String(s.userId), ip: c.get('clientIp') });
    }
    clearSessionCookie(c);
    return c.redirect('/console/sign-in', 303);
  });

  // The user's own account: always permitted once signed in.
  const account = new StaffRouter();
  account.get('/console/account', 'account.manage_own', (c) => {
    const p = c.get('principal')!;
    const s = currentSession(c);
    return consolePage(
      c,
      site,
      '我的账户',
      <>
        <h1>我的账户</h1>
        <dl class="facts">
          <dt>用户名</dt>
          <dd>{p.username}</dd>
          <dt>姓名</dt>
          <dd>{p.displayName}</dd>
          <dt>两步验证</dt>
          <dd>{s?.totpEnabled ? '已启用' : '未启用'}</dd>
          <dt>角色</dt>
          <dd>{p.grants.map((g) => ROLE_LABELS[g.role]).join('、') || '无'}</dd>
        </dl>
        <p>
          <a href="/console/account/password">修改密码</a> ｜{' '}
          <a href="/console/account/totp">{s?.totpEnabled ? '两步验证状态' : '启用两步验证'}</a>
          {ACCOUNT_LINKS.filter((l) => can(p, l.permission)).map((l) => (
            <>
              {' ｜ '}
              <a href={l.href}>{l.label}</a>
            </>
          ))}
        </p>
      </>,
    );
  });

  const passwordPage = (c: Context<AppEnv>, errors?: Record<string, string>) =>
    consolePage(
      c,
      site,
      '修改密码',
      <>
        <h1>修改密码</h1>
        {c.req.query('required') ? <Notice kind="warning">首次登录或密码被重置后，请先设置新密码。</Notice> : null}
        <ErrorSummary errors={errors} />
        <form method="post" action="/console/account/password" novalidate>
          <input type="hidden" name="_csrf" value={c.get('csrf')()} />
          <TextField
            name="current"
            label="当前密码"
            type="password"
            errors={errors}
            autocomplete="current-password"
            required
          />
          <TextField
            name="next"
            label="新密码"
            type="password"
            errors={errors}
            autocomplete="new-password"
            hint="至少 10 个字符，包含大写字母、小写字母、数字、符号中的至少三类。"
            required
          />
          <TextField
            name="confirm"
            label="再次输入新密码"
            type="password"
            errors={errors}
            autocomplete="new-password"
            required
          />
          <button type="submit">保存新密码</button>
        </form>
      </>,
      errors ? 422 : 200,
    );

  account.get('/console/account/password', 'account.manage_own', (c) => passwordPage(c));
  account.post('/console/account/password', 'account.manage_own', async (c) => {
    const f = await formFields(c);
    const s = currentSession(c)!;
    try {
      await changeOwnPassword(
        deps,
        s,
        { current: f.current ?? '', next: f.next ?? '', confirm: f.confirm ?? '' },
        c.get('clientIp'),
      );
    } catch (e) {
      if (e instanceof ValidationError) return passwordPage(c, e.fields);
      throw e;
    }
    return redirectWithFlash(c, '/console/account', '密码已修改，其他设备上的登录已退出。');
  });

  const totpPage = async (c: Context<AppEnv>, errors?: Record<string, string>) => {
    const s = currentSession(c)!;
    if (s.totpEnabled) {
      return consolePage(
        c,
        site,
        '两步验证',
        <>
          <h1>两步验证</h1>
          <Notice kind="success">您的账户已启用两步验证。如需更换手机，请联系系统管理员重置两步验证后重新绑定。</Notice>
        </>,
      );
    }
    const pending =
      (errors ? await pendingTotp(deps, s.session.userId) : null) ?? (await beginTotpSetup(deps, s.session.userId));
    const svg = await qrSvg(pending.uri);
    return consolePage(
      c,
      site,
      '启用两步验证',
      <>
        <h1>启用两步验证（动态口令）</h1>
        {c.req.query('required') ? (
          <Notice kind="warning">系统管理员必须启用两步验证后才能继续使用管理后台。</Notice>
        ) : null}
        <ol>
          <li>在手机上安装身份验证器应用（支持 TOTP 标准的任意应用）。</li>
          <li>扫描下方二维码，或手动输入密钥。</li>
          <li>输入应用中显示的 6 位数字完成绑定。</li>
        </ol>
        <div class="qr-image totp-qr">{raw(svg)}</div>
        <p>
          密钥：
          <code class="secret" id="totp-secret">
            {pending.secret}
          </code>
        </p>
        <ErrorSummary errors={errors} />
        <form method="post" action="/console/account/totp" novalidate>
          <input type="hidden" name="_csrf" value={c.get('csrf')()} />
          <TextField
            name="code"
            label="动态口令"
            errors={errors}
            autocomplete="one-time-code"
            inputmode="numeric"
            maxlength={8}
            required
          />
          <button type="submit">完成绑定</button>
        </form>
      </>,
      errors ? 422 : 200,
    );
  };

  account.get('/console/account/totp', 'account.manage_own', (c) => totpPage(c));
  account.post('/console/account/totp', 'account.manage_own', async (c) => {
    const f = await formFields(c);
    const s = currentSession(c)!;
    try {
      await confirmTotpSetup(deps, s, f.code ?? '', c.get('clientIp'));
    } catch (e) {
      if (e instanceof ValidationError) return totpPage(c, e.fields);
      throw e;
    }
    return redirectWithFlash(c, '/console', '两步验证已启用。以后登录时需要输入动态口令。');
  });

  app.route('/', account.app);
  return app;
}
