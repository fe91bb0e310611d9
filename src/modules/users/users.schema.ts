import { z } from 'zod';
import { ROLES } from '../../platform/auth/permissions.js';

export const newUserInput = z.object({
  username: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9_.-]{3,32}$/, '用户名须为 3–32 位字母、数字、下划线、点或连字符。'),
  display_name: z.string().trim().min(1, '请输入姓名。').max(40, '姓名不能超过 40 个字符。'),
  email: z.union([z.literal(''), z.string().trim().email('请输入有效的电子邮箱地址。')]).default(''),
  password: z.string().min(1, '请设置初始密码。'),
});
export type NewUserInput = z.infer<typeof newUserInput>;

export const updateUserInput = z.object({
  display_name: z.string().trim().min(1, '请输入姓名。').max(40, '姓名不能超过 40 个字符。'),
  email: z.union([z.literal(''), z.string().trim().email('请输入有效的电子邮箱地址。')]).default(''),
  active: z.enum(['0', '1'], { message: '请选择账户状态。' }).transform((v) => v === '1'),
});

export const grantInput = z.object({
  organization_id: z.coerce.number({ message: '请选择机构。' }).int().positive('请选择机构。'),
  role: z.enum(ROLES, { message: '请选择角色。' }),
});
