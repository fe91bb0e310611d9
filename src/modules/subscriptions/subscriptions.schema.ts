import { z } from 'zod';

// The public subscription form. `scope` is `organization` or `column:<id>`: one choice that works without
// JavaScript (no field shown or hidden depending on another).
export const subscribeInput = z.object({
  email: z
    .string()
    .trim()
    .min(1, { message: '请填写电子邮箱地址。' })
    .max(254, { message: '电子邮箱地址过长，请检查后重新填写。' })
    .pipe(z.email({ message: '电子邮箱地址格式不正确，请按 name@example.com 的格式填写。' })),
  scope: z.string().regex(/^(organization|column:[1-9][0-9]{0,9})$/, { message: '请选择订阅范围。' }),
});

export type SubscribeInput = z.infer<typeof subscribeInput>;

export type SubscriptionScope = 'organization' | 'column';

/** The payload of the 'subscriptions.notify' job. */
export const notifyPayload = z.object({
  itemId: z.number().int().positive(),
  type: z.enum(['item.published', 'item.updated', 'item.withdrawn', 'item.status_changed']),
  version: z.number().int().nonnegative(),
  /** For status changes of policy documents: the one-line explanation (自 … 起已废止，依据《…》). */
  note: z.string().max(1000).optional(),
});

export type NotifyPayload = z.infer<typeof notifyPayload>;
