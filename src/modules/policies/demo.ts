import { type Actor, systemActor } from '../../platform/audit/audit.service.js';
import type { Deps } from '../../platform/context.js';
import { directoryOf } from '../directory/directory.service.js';
import { importPublished } from '../publishing/publishing.service.js';
import { parseDocNumber } from './doc-number.js';
import * as irepo from './interpretations.repository.js';
import * as repo from './policies.repository.js';
import { refreshStatus } from './policies.service.js';

// Demo policy documents and interpretations of the 文体出版旅游局, after its report (demo-report.txt): support
// for cultural enterprises and tourism, an expired measure, a replaced one marked on the original, and the
// interpretations the report asks for (第一解读人, 三同步). Keyed by source reference, so seeding twice adds nothing.

const p = (...paras: string[]) => paras.map((x) => `<p>${x}</p>`).join('');

interface DemoPolicy {
  key: string;
  title: string;
  doc: string;
  type: 'rule' | 'normative' | 'other';
  theme: string;
  signed: string;
  effective: string;
  validUntil: string | null;
  issuers: string[];
  summary: string;
  body: string;
}

const POLICIES: DemoPolicy[] = [
  {
    key: 'culture-2017',
    title: '湖里区扶持文化产业发展若干措施',
    doc: '厦湖文体〔2017〕12号',
    type: 'normative',
    theme: '文化产业',
    signed: '2017-06-15',
    effective: '2017-07-01',
    validUntil: '2019-06-30',
    issuers: ['厦门市湖里区文体出版旅游局'],
    summary: '对在本区注册的文化企业给予房租补贴、项目扶持和人才奖励，有效期两年。',
    body: p(
      '第一条 为促进本区文化产业发展，扶持文化企业做大做强，制定本措施。',
      '第二条 在本区注册、依法纳税的文化企业，租用办公用房的，按实际租金的30%给予补贴，每家企业每年最高20万元。',
      '第三条 本措施自2017年7月1日起施行，有效期至2019年6月30日。',
    ),
  },
  {
    key: 'tourism-2018',
    title: '湖里区促进旅游业发展扶持办法',
    doc: '厦湖文体〔2018〕5号',
    type: 'normative',
    theme: '旅游',
    signed: '2018-03-20',
    effective: '2018-04-01',
    validUntil: null,
    issuers: ['厦门市湖里区文体出版旅游局'],
    summary: '对旅行社引客入区、旅游住宿业提升和旅游节庆活动给予扶持。',
    body: p(
      '第一条 为加快本区旅游业发展，根据有关规定，制定本办法。',
      '第二条 旅行社组织游客在本区住宿过夜的，按每人每晚10元给予奖励。',
      '第三条 本办法自2018年4月1日起施行。',
    ),
  },
  {
    key: 'culture-tourism-2021',
    title: '湖里区促进文化旅游产业高质量发展若干措施',
    doc: '厦湖文体〔2021〕8号',
    type: 'normative',
    theme: '文化旅游',
    signed: '2021-05-10',
    effective: '2021-06-01',
    validUntil: '2028-05-31',
    issuers: ['厦门市湖里区文体出版旅游局', '厦门市湖里区财政局'],
    summary:
      '整合文化产业和旅游业扶持政策，支持文旅融合项目、夜间经济和文化消费，原《湖里区促进旅游业发展扶持办法》同时废止。',
    body: p(
      '第一条 为推动本区文化和旅游深度融合、高质量发展，制定本措施。',
      '第二条 对新引进的文旅融合重点项目，按实际投资额的5%给予一次性奖励，最高100万元。',
      '第三条 本措施自2021年6月1日起施行，有效期至2028年5月31日。《湖里区促进旅游业发展扶持办法》（厦湖文体〔2018〕5号）同时废止。',
    ),
  },
  {
    key: 'facilities-2019',
    title: '湖里区公共文化设施开放服务规范',
    doc: '厦湖文体〔2019〕21号',
    type: 'other',
    theme: '公共文化服务',
    signed: '2019-08-12',
    effective: '2019-09-01',
    validUntil: null,
    issuers: ['厦门市湖里区文体出版旅游局'],
    summary: '规定区文化馆、图书馆等公共文化设施的开放时间、免费服务项目和服务标准。',
    body: p(
      '一、区文化馆、区图书馆每周开放时间不少于56小时，法定节假日正常开放。',
      '二、基本公共文化服务项目一律免费提供。',
    ),
  },
];

const RELATIONS: { from: string; to: string; kind: 'repeals' | 'replaces' | 'amends' }[] = [
  { from: 'culture-tourism-2021', to: 'tourism-2018', kind: 'replaces' },
];

const INTERPRETATIONS: {
  key: string;
  policy: string;
  form: 'text' | 'qa' | 'media';
  title: string;
  date: string;
  byPrincipal?: string;
  summary: string;
  body: string;
}[] = [
  {
    key: 'culture-tourism-2021-text',
    policy: 'culture-tourism-2021',
    form: 'text',
    title: '《湖里区促进文化旅游产业高质量发展若干措施》政策解读',
    date: '2021-05-12',
    byPrincipal: '区文体出版旅游局局长',
    summary: '局主要负责人作为第一解读人，解读出台背景、主要内容和申报方式。',
    body: p(
      '一、出台背景：为落实文旅融合发展要求，整合原有文化产业和旅游业扶持政策。',
      '二、主要内容：支持文旅融合重点项目、夜间经济集聚区和文化消费活动。',
      '三、申报方式：企业可通过区政务服务中心窗口或网上办事大厅申报。',
    ),
  },
  {
    key: 'culture-tourism-2021-qa',
    policy: 'culture-tourism-2021',
    form: 'qa',
    title: '文化旅游产业扶持政策问答',
    date: '2021-05-12',
    summary: '就申报条件、奖励标准和兑现时间答复企业关心的问题。',
    body: p(
      '问：哪些企业可以申报？答：在本区注册、依法纳税的文化和旅游企业。',
      '问：原旅游业扶持办法的项目如何衔接？答：2021年6月1日前已受理的项目按原办法执行。',
    ),
  },
  {
    key: 'culture-2017-text',
    policy: 'culture-2017',
    form: 'text',
    title: '《湖里区扶持文化产业发展若干措施》解读',
    date: '2017-06-16',
    summary: '解读房租补贴、项目扶持和人才奖励的条件和标准。',
    body: p('一、政策目的：降低文化企业经营成本。', '二、补贴标准：按实际租金的30%给予补贴，每年最高20万元。'),
  },
];

/** Loads the demo policies of 文体出版旅游局 with their relations and interpretations (idempotent). */
export async function seedDemoPolicies(deps: Deps, actor: Actor = systemActor): Promise<number> {
  const k = deps.db.kysely;
  const org = await k.selectFrom('organizations').select(['id', 'name']).where('slug', '=', 'wenti').executeTakeFirst();
  if (!org) return 0;
  const column = (await directoryOf(deps, org.id)).bySlug.get('policies');
  if (!column) return 0;
  const orgIds = new Map(
    (await k.selectFrom('organizations').select(['id', 'name']).execute()).map((o) => [o.name, o.id]),
  );
  const ids = new Map<string, number>();
  let created = 0;
  const now = deps.clock();
  for (const d of POLICIES) {
    const r = await importPublished(deps, actor, org.id, {
      sourceRef: `demo:policy:${d.key}`,
      columnId: column.id,
      title: d.title,
      docNumber: d.doc,
      dateCreated: d.signed,
      publishedAt: new Date(`${d.signed}T10:00:00+08:00`).toISOString(),
      theme: '文化、广电、新闻出版',
      genre: '通知',
      keywords: d.theme,
      summary: d.summary,
      bodyHtml: d.body,
      fiveCategory: 'decision',
    });
    const existing = await repo.findPolicyByItem(k, r.id);
    if (existing) {
      ids.set(d.key, existing.id);
      continue;
    }
    const doc = parseDocNumber(d.doc, 9999);
    const ts = now.toISOString();
    const id = await repo.insertPolicy(k, {
      item_id: r.id,
      organization_id: org.id,
      drafting_organization_id: org.id,
      doc_number: doc.ok ? doc.value.text : '',
      doc_issuer: doc.ok ? doc.value.issuer : '',
      doc_year: doc.ok ? doc.value.year : null,
      doc_seq: doc.ok ? doc.value.seq : null,
      policy_type: d.type,
      theme: d.theme,
      date_signed: d.signed,
      date_effective: d.effective,
      valid_until: d.validUntil,
      status: 'pending',
      interpretation_waiver: '',
      created_at: ts,
      updated_at: ts,
    });
    await repo.replaceIssuers(
      k,
      id,
      d.issuers.map((name) => ({ name, organization_id: orgIds.get(name) ?? null })),
    );
    ids.set(d.key, id);
    created++;
  }
  for (const rel of RELATIONS) {
    const from = ids.get(rel.from);
    const to = ids.get(rel.to);
    if (from && to)
      await repo.insertRelation(k, {
        from_policy_id: from,
        to_policy_id: to,
        kind: rel.kind,
        note: '',
        created_at: now.toISOString(),
        created_by: null,
      });
  }
  for (const it of INTERPRETATIONS) {
    const policyId = ids.get(it.policy);
    if (!policyId) continue;
    const r = await importPublished(deps, actor, org.id, {
      sourceRef: `demo:interpretation:${it.key}`,
      columnId: column.id,
      title: it.title,
      dateCreated: it.date,
      publishedAt: new Date(`${it.date}T10:30:00+08:00`).toISOString(),
      theme: '文化、广电、新闻出版',
      genre: '解读',
      keywords: '政策解读',
      summary: it.summary,
      bodyHtml: it.body,
      fiveCategory: 'decision',
    });
    if (await irepo.findByItem(k, r.id)) continue;
    const ts = now.toISOString();
    const tid = await irepo.insert(k, {
      item_id: r.id,
      organization_id: org.id,
      form: it.form,
      responsible_organization_id: org.id,
      by_principal: it.byPrincipal ? 1 : 0,
      principal_name: it.byPrincipal ?? '',
      video_sha256: null,
      poster_sha256: null,
      captions_sha256: null,
      transcript_html: '',
      created_at: ts,
      updated_at: ts,
    });
    await irepo.setPolicies(k, tid, [policyId], ts);
  }
  // Statuses as of today, recorded without notifying anyone (the documents were published long ago).
  for (const id of ids.values())
    await k.transaction().execute((trx) => refreshStatus(trx, deps, id, now, { silent: true }));
  return created;
}
