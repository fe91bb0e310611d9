// Test helpers for policy documents: staff of one organization and shortcuts that go through the real
// publishing workflow and the policy service, so the events are the ones production raises.
import type { Principal, Role } from '../../platform/auth/permissions.js';
import { insertStaff, type TestApp } from '../../testing/app.js';
import { directoryOf } from '../directory/directory.service.js';
import { findItem } from '../publishing/publishing.repository.js';
import { formValuesOf } from '../publishing/publishing.routes.js';
import * as pub from '../publishing/publishing.service.js';
import * as isvc from './interpretations.service.js';
import * as svc from './policies.service.js';

export interface Person {
  id: number;
  p: Principal;
  actor: { userId: number; name: string; ip: string };
}

export interface PolicyDesk {
  orgId: number;
  columnId: number;
  people: Record<'drafter' | 'reviewer' | 'approver', Person>;
  /** Drafts a plain item in 政策文件 (e.g. an interpretation); returns its id. */
  draftItem(item?: Record<string, string>): Promise<number>;
  /** Drafts an item in 政策文件 with policy fields; returns { itemId, policyId }. */
  draft(item?: Record<string, string>, policy?: Record<string, string>): Promise<{ itemId: number; policyId: number }>;
  /** Submits, reviews, approves and publishes a draft. */
  publishDraft(itemId: number): Promise<void>;
  /** Edits a draft as its drafter: its current form values with `over` on top (e.g. change_kind of a revision). */
  editDraft(itemId: number, over: Record<string, string>): Promise<void>;
  /** Publishes a revision: minor without a note, major with this public change note. */
  publishRevision(itemId: number, note?: string): Promise<void>;
  /** Drafts and publishes. */
  publish(
    item?: Record<string, string>,
    policy?: Record<string, string>,
  ): Promise<{ itemId: number; policyId: number }>;
  /** Makes a draft item a text interpretation (文字解读) of these policies, as its drafter. */
  interpret(itemId: number, ...policyIds: number[]): Promise<void>;
  /** Drafts, links and publishes a text interpretation of these policies; returns its item id. */
  publishInterpretation(title: string, ...policyIds: number[]): Promise<number>;
}

let seq = 0;

export async function policyDesk(t: TestApp, orgSlug: string): Promise<PolicyDesk> {
  const org = await t.db.kysely
    .selectFrom('organizations')
    .select(['id'])
    .where('slug', '=', orgSlug)
    .executeTakeFirstOrThrow();
  const dir = await directoryOf(t.deps, org.id);
  const columnId = dir.bySlug.get('policies')!.id;
  const people = {} as PolicyDesk['people'];
  for (const role of ['drafter', 'reviewer', 'approver'] as Role[]) {
    const username = `pol_${orgSlug}_${role}_${++seq}`;
    const grants = [{ role, organizationId: org.id }];
    const u = await insertStaff(t, username, grants);
    people[role as 'drafter'] = {
      id: u.id,
      p: { userId: u.id, username, displayName: username, grants },
      actor: { userId: u.id, name: username, ip: '127.0.0.1' },
    };
  }
  const d = t.deps;
  const itemDraft = (item: Record<string, string>) =>
    pub.createDraft(d, people.drafter.p, people.drafter.actor, org.id, {
      column_id: String(columnId),
      title: `关于印发测试政策文件（第 ${++seq} 号）的通知`,
      doc_number: '',
      date_created: '2026-11-20',
      theme: '文化、广电、新闻出版',
      genre: '通知',
      keywords: '',
      summary: '测试用的政策文件。',
      body_html: '<p>第一条 为了规范……</p>',
      disclosure: 'proactive',
      exemption: '',
      five_category: 'decision',
      disclosure_method: '政府网站',
      ...item,
    });
  const desk: PolicyDesk = {
    orgId: org.id,
    columnId,
    people,
    draftItem: (item = {}) => itemDraft(item),
    async draft(item = {}, policy = {}) {
      const n = ++seq;
      const itemId = await itemDraft(item);
      const policyId = await svc.savePolicy(d, people.drafter.p, people.drafter.actor, itemId, {
        policy_type: 'other',
        doc_number: `厦湖文体〔2026〕${n}号`,
        theme: '文化旅游',
        date_signed: '2026-11-01',
        date_effective: '2026-11-10',
        valid_until: '',
        issuers: '',
        ...policy,
      });
      return { itemId, policyId };
    },
    async publishDraft(itemId) {
      await pub.submit(d, people.drafter.p, people.drafter.actor, itemId);
      await pub.review(d, people.reviewer.p, people.reviewer.actor, itemId);
      await pub.approve(d, people.approver.p, people.approver.actor, itemId);
      await pub.publishNow(d, people.approver.p, people.approver.actor, itemId);
    },
    async editDraft(itemId, over) {
      await pub.updateDraft(d, people.drafter.p, people.drafter.actor, itemId, {
        ...formValuesOf((await findItem(t.db.kysely, itemId))!),
        ...over,
      });
    },
    async publishRevision(itemId, note = '') {
      await desk.editDraft(itemId, { change_kind: note ? 'major' : 'minor', change_note: note });
      await desk.publishDraft(itemId);
    },
    async publish(item = {}, policy = {}) {
      const r = await desk.draft(item, policy);
      await desk.publishDraft(r.itemId);
      return r;
    },
    async interpret(itemId, ...policyIds) {
      await isvc.saveInterpretation(d, people.drafter.p, people.drafter.actor, itemId, {
        form: 'text',
        policy_ids: policyIds.join(','),
      });
    },
    async publishInterpretation(title, ...policyIds) {
      const itemId = await itemDraft({ title });
      await desk.interpret(itemId, ...policyIds);
      await desk.publishDraft(itemId);
      return itemId;
    },
  };
  return desk;
}
