import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { can, type Permission, type Principal, ROLE_LABELS } from '../auth/permissions.js';

export interface SiteInfo {
  name: string;
  icp: string;
  psb: string;
}

export interface Crumb {
  label: string;
  href?: string;
}

export interface OrgHeader {
  name: string;
  slug: string;
  address: string;
  phone: string;
  email: string;
  postcode: string;
  officeHours: string;
}

export interface NavItem {
  label: string;
  href: string;
}

export interface PortalPageProps {
  title: string;
  site: SiteInfo;
  org?: OrgHeader | null;
  nav?: NavItem[];
  crumbs?: Crumb[];
  /** QR code SVG of this page's own public address; given on every content page. */
  qr?: string;
  elderly: boolean;
  path: string;
  description?: string;
  /** Feeds and subscriptions of this page: `type` ones are also announced in the head (rel=alternate). */
  feeds?: FeedLink[];
  children: Child;
}

export interface FeedLink {
  title: string;
  href: string;
  type?: 'application/rss+xml' | 'application/atom+xml';
}

const STYLESHEET = '/static/site.css?v=2';

function Breadcrumbs({ crumbs }: { crumbs?: Crumb[] }) {
  if (!crumbs || crumbs.length === 0) return null;
  return (
    <nav class="breadcrumbs" aria-label="当前位置">
      <span class="breadcrumbs-label">当前位置：</span>
      <ol>
        {crumbs.map((c, i) => (
          <li>
            {c.href && i < crumbs.length - 1 ? (
              <a href={c.href}>{c.label}</a>
            ) : (
              <span aria-current={i === crumbs.length - 1 ? 'page' : undefined}>{c.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function elderlyToggleHref(elderly: boolean, path: string): string {
  return `/elderly-mode?on=${elderly ? '0' : '1'}&back=${encodeURIComponent(path)}`;
}

/** The public portal page: header, navigation, breadcrumbs, content, QR code and footer. */
export function PortalLayout(p: PortalPageProps) {
  const heading = p.org?.name ?? p.site.name;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="zh-CN" class={p.elderly ? 'elderly' : undefined}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${p.title} - ${heading}`}</title>
          {p.description ? <meta name="description" content={p.description} /> : null}
          {(p.feeds ?? []).map((f) =>
            f.type ? <link rel="alternate" type={f.type} title={f.title} href={f.href} /> : null,
          )}
          <link rel="stylesheet" href={STYLESHEET} />
          <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
          <script src="/static/site.js" defer />
        </head>
        <body>
          <a class="skip-link" href="#main">
            跳到主要内容
          </a>
          <header class="site-header">
            <div class="wrap header-inner">
              <div class="brand">
                <a href={p.org ? `/org/${p.org.slug}` : '/'} class="brand-name">
                  {heading}
                </a>
                {p.org ? (
                  <span class="brand-sub">{p.site.name} · 政务公开</span>
                ) : (
                  <span class="brand-sub">政务公开</span>
                )}
              </div>
              <div class="header-tools">
                <a href={elderlyToggleHref(p.elderly, p.path)} class="elderly-toggle">
                  {p.elderly ? '退出长者模式' : '长者模式（大字）'}
                </a>
                <a href="/">区政府首页</a>
              </div>
            </div>
            {p.nav && p.nav.length > 0 ? (
              <nav class="site-nav" aria-label="主导航">
                <ul class="wrap">
                  {p.nav.map((n) => (
                    <li>
                      <a href={n.href} aria-current={n.href === p.path ? 'page' : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
          </header>
          <div class="wrap">
            <Breadcrumbs crumbs={p.crumbs} />
          </div>
          <main id="main" class="wrap main" tabindex={-1}>
            {p.children}
            {p.feeds && p.feeds.length > 0 ? (
              <p class="feed-links no-print">
                订阅本页更新：
                {p.feeds.map((f, i) => (
                  <>
                    {i > 0 ? ' ｜ ' : ''}
                    <a href={f.href}>{f.title}</a>
                  </>
                ))}
              </p>
            ) : null}
            {p.qr ? (
              <aside class="page-qr" aria-label="手机浏览">
                <div class="qr-image">{raw(p.qr)}</div>
                <p>扫一扫在手机上查看当前页面</p>
              </aside>
            ) : null}
            <p class="print-link no-print">
              <a href="#main" data-print="1" class="print-button">
                打印本页
              </a>
              <span class="hint">（使用浏览器的打印功能，页面已为打印排版）</span>
            </p>
          </main>
          <footer class="site-footer">
            <div class="wrap">
              {p.org ? (
                <div class="footer-contact">
                  <p>
                    主办单位：{p.org.name}
                    {p.org.address ? ` ｜ 地址：${p.org.address}` : ''}
                    {p.org.postcode ? ` ｜ 邮编：${p.org.postcode}` : ''}
                  </p>
                  <p>
                    {p.org.phone ? `联系电话：${p.org.phone}` : ''}
                    {p.org.email ? ` ｜ 电子邮箱：${p.org.email}` : ''}
                    {p.org.officeHours ? ` ｜ 办公时间：${p.org.officeHours}` : ''}
                  </p>
                </div>
              ) : (
                <p>主办单位：{p.site.name}</p>
              )}
              <p class="footer-reg">
                <span>{p.site.icp}</span>
                <span>{p.site.psb}</span>
              </p>
              <p>
                <a href="/accessibility">无障碍说明</a> ｜ <a href="/console">工作人员登录</a>
              </p>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}

export interface ConsoleNavEntry {
  label: string;
  href: string;
  permission: Permission;
}

// The console's navigation; each entry shows only to those who hold its permission.
export const CONSOLE_NAV: ConsoleNavEntry[] = [
  { label: '工作台', href: '/console', permission: 'console.view' },
  { label: '信息发布', href: '/console/items', permission: 'item.view' },
  { label: '公开目录', href: '/console/directory', permission: 'column.manage' },
  { label: '机构管理', href: '/console/organizations', permission: 'organization.view' },
  { label: '用户管理', href: '/console/users', permission: 'user.view' },
  { label: '工作日历', href: '/console/calendar', permission: 'calendar.view' },
  { label: '后台任务', href: '/console/jobs', permission: 'jobs.view' },
  { label: '邮件发送', href: '/console/mail', permission: 'mail.view' },
  { label: 'Webhook 推送', href: '/console/webhooks', permission: 'webhook.view' },
  { label: '审计日志', href: '/console/audit', permission: 'audit.view' },
  { label: 'API 令牌', href: '/console/api-tokens', permission: 'api_token.manage' },
  { label: '我的账户', href: '/console/account', permission: 'account.manage_own' },
];

// Links on the user's own account page (/console/account) that feature modules add (e.g. the officer's
// deadline calendar feed); each shows only to those who hold its permission.
export const ACCOUNT_LINKS: ConsoleNavEntry[] = [];

export interface ConsolePageProps {
  title: string;
  site: SiteInfo;
  principal: Principal | null;
  csrf: string;
  path: string;
  flash?: string | null;
  children: Child;
}

/** The staff console page: its own header, the permitted navigation and the sign-out form. */
export function ConsoleLayout(p: ConsolePageProps) {
  const nav = CONSOLE_NAV.filter((n) => can(p.principal, n.permission));
  const roles = p.principal ? [...new Set(p.principal.grants.map((g) => ROLE_LABELS[g.role]))].join('、') : '';
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="zh-CN">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{`${p.title} - 政务公开管理后台`}</title>
          <link rel="stylesheet" href={STYLESHEET} />
          <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
          <script src="/static/site.js" defer />
        </head>
        <body class="console">
          <a class="skip-link" href="#main">
            跳到主要内容
          </a>
          <header class="console-header">
            <div class="wrap header-inner">
              <a href="/console" class="brand-name">
                {p.site.name} · 政务公开管理后台
              </a>
              {p.principal ? (
                <div class="header-tools">
                  <span>
                    {p.principal.displayName}
                    {roles ? `（${roles}）` : ''}
                  </span>
                  <form method="post" action="/console/sign-out" class="inline-form">
                    <input type="hidden" name="_csrf" value={p.csrf} />
                    <button type="submit" class="link-button">
                      退出登录
                    </button>
                  </form>
                </div>
              ) : null}
            </div>
            {nav.length > 0 && p.principal ? (
              <nav class="site-nav" aria-label="后台导航">
                <ul class="wrap">
                  {nav.map((n) => (
                    <li>
                      <a href={n.href} aria-current={p.path === n.href ? 'page' : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
          </header>
          <main id="main" class="wrap main" tabindex={-1}>
            {p.flash ? (
              <div class="notice notice-success" role="status">
                {p.flash}
              </div>
            ) : null}
            {p.children}
          </main>
          <footer class="site-footer">
            <div class="wrap">
              <p>
                gongkai 政务公开平台 ｜ <a href="/">访问门户网站</a>
              </p>
            </div>
          </footer>
        </body>
      </html>
    </>
  );
}
