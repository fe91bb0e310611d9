import { z } from 'zod';

// Webhooks: what an administrator registers, and what a delivery job carries.

export const WEBHOOK_EVENTS = ['item.published', 'item.updated', 'item.withdrawn', 'item.status_changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const EVENT_LABELS: Record<WebhookEvent, string> = {
  'item.published': '信息发布（首次发布）',
  'item.updated': '信息更新（每次修订后重新发布）',
  'item.withdrawn': '信息撤回',
  'item.status_changed': '政策文件效力状态变更（已修订、已废止、已失效等）',
};

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a URL cannot receive webhooks, or null: https everywhere, plain http only to this machine (development). */
export function webhookUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '网址格式不正确，请填写完整的网址，例如 https://example.gov.cn/hooks/gongkai。';
  }
  if (u.username || u.password) return '网址中不能包含用户名或密码；请在接收端用签名验证来源。';
  if (u.protocol === 'https:' && u.hostname) return null;
  if (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname)) return null;
  return '网址须以 https:// 开头（仅本机开发调试时可用 http://127.0.0.1 或 http://localhost）。';
}

export const webhookInput = z.object({
  url: z
    .string()
    .trim()
    .min(1, { message: '请填写接收推送的网址。' })
    .max(2000, { message: '网址不能超过 2000 个字符。' })
    .superRefine((v, ctx) => {
      const problem = webhookUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  organization_id: z.string().regex(/^(all|[1-9][0-9]{0,9})$/, { message: '请选择推送范围。' }),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, { message: '请至少选择一种事件。' }),
  description: z.string().trim().max(200, { message: '说明不能超过 200 个字。' }),
});

export type WebhookInput = z.infer<typeof webhookInput>;

export const deliverPayload = z.object({ deliveryId: z.number().int().positive() });
