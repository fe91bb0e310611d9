import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Deps } from '../context.js';
import { AppError, RateLimitedError, ValidationError } from '../errors.js';
import { ConsoleLayout, PortalLayout } from '../render/layouts.js';

const TITLES: Record<number, string> = {
  400: '请求有误',
  401: '请先登录',
  403: '没有权限',
  404: '页面不存在',
  405: '不支持的请求方式',
  410: '内容已撤销',
  413: '提交的内容过大',
  422: '提交的信息有误',
  423: '账户已锁定',
  429: '操作过于频繁',
  500: '系统出错了',
};

const isApi = (c: Context) => c.req.path.startsWith('/api/');

/** One place turns every error into a Chinese page or the API's { error: { code, message } }. */
export function renderError(c: Context<AppEnv>, deps: Pick<Deps, 'config' | 'logger'>, err: unknown) {
  let status = 500;
  let code = 'internal_error';
  let message = '服务器处理请求时出错，我们已记录此问题，请稍后再试。';
  let details: unknown;
  let fields: Record<string, string> | undefined;
  if (err instanceof AppError) {
    status = err.status;
    code = err.code;
    message = err.message;
    // The API names each field in error as `fields` (the OpenAPI document's Error schema).
    if (err instanceof ValidationError) fields = err.fields;
    else details = err.details;
    if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfterSeconds));
  } else if (err instanceof HTTPException) {
    status = err.status;
    code = status === 413 ? 'payload_too_large' : `http_${status}`;
    message = status === 413 ? '提交的内容过大。' : (TITLES[status] ?? '请求有误');
  }
  const requestId = c.get('requestId') ?? '';
  if (status >= 500) deps.logger.error({ err, reqId: requestId }, 'unhandled error');
  if (isApi(c)) {
    return c.json(
      {
        error: {
          code,
          message,
          ...(fields ? { fields } : {}),
          ...(details ? { details } : {}),
          ...(status >= 500 ? { request_id: requestId } : {}),
        },
      },
      status as 500,
    );
  }
  c.header('Cache-Control', 'no-store');
  const title = TITLES[status] ?? '出错了';
  const body = (
    <>
      <h1>{title}</h1>
      <p>{message}</p>
      {status >= 500 ? (
        <p>
          如需联系网站管理员，请提供请求编号：<code>{requestId}</code>
        </p>
      ) : null}
      <p>
        <a href="/">返回首页</a>
      </p>
    </>
  );
  if (c.req.path.startsWith('/console')) {
    return c.html(
      <ConsoleLayout
        title={title}
        site={deps.config.site}
        principal={c.get('principal') ?? null}
        csrf={safeCsrf(c)}
        path={c.req.path}
      >
        {body}
      </ConsoleLayout>,
      status as 500,
    );
  }
  return c.html(
    <PortalLayout title={title} site={deps.config.site} elderly={c.get('elderly') ?? false} path={c.req.path}>
      {body}
    </PortalLayout>,
    status as 500,
  );
}

function safeCsrf(c: Context<AppEnv>): string {
  try {
    return c.get('csrf')?.() ?? '';
  } catch {
    return '';
  }
}
