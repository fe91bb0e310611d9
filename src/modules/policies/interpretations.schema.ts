import { z } from 'zod';

// Forms of interpretation (解读形式).
export const INTERPRETATION_FORMS = {
  text: '文字解读',
  graphic: '图片解读',
  video: '视频解读',
  interview: '访谈解读',
  media: '媒体报道',
  expert: '专家解读',
  qa: '政策问答',
} as const;
export type InterpretationForm = keyof typeof INTERPRETATION_FORMS;
export const FORM_KEYS = Object.keys(INTERPRETATION_FORMS) as InterpretationForm[];

export const interpretationInput = z.object({
  form: z.enum(FORM_KEYS as [InterpretationForm, ...InterpretationForm[]], { message: '请选择解读形式。' }),
  /** Ids of the interpreted policy documents, separated by commas or spaces. */
  policy_ids: z
    .string()
    .trim()
    .transform((s) => [
      ...new Set(
        s
          .split(/[\s,，、]+/)
          .filter(Boolean)
          .map(Number),
      ),
    ])
    .refine((ids) => ids.length > 0 && ids.every((n) => Number.isInteger(n) && n > 0), {
      message: '请填写所解读政策文件的编号（可填多个，用逗号分隔）。',
    }),
  responsible_organization_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  by_principal: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'on'),
  principal_name: z.string().trim().max(60).default(''),
  transcript_html: z.string().max(500_000).default(''),
});
export type InterpretationInput = z.infer<typeof interpretationInput>;

export const MEDIA_ROLES = { video: '视频', poster: '封面图', captions: '字幕（WebVTT）' } as const;
export type MediaRole = keyof typeof MEDIA_ROLES;
