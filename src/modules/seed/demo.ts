import { recordAudit, systemActor } from '../../platform/audit/audit.service.js';
import type { Deps } from '../../platform/context.js';
import * as orgRepo from '../organizations/organizations.repository.js';
import type { OrganizationInput } from '../organizations/organizations.schema.js';
import { createOrganization, invalidateOrgTree } from '../organizations/organizations.service.js';
import { seedDemoPolicies } from '../policies/demo.js';
import { seedDemoItems } from './demo-items.js';

// Demo data drawn from the source document: 湖里区文体出版旅游局's report on its 2017 disclosure work,
// with its district government and a few sibling bureaus. Names of people, phone numbers and addresses are
// illustrative, not real contact details.

type OrgSeed = Omit<OrganizationInput, 'parent_id' | 'leadership' | 'sort_order' | 'active'> & {
  leadership?: OrganizationInput['leadership'];
  children?: OrgSeed[];
};

const DISTRICT: OrgSeed = {
  code: 'HLQZF',
  slug: 'huli',
  name: '厦门市湖里区人民政府',
  short_name: '湖里区政府',
  kind: 'government',
  functions:
    '执行区人民代表大会及其常务委员会的决议，以及上级国家行政机关的决定和命令，规定行政措施，发布决定和命令。\n领导所属各工作部门和下级人民政府的工作，管理本行政区域内的经济、教育、科学、文化、卫生、体育事业、环境和资源保护、城乡建设事业和财政、民政、公安、司法行政、计划生育等行政工作。',
  address: '厦门市湖里区湖里大道 1 号',
  postcode: '361006',
  phone: '0592-5700000',
  fax: '0592-5700001',
  email: 'zwgk@huli.example.gov.cn',
  office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30（夏季 15:00–18:00）',
  website: '',
  leadership: [
    { name: '陈立新', title: '区长', duties: '主持区政府全面工作。' },
    { name: '林海燕', title: '常务副区长', duties: '负责区政府常务工作，分管财政、审计、政务公开工作。' },
  ],
  children: [
    {
      code: 'HLWT',
      slug: 'wenti',
      name: '厦门市湖里区文体出版旅游局',
      short_name: '区文体出版旅游局',
      kind: 'department',
      functions:
        '贯彻执行国家和省、市有关文化、体育、新闻出版、广播电视和旅游工作的方针政策和法律法规，拟订本区相关发展规划并组织实施。\n负责文化市场、出版物市场和旅游市场的行业监管，组织实施“双随机、一公开”抽查，承担文化市场综合执法的相关工作。\n推进公共文化服务体系建设，管理区图书馆、文化馆等公共文化设施；组织开展群众性体育活动；负责本区旅游宣传推广和行业服务。\n负责本部门政务公开工作，编制和公开权责清单、随机抽查事项清单、部门预决算。',
      address: '厦门市湖里区金山路 100 号',
      postcode: '361009',
      phone: '0592-5710000',
      fax: '0592-5710001',
      email: 'wtcl@huli.example.gov.cn',
      office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30',
      website: '',
      leadership: [
        { name: '王建华', title: '局长', duties: '主持局全面工作，是本局政策解读的第一解读人和责任人。' },
        { name: '黄丽', title: '副局长', duties: '分管文化市场、出版物市场监管和政务公开工作。' },
        { name: '郑志强', title: '副局长', duties: '分管体育、旅游和公共文化服务工作。' },
      ],
      children: [
        {
          code: 'HLWTBGS',
          slug: 'wenti-office',
          name: '区文体出版旅游局办公室',
          short_name: '局办公室',
          kind: 'office',
          functions: '负责机关文电、会务、政务公开、信息、档案、财务等工作；承办人大代表建议和政协委员提案的办理。',
          address: '厦门市湖里区金山路 100 号 3 楼',
          postcode: '361009',
          phone: '0592-5710002',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
        },
        {
          code: 'HLWTSC',
          slug: 'wenti-market',
          name: '区文体出版旅游局文化市场管理科',
          short_name: '文化市场管理科',
          kind: 'office',
          functions: '负责文化、出版物和旅游市场的行政审批与事中事后监管，组织实施随机抽查。',
          address: '厦门市湖里区金山路 100 号 4 楼',
          postcode: '361009',
          phone: '0592-5710003',
          fax: '',
          email: '',
          office_hours: '',
          website: '',
        },
        {
          code: 'HLTSG',
          slug: 'huli-library',
          name: '湖里区图书馆',
          short_name: '区图书馆',
          kind: 'office',
          functions: '公共图书馆；区政府信息查阅场所，提供政府信息查阅服务。',
          address: '厦门市湖里区长岸路 200 号',
          postcode: '361009',
          phone: '0592-5710100',
          fax: '',
          email: '',
          office_hours: '周二至周日 9:00–21:00',
          website: '',
        },
      ],
    },
    {
      code: 'HLFGJ',
      slug: 'fagai',
      name: '厦门市湖里区发展和改革局',
      short_name: '区发改局',
      kind: 'department',
      functions: '拟订并组织实施全区国民经济和社会发展规划，统筹协调经济社会发展。',
      address: '厦门市湖里区湖里大道 1 号 5 楼',
      postcode: '361006',
      phone: '0592-5720000',
      fax: '',
      email: 'fgj@huli.example.gov.cn',
      office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30',
      website: '',
    },
    {
      code: 'HLCZJ',
      slug: 'caizheng',
      name: '厦门市湖里区财政局',
      short_name: '区财政局',
      kind: 'department',
      functions: '负责全区财政收支管理，组织编制区级预决算草案，指导部门预决算公开。',
      address: '厦门市湖里区湖里大道 1 号 6 楼',
      postcode: '361006',
      phone: '0592-5730000',
      fax: '',
      email: 'czj@huli.example.gov.cn',
      office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30',
      website: '',
    },
    {
      code: 'HLJYJ',
      slug: 'jiaoyu',
      name: '厦门市湖里区教育局',
      short_name: '区教育局',
      kind: 'department',
      functions: '贯彻执行教育方针政策，统筹管理全区各级各类教育。',
      address: '厦门市湖里区枋湖路 30 号',
      postcode: '361015',
      phone: '0592-5740000',
      fax: '',
      email: 'jyj@huli.example.gov.cn',
      office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30',
      website: '',
    },
    {
      code: 'HLSJJ',
      slug: 'shichang',
      name: '厦门市湖里区市场监督管理局',
      short_name: '区市场监管局',
      kind: 'department',
      functions: '负责全区市场综合监督管理，组织实施“双随机、一公开”监管。',
      address: '厦门市湖里区华泰路 8 号',
      postcode: '361009',
      phone: '0592-5750000',
      fax: '',
      email: 'scjgj@huli.example.gov.cn',
      office_hours: '工作日 上午 8:00–12:00，下午 14:30–17:30',
      website: '',
    },
  ],
};

/** Loads the demo organizations once (does nothing when any organization exists). Returns whether it seeded. */
export async function seedDemo(deps: Deps): Promise<boolean> {
  const existing = await orgRepo.listAll(deps.db.kysely);
  if (existing.length > 0) return false;
  const principal = {
    userId: 0,
    username: 'system',
    displayName: 'system',
    grants: [{ organizationId: 0, role: 'system_admin' as const }],
  };
  const walk = async (o: OrgSeed, parentId: number | null, order: number) => {
    const { children, ...rest } = o;
    const id = await createOrganization(deps, principal, systemActor, {
      ...rest,
      parent_id: parentId === null ? '' : parentId,
      leadership: rest.leadership ?? [],
      sort_order: order,
      active: 1,
    });
    for (const [i, ch] of (children ?? []).entries()) await walk(ch, id, (i + 1) * 10);
  };
  await walk(DISTRICT, null, 0);
  await deps.db.kysely
    .transaction()
    .execute((trx) =>
      recordAudit(
        trx,
        deps.db.engine,
        systemActor,
        { action: 'seed.demo', entityType: 'system', summary: '载入演示数据（湖里区人民政府及其工作部门）' },
        deps.clock(),
      ),
    );
  invalidateOrgTree(deps);
  await seedDemoItems(deps);
  await seedDemoPolicies(deps);
  return true;
}
