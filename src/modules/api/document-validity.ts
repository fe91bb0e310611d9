import { z } from 'zod';
import type { Deps } from '../../platform/context.js';

// Extension point of GET /api/v1/documents/{id}: a module that extends information items with a validity
// status (policies: 有效, 已修订, 已废止, 已失效, 尚未施行) adds the marking the item's page shows to the document's
// answer, and the instant that status took effect, so the document's Last-Modified and ETag change on that
// day even though no row was written.

export const validitySchema = z
  .object({
    status: z
      .enum(['pending', 'in_force', 'amended', 'abolished', 'expired'])
      .describe('效力状态：pending 尚未施行，in_force 有效，amended 已修订，abolished 已废止，expired 已失效'),
    label: z.string(),
    since: z.string().nullable().describe('该状态自何日起（YYYY-MM-DD，北京时间）'),
    banner: z
      .object({
        text: z.string().describe('原文件页面顶部标注的文字'),
        by: z.object({ id: z.number(), title: z.string(), doc_number: z.string(), url: z.string() }).nullable(),
      })
      .nullable()
      .describe('文件不再完全有效时的标注（与网页顶部的标注相同）；有效时为 null'),
  })
  .meta({ id: 'Validity', description: '政策文件的效力状态和标注' });

export type Validity = z.output<typeof validitySchema>;

export interface ValidityAnswer {
  validity: Validity;
  /** The instant (ISO) the current status took effect (Beijing midnight of `since`), or null. */
  effectiveAt: string | null;
}

type Provider = (deps: Deps, item: { id: number; kind?: string }) => Promise<ValidityAnswer | null>;

let provider: Provider | null = null;

/** Set once by the module that knows validity (policies). */
export function setValidityProvider(p: Provider) {
  provider = p;
}

/** The validity marking of an item (null for items without one). */
export function validityOf(deps: Deps, item: { id: number; kind?: string }): Promise<ValidityAnswer | null> {
  return provider ? provider(deps, item) : Promise.resolve(null);
}

/** The instant a Beijing date (YYYY-MM-DD) begins. */
export function beijingMidnight(date: string): string {
  return new Date(`${date}T00:00:00+08:00`).toISOString();
}
