import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Actor, recordAudit, systemActor } from '../../platform/audit/audit.service.js';
import type { Deps } from '../../platform/context.js';
import * as dirRepo from '../directory/directory.repository.js';
import { directoryOf } from '../directory/directory.service.js';
import { importPublished } from '../publishing/publishing.service.js';

// Published items for the demo bureau, drawn from its report on the year's disclosure work
// (the source document, kept in the repository as demo-report.txt).

const p = (...paras: string[]) => paras.map((x) => `<p>${x}</p>`).join('');

function reportHtml(): string {
  const text = readFileSync(fileURLToPath(new URL('./demo-report.txt', import.meta.url)), 'utf8');
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const body = lines.slice(2).filter((l) => !/^(扫一扫|相关解读|文字解读|图片解读|视频解读|访谈解读|媒体报道)/.test(l));
  return body
    .map((l) =>
      /^[一二三四五六七八九十]+、/.test(l)
        ? `<h2>${l}</h2>`
        : /^（[一二三四五六七八九十]+）/.test(l)
          ? `<h3>${l}</h3>`
          : `<p>${l}</p>`,
    )
    .join('');
}

const ITEMS: {
  key: string;
  column: string;
  title: string;
  date: string;
  theme: string;
  genre: string;
  doc?: string;
  keywords: string;
  summary: string;
  body: () => string;
  five: string;
}[] = [
  {
    key: 'report-2017',
    column: 'rules',
    title: '湖里区文体出版旅游局2017年政务公开工作要点落实情况',
    date: '2017-11-30',
    theme: '综合政务',
    genre: '报告',
    keywords: '政务公开 工作要点 落实情况',
    summary:
      '我局落实2017年政务公开工作要点的情况：完善公开机制，推进权责清单、“双随机、一公开”、预决算公开、政策解读和依申请公开等工作。',
    body: reportHtml,
    five: 'result',
  },
  {
    key: 'powers-2017',
    column: 'licensing',
    title: '湖里区文体出版旅游局权责清单（2017年版）',
    date: '2017-06-15',
    theme: '文化、广电、新闻出版',
    genre: '公告',
    keywords: '权责清单 权力清单 责任清单',
    summary: '开展权力清单和责任清单融合工作，编制完成权责清单共264项，向社会公开。',
    body: () =>
      p(
        '根据法律法规的修订情况，我局开展权力清单和责任清单融合工作，编制完成权责清单共264项，现通过政府网站集中发布，公开亮权、规范用权，接受社会监督。',
        '权责清单涵盖行政许可、行政处罚、行政强制、行政检查、行政确认、行政奖励及其他行政权力，逐项列明职权编码、名称、实施依据、责任事项和追责情形。',
      ),
    five: 'management',
  },
  {
    key: 'one-trip-2017',
    column: 'licensing',
    title: '湖里区文体出版旅游局“最多跑一趟”事项清单',
    date: '2017-08-01',
    theme: '文化、广电、新闻出版',
    genre: '公告',
    keywords: '最多跑一趟 全程网办 即办件',
    summary: '19项行政审批事项为当场办结件，1项审批事项全程网办，13项承诺事项实现“最多跑一趟”和快递服务。',
    body: () =>
      `${p('围绕“全程网办”目标和“马上就办”要求，我局梳理“最多跑一趟”清单：')}<ul><li>19项行政审批事项为当场办结件（即办件）；</li><li>1项审批事项实现全程网办；</li><li>13项承诺事项实现“最多跑一趟”和快递送达服务；</li><li>六成以上审批事项实现网上办事大厅四星审批服务。</li></ul>`,
    five: 'service',
  },
  {
    key: 'random-items-2017',
    column: 'supervision',
    title: '湖里区文体出版旅游局随机抽查事项清单',
    date: '2017-04-10',
    theme: '市场监管、安全生产监管',
    genre: '公告',
    keywords: '双随机 一公开 随机抽查事项清单',
    summary: '依据文化市场法律法规，结合执法权限，制定本部门随机抽查事项清单共10项。',
    body: () =>
      p(
        '依据文化市场法律法规，结合执法权限，我局制定本部门随机抽查事项清单共10项，明确抽查依据、抽查主体、抽查内容、抽查方式等，方便社会监督和文化经营单位自查。',
      ),
    five: 'execution',
  },
  {
    key: 'random-results-2017',
    column: 'supervision',
    title: '2017年文化市场“双随机”抽查情况',
    date: '2017-11-02',
    theme: '市场监管、安全生产监管',
    genre: '通报',
    keywords: '双随机 抽查结果 文化市场',
    summary: '截至10月底，共抽查37次、111家经营单位。',
    body: () =>
      p(
        '我局积极推广文化市场随机抽查机制，规范文化市场事中事后监管，双随机抽查成为常态化。到10月底，共抽查37次111家经营单位，抽查结果按规定向社会公开。',
      ),
    five: 'result',
  },
  {
    key: 'culture-support',
    column: 'policies',
    title: '湖里区扶持文化企业发展的若干措施',
    date: '2017-03-20',
    theme: '文化、广电、新闻出版',
    genre: '通知',
    doc: '厦湖文体〔2017〕8号',
    keywords: '文化企业 扶持 降低成本',
    summary: '公开扶持文化企业发展的政策措施及执行落实情况。',
    body: () =>
      p(
        '为降低企业成本、推动文化产业发展，现将扶持文化企业发展的若干措施印发给你们，请认真贯彻执行。',
        '一、对新引进的文化企业给予办公用房租金补助。',
        '二、对举办重大文化活动的企业给予活动经费补助。',
      ),
    five: 'decision',
  },
  {
    key: 'budget-2017',
    column: 'budgets',
    title: '湖里区文体出版旅游局2017年部门预算',
    date: '2017-02-20',
    theme: '财政、金融、审计',
    genre: '其他',
    keywords: '部门预算 三公经费 预算公开',
    summary: '按照规定公开2017年部门预算及“三公”经费预算情况说明。',
    body: () =>
      p(
        '按照预算法和财政部门的统一部署，现公开我局2017年部门预算，包括收支总表、收入总表、支出总表、财政拨款收支总表、一般公共预算支出表、一般公共预算基本支出表及“三公”经费支出表。',
        '2017年“三公”经费预算中，因公出国（境）费为零；公务用车购置及运行费、公务接待费均较上年有所下降。',
      ),
    five: 'management',
  },
  {
    key: 'proposals-2017',
    column: 'news',
    title: '2017年人大代表建议和政协委员提案办理结果',
    date: '2017-10-20',
    theme: '综合政务',
    genre: '报告',
    keywords: '建议提案 办理结果',
    summary: '2017年度共接收办理区人大代表建议2件、政协委员提案6件，满意率达100%。',
    body: () =>
      p('2017年度我局共接收办理区人大代表建议2件，政协委员提案6件，均已按期办结并答复代表委员，满意率达100%。'),
    five: 'result',
  },
  {
    key: 'reading-room-2026',
    column: 'news',
    title: '区图书馆政府信息查阅点延长周末开放时间',
    date: '2026-11-16',
    theme: '文化、广电、新闻出版',
    genre: '通知',
    keywords: '政府信息查阅 区图书馆',
    summary: '区图书馆政府信息查阅点自12月起周末开放至21:00。',
    body: () =>
      p(
        '为方便群众查阅政府信息，湖里区图书馆政府信息查阅点自2026年12月1日起周六、周日开放时间延长至21:00，提供政府公报、主动公开信息和政策文件的现场查阅服务。',
      ),
    five: 'service',
  },
  {
    key: 'market-check-2026',
    column: 'news',
    title: '区文体出版旅游局开展年末文化市场安全检查',
    date: '2026-11-20',
    theme: '市场监管、安全生产监管',
    genre: '其他',
    keywords: '文化市场 安全检查',
    summary: '对辖区娱乐场所、网吧和演出场所开展安全检查。',
    body: () =>
      p(
        '11月中旬，我局组织执法人员对辖区娱乐场所、互联网上网服务营业场所和演出场所开展年末安全检查，重点检查消防通道、疏散指示和应急预案落实情况。',
      ),
    five: 'execution',
  },
];

const GUIDE_HTML =
  '<h2>一、主动公开</h2><p>本机关主动公开的政府信息通过本平台的“政府信息公开”目录发布，并送交区图书馆政府信息查阅点供公众查阅。</p><h2>二、依申请公开</h2><p>公民、法人或者其他组织可以通过本平台在线申请，或以信函、当面提交的方式向本机关申请获取政府信息。本机关自收到申请之日起20个工作日内予以答复；需要延长答复期限的，经政府信息公开工作机构负责人同意并告知申请人，延长的期限最长不超过20个工作日。</p><h2>三、监督和救济</h2><p>申请人认为本机关在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。</p>';

/** Publishes the demo bureau's items and fills its guide page (does nothing twice: items are keyed). */
export async function seedDemoItems(deps: Deps, actor: Actor = systemActor): Promise<number> {
  const org = await deps.db.kysely
    .selectFrom('organizations')
    .select('id')
    .where('slug', '=', 'wenti')
    .executeTakeFirst();
  if (!org) return 0;
  const dir = await directoryOf(deps, org.id);
  let created = 0;
  for (const it of ITEMS) {
    const column = dir.bySlug.get(it.column);
    if (!column) continue;
    const r = await importPublished(deps, actor, org.id, {
      sourceRef: `demo:${it.key}`,
      columnId: column.id,
      title: it.title,
      docNumber: it.doc,
      dateCreated: it.date,
      publishedAt: new Date(`${it.date}T09:30:00+08:00`).toISOString(),
      theme: it.theme,
      genre: it.genre,
      keywords: it.keywords,
      summary: it.summary,
      bodyHtml: it.body(),
      fiveCategory: it.five,
    });
    if (r.created) created++;
  }
  const guide = dir.bySlug.get('guide');
  if (guide && !guide.staticHtml)
    await dirRepo.updateColumn(deps.db.kysely, guide.id, {
      static_html: GUIDE_HTML,
      updated_at: deps.clock().toISOString(),
    });
  if (created) {
    await deps.db.kysely.transaction().execute((trx) =>
      recordAudit(
        trx,
        deps.db.engine,
        actor,
        {
          action: 'seed.demo_items',
          entityType: 'system',
          organizationId: org.id,
          summary: `载入演示信息 ${created} 条`,
        },
        deps.clock(),
      ),
    );
  }
  return created;
}
