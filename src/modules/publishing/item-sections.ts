import type { Deps } from '../../platform/context.js';

// Extension point of the item pages: other modules (policies) add a section at the top (banners such as
// 已废止) or at the bottom (相关解读) of a published item's public page, or to its console page ('console':
// policy fields, interpretations), without publishing knowing about them.

export interface ItemRef {
  id: number;
  organizationId: number;
  /**
   * The item's kind flag (items.kind): '' for an ordinary item; a module that extends items sets it when it
   * attaches its row, so its sections can skip their lookups for other items. Undefined: unknown (look up).
   */
  kind?: string;
}

// JSX children; `unknown` keeps this file free of the renderer's types.
type Section = (deps: Deps, item: ItemRef, csrf?: string) => Promise<unknown>;

const sections: { where: 'top' | 'bottom' | 'console'; order: number; name: string; render: Section }[] = [];

/** Adds a section to every public item page (idempotent by name); it renders null when it has nothing to say. */
export function addItemPageSection(name: string, where: 'top' | 'bottom' | 'console', order: number, render: Section) {
  if (sections.some((s) => s.name === name)) return;
  sections.push({ where, order, name, render });
  sections.sort((a, b) => a.order - b.order);
}

/** The extra sections of an item's page, in order. */
export async function itemPageSections(
  deps: Deps,
  item: ItemRef,
  csrf?: string,
  where: 'public' | 'console' = 'public',
): Promise<{ top: unknown[]; bottom: unknown[]; console: unknown[] }> {
  const out = { top: [] as unknown[], bottom: [] as unknown[], console: [] as unknown[] };
  for (const s of sections) {
    if ((where === 'console') !== (s.where === 'console')) continue;
    const node = await s.render(deps, item, csrf);
    if (node) out[s.where].push(node);
  }
  return out;
}
