// A few error classes with stable codes; one handler (platform/http/error-handler.tsx) turns them into a
// Chinese page or { "error": { "code", "message" } } for /api/.

export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(message = '您访问的页面不存在或已被删除。') {
    super(404, 'not_found', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = '您没有执行此操作的权限。') {
    super(403, 'forbidden', message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = '请先登录。') {
    super(401, 'unauthorized', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    public readonly retryAfterSeconds: number,
    message = '操作过于频繁，请稍后再试。',
  ) {
    super(429, 'rate_limited', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = '提交的内容过大。') {
    super(413, 'payload_too_large', message);
  }
}

export class CsrfError extends AppError {
  constructor() {
    super(403, 'csrf_failed', '表单已过期或来源无效，请刷新页面后重新提交。');
  }
}

/** One message per field, keyed by the field's name (the input's id in the form). */
export type FieldErrors = Record<string, string>;

export class ValidationError extends AppError {
  constructor(
    public readonly fields: FieldErrors,
    message = '提交的信息有误，请检查后重新提交。',
  ) {
    super(422, 'validation_failed', message, { fields });
  }
}
