// Test helpers shared by the feeds, subscriptions and webhooks tests: publishing through the real workflow
// (drafter → reviewer → approver), so the item events are the ones production raises.
import type { Principal, Role } from '../../platform/auth/permissions.js';
import { insertStaff, type TestApp } from '../../testing/app.js';
import { directoryOf } from '../directory/directory.service.js';
import * as svc from '../publishing/publishing.service.js';

export interface Publisher {
  orgId: number;
  columnId(slug: string): number;
  /** Creates a draft only; returns its id. */
  draft(over?: Record<string, string>): Promise<number>;
  /** Drafts, reviews, approves and publishes an item; returns its id. */
  publish(over?: Record<string, string>): Promise<number>;
  /** Publishes a revision of a published item, major (with a change note) or minor. */
  revise(id: number, kind: 'major' | 'minor', over?: Record<string, string>): Promise<void>;
  withdraw(id: number, reason?: 'error' | 'superseded' | 'outdated', note?: string): Promise<void>;
}

let seq = 0;

/** Staff of the organization (drafter, reviewer, approver) and shortcuts through the publishing service. */
export async function publisherFor(t: TestApp, orgSlug: string): Promise<Publisher> {
  const org = await t.db.kysely
    .selectFrom('organizations')
    .select(['id'])
    .where('slug', '=', orgSlug)
    .executeTakeFirstOrThrow();
  const dir = await directoryOf(t.deps, org.id);
  const actors = {} as Record<string, { userId: number; name: string; ip: string }>;
  const principals = {} as Record<string, Principal>;
  for (const role of ['drafter', 'reviewer', 'approver'] as Role[]) {
    const username = `${orgSlug}_${role}_${++seq}`;
    const u = await insertStaff(t, username, [{ role, organizationId: org.id }]);
    principals[role] = { userId: u.id, username, displayName: username, grants: [{ role, organizationId: org.id }] };
    actors[role] = { userId: u.id, name: username, ip: '127.0.0.1' };
  }
  const columnId = (slug: string) => {
    const c = dir.bySlug.get(slug);
    if (!c) throw new Error(`no column ${slug}`);
    return c.id;
  };
  const fields = (over: Record<string, string>) => ({
    column_id: String(columnId('policies')),
    title: `测试信息 ${++seq}`,
    doc_number: '',
    date_created: '2026-11-20',
    theme: '综合政务',
    genre: '通知',
    keywords: '',
    summary: '测试用的内容概述。',
    body_html: '<p>正文。</p>',
    disclosure: 'proactive',
    exemption: '',
    five_category: 'result',
    disclosure_method: '政府网站',
    ...over,
  });
  const d = t.deps;
  const throughApproval = async (id: number) => {
    await svc.submit(d, principals.drafter, actors.drafter, id);
    await svc.review(d, principals.reviewer, actors.reviewer, id);
    await svc.approve(d, principals.approver, actors.approver, id);
    await svc.publishNow(d, principals.approver, actors.approver, id);
  };
  return {
    orgId: org.id,
    columnId,
    draft: (over = {}) => svc.createDraft(d, principals.drafter, actors.drafter, org.id, fields(over)),
    async publish(over = {}) {
      const id = await svc.createDraft(d, principals.drafter, actors.drafter, org.id, fields(over));
      await throughApproval(id);
      return id;
    },
    async revise(id, kind, over = {}) {
      const item = await t.db.kysely.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await svc.startRevision(d, principals.drafter, actors.drafter, id);
      await svc.updateDraft(
        d,
        principals.drafter,
        actors.drafter,
        id,
        fields({
          column_id: String(item.column_id),
          title: item.title,
          summary: item.summary,
          change_kind: kind,
          change_note: kind === 'major' ? '调整了申报条件和截止日期。' : '',
          ...over,
        }),
      );
      await throughApproval(id);
    },
    async withdraw(id, reason = 'outdated', note = '该政策已废止，不再执行。') {
      await svc.withdraw(d, principals.approver, actors.approver, id, { reason, note });
    },
  };
}
