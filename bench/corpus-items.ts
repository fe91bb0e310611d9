import { type LawParagraph, lawParagraphs, lawsCorpusPath } from '../src/platform/search/corpus.js';
import { rng } from '../src/testing/random.js';

// Realistic Chinese government items for the 1,000,000-item benchmark database (bench/seed.ts) and the import
// benchmark's CSV (bench/items.ts). Titles come from law titles and article headings, bodies from several
// consecutive articles, dates spread over ten years. Item i is a pure function of i (seeded random numbers),
// so an interrupted seed resumes with exactly the items it would have written.
//
// Where the laws corpus is absent (a user's machine has no ../shared/), the text is generated from a built-in
// list of government phrases instead: less varied, same shape.

export interface TextSource {
  /** 'laws corpus (N paragraphs)' or 'built-in phrases'. */
  label: string;
  paragraphs: LawParagraph[];
}

const TOPICS = [
  '政务公开',
  '安全生产',
  '食品安全',
  '环境保护',
  '城乡规划',
  '义务教育',
  '公共文化服务',
  '全民健身',
  '旅游市场秩序',
  '文化市场综合执法',
  '财政预算管理',
  '政府采购',
  '社会救助',
  '养老服务',
  '应急管理',
  '消防安全',
  '知识产权保护',
  '营商环境',
  '优化审批服务',
  '“双随机、一公开”监管',
  '野生动物保护',
  '水污染防治',
  '文物保护',
  '未成年人保护',
  '就业创业',
  '住房保障',
];

const PHRASES = [
  '为深入贯彻落实党中央、国务院决策部署',
  '根据《中华人民共和国政府信息公开条例》的规定',
  '经区人民政府同意，现将有关事项通知如下',
  '各有关单位要高度重视，加强组织领导，明确责任分工',
  '认真做好政策解读和舆论引导工作',
  '切实保障人民群众的知情权、参与权、表达权和监督权',
  '建立健全长效工作机制，确保各项措施落到实处',
  '坚持以人民为中心的发展思想',
  '进一步优化营商环境，激发市场主体活力',
  '对检查中发现的问题，依法责令限期整改',
  '构成犯罪的，依法追究刑事责任',
  '本办法自公布之日起施行',
  '县级以上人民政府应当加强对本行政区域内相关工作的领导',
  '有关部门应当按照各自职责做好监督管理工作',
  '推进决策公开、执行公开、管理公开、服务公开、结果公开',
  '按照“双随机、一公开”的要求开展抽查',
  '对群众反映强烈的突出问题开展专项整治',
  '及时公开财政预算、决算和“三公”经费情况',
  '加强统筹协调，形成工作合力',
  '定期对工作落实情况进行督促检查',
  '畅通群众咨询、投诉和举报渠道',
  '做好信息公开申请的受理、登记、办理和答复工作',
  '依法保护个人隐私和商业秘密',
  '完善突发事件应急预案，提高应急处置能力',
  '推动公共服务资源向基层延伸',
  '建立健全行政执法公示制度',
  '实行行政执法全过程记录制度',
  '落实重大行政执法决定法制审核制度',
  '加快推进“互联网＋政务服务”',
  '全面推行权责清单制度',
];

const FALLBACK_CATEGORIES = ['地方性法规', '行政法规', '部门规章', '规范性文件'];
const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function articleName(n: number): string {
  if (n <= 10) return `第${CHINESE_NUMERALS[n - 1]}条`;
  if (n < 20) return `第十${CHINESE_NUMERALS[n - 11]}条`;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `第${CHINESE_NUMERALS[tens - 1]}十${ones ? CHINESE_NUMERALS[ones - 1] : ''}条`;
}

/** Paragraphs generated from the phrase list: a stand-in for the corpus, deterministic. */
export function builtInParagraphs(count = 20_000): LawParagraph[] {
  const rand = rng(20261125);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const out: LawParagraph[] = [];
  let law = 0;
  let article = 0;
  let lawTitle = '';
  let category = '';
  for (let i = 0; i < count; i++) {
    if (article === 0 || article > 5 + Math.floor(rand() * 30)) {
      law++;
      article = 1;
      lawTitle = `关于加强${pick(TOPICS)}工作的${pick(['实施意见', '若干规定', '管理办法', '工作方案', '实施细则'])}`;
      category = pick(FALLBACK_CATEGORIES);
    }
    const n = 2 + Math.floor(rand() * 4);
    const text = `${Array.from({ length: n }, () => pick(PHRASES)).join('，')}。`;
    out.push({
      lawTitle,
      category,
      region: '全国',
      date: `${2000 + (law % 26)}-0${1 + (law % 9)}-1${law % 10}`,
      article: articleName(Math.min(article, 99)),
      text,
    });
    article++;
  }
  return out;
}

/** All article-sized paragraphs of the laws corpus, or the built-in phrases when the corpus is absent. */
export async function loadTextSource(): Promise<TextSource> {
  const file = lawsCorpusPath();
  if (!file) return { label: 'built-in phrases (laws corpus not found)', paragraphs: builtInParagraphs() };
  const paragraphs: LawParagraph[] = [];
  for await (const p of lawParagraphs(file, 20)) paragraphs.push(p);
  return { label: `laws corpus (${paragraphs.length.toLocaleString('en-US')} paragraphs)`, paragraphs };
}

export const THEMES_FOR_BENCH = [
  '综合政务',
  '国民经济管理、国有资产监管',
  '财政、金融、审计',
  '农业、林业、水利',
  '工业、交通',
  '商贸、海关、旅游',
  '市场监管、安全生产监管',
  '城乡建设、环境保护',
  '科技、教育',
  '文化、广电、新闻出版',
  '卫生、体育',
  '劳动、人事、监察',
  '公安、安全、司法',
  '民政、扶贫、救灾',
  '其他',
] as const;

export const GENRES_FOR_BENCH = [
  '决定',
  '公告',
  '通告',
  '意见',
  '通知',
  '通报',
  '报告',
  '批复',
  '函',
  '规划',
  '计划',
  '公示',
  '其他',
] as const;

const TITLE_FORMS: ((law: string, article: string, topic: string, year: number) => string)[] = [
  (law) => `关于印发《${law}》的通知`,
  (law, article) => `《${law}》${article}解读`,
  (law, article) => `关于贯彻落实《${law}》${article}有关规定的通知`,
  (_law, _a, topic, year) => `关于${year}年度${topic}工作情况的报告`,
  (law) => `关于公布《${law}》执行情况的公告`,
  (law, article) => `${law}（${article}）`,
  (_law, _a, topic, year) => `${year}年${topic}专项检查结果公示`,
  (law) => `关于征求《${law}（修订草案）》意见的公告`,
];

const KEYWORD_POOL = [
  '政务公开',
  '通知',
  '公告',
  '预算',
  '安全生产',
  '行政许可',
  '行政处罚',
  '监督检查',
  '政策解读',
  '民生',
];

/** Where generated items go: one organization's column. */
export interface Target {
  organizationId: number;
  orgCode: string;
  columnId: number;
  columnSlug: string;
}

export interface GeneratedItem {
  sourceRef: string;
  target: Target;
  title: string;
  docNumber: string;
  dateCreated: string;
  /** ISO instant. */
  publishedAt: string;
  theme: string;
  genre: string;
  keywords: string;
  summary: string;
  /** Paragraphs of plain text; the body is them as <p> (one <h2> now and then). */
  paragraphs: string[];
  bodyHtml: string;
}

const DAY = 86_400_000;
/** Items are dated over the ten years before this day. */
export const LAST_DAY = Date.parse('2026-11-20T00:00:00Z');

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Item number i of a generated collection: the same i always gives the same item. */
export function generateItem(src: TextSource, targets: readonly Target[], i: number, prefix = 'bench'): GeneratedItem {
  const rand = rng(Math.imul(i + 1, 2654435761) ^ 0x5bd1e995);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const P = src.paragraphs.length;
  const base = Math.floor(rand() * P);
  const head = src.paragraphs[base];
  const count = 4 + Math.floor(rand() * 12);
  const paragraphs: string[] = [];
  for (let k = 0; k < count; k++) {
    const p = src.paragraphs[(base + k) % P];
    paragraphs.push(p.article ? `${p.article}　${p.text}` : p.text);
  }
  const created = LAST_DAY - Math.floor(rand() * 3650) * DAY;
  const dateCreated = new Date(created).toISOString().slice(0, 10);
  const year = Number(dateCreated.slice(0, 4));
  // Published 0–19 days later, during office hours in Beijing (UTC+8), and never after LAST_DAY's morning.
  const published = Math.min(
    created + Math.floor(rand() * 20) * DAY + (Math.floor(rand() * 9 * 60) + 60) * 60_000,
    LAST_DAY + 2 * 3600_000,
  );
  const target = targets[Math.floor(rand() * targets.length)];
  const topic = pick(TOPICS);
  const title = pick(TITLE_FORMS)(head.lawTitle, head.article || '第一条', topic, year).slice(0, 190);
  const docNumber = rand() < 0.4 ? `厦湖${target.orgCode.slice(2, 4)}〔${year}〕${1 + Math.floor(rand() * 200)}号` : '';
  const first = paragraphs[0].replace(/^第[^　]+条　/, '');
  const summary = first.length > 90 ? `${first.slice(0, 90)}……` : first;
  const withHeading = rand() < 0.3;
  const bodyHtml =
    (withHeading ? `<h2>${escapeHtml(topic)}</h2>` : '') + paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  return {
    sourceRef: `${prefix}-${i}`,
    target,
    title,
    docNumber,
    dateCreated,
    publishedAt: new Date(published).toISOString(),
    theme: pick(THEMES_FOR_BENCH),
    genre: pick(GENRES_FOR_BENCH),
    keywords: `${topic.replace(/[“”、]/g, '')} ${pick(KEYWORD_POOL)}`,
    summary,
    paragraphs,
    bodyHtml,
  };
}
