import { z } from 'zod';
import {
  type CreditCodeProblem,
  creditCodeProblem,
  normalizeCreditCode,
  normalizeResidentId,
  type ResidentIdOptions,
  type ResidentIdProblem,
  residentIdProblem,
} from './identity.js';

/** Chinese messages for each way a resident identity number can be wrong. */
export const RESIDENT_ID_MESSAGES: Record<ResidentIdProblem, string> = {
  format: '身份证号码应为18位，前17位为数字，最后一位为数字或X',
  region: '身份证号码的地区码不正确',
  birth_date: '身份证号码中的出生日期不正确',
  checksum: '身份证号码校验位不正确，请核对',
};

/** Chinese messages for each way a unified social credit code can be wrong. */
export const CREDIT_CODE_MESSAGES: Record<CreditCodeProblem, string> = {
  format: '统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、S、V、Z）',
  region: '统一社会信用代码第3至8位应为行政区划码（6位数字）',
  checksum: '统一社会信用代码校验位不正确，请核对',
  org_checksum: '统一社会信用代码第9至17位（组织机构代码）的校验位不正确，请核对',
};

/**
 * A refinement for `superRefine`: adds one issue (with the Chinese message) when the value is not a valid
 * resident identity number. Use it inside an object schema where the check depends on another field.
 */
export function refineResidentId(value: string, ctx: z.RefinementCtx, opts: ResidentIdOptions = {}, path?: string[]) {
  const problem = residentIdProblem(value, opts);
  if (problem) ctx.addIssue({ code: 'custom', message: RESIDENT_ID_MESSAGES[problem], path });
}

/** A refinement for `superRefine`: one issue when the value is not a valid unified social credit code. */
export function refineCreditCode(value: string, ctx: z.RefinementCtx, path?: string[]) {
  const problem = creditCodeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: CREDIT_CODE_MESSAGES[problem], path });
}

/** A resident identity number field: trimmed, spaces removed, x → X, checked (GB 11643). */
export function residentIdSchema(opts: ResidentIdOptions = {}) {
  return z
    .string()
    .transform(normalizeResidentId)
    .superRefine((v, ctx) => refineResidentId(v, ctx, opts));
}

/** A unified social credit code field: spaces removed, upper case, checked (GB 32100). */
export const creditCodeSchema = z
  .string()
  .transform(normalizeCreditCode)
  .superRefine((v, ctx) => refineCreditCode(v, ctx));
