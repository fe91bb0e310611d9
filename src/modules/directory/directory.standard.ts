// The standard directory (政府信息公开目录) every new organization receives, following Articles 20 and 21
// of the Regulations on the Disclosure of Government Information (2019).

export const COLUMN_KINDS = {
  news: { label: '动态类', freshnessDays: 14 },
  notices: { label: '通知公告类', freshnessDays: 183 },
  policies: { label: '政策文件类', freshnessDays: 183 },
  static: { label: '单页', freshnessDays: null },
  list: { label: '列表', freshnessDays: null },
} as const;
export type ColumnKind = keyof typeof COLUMN_KINDS;

export interface StandardColumn {
  key: string;
  code: string;
  slug: string;
  name: string;
  kind: ColumnKind;
  description?: string;
  children?: StandardColumn[];
}

export const STANDARD_DIRECTORY: StandardColumn[] = [
  {
    key: 'guide',
    code: 'ZN',
    slug: 'guide',
    name: '政府信息公开指南',
    kind: 'static',
    description: '公开的方式和途径、依申请公开的办理程序、监督和救济渠道。',
  },
  { key: 'rules', code: 'ZD', slug: 'rules', name: '政府信息公开制度', kind: 'notices' },
  {
    key: 'statutory',
    code: 'FD',
    slug: 'statutory',
    name: '法定主动公开内容',
    kind: 'list',
    description: '《中华人民共和国政府信息公开条例》第二十条、第二十一条规定应当主动公开的政府信息。',
    children: [
      { key: 'functions', code: 'JGZN', slug: 'functions', name: '机构职能', kind: 'static' },
      { key: 'policies', code: 'ZCWJ', slug: 'policies', name: '政策文件', kind: 'policies' },
      { key: 'plans', code: 'GHJH', slug: 'plans', name: '规划计划', kind: 'notices' },
      { key: 'statistics', code: 'TJXX', slug: 'statistics', name: '统计信息', kind: 'notices' },
      { key: 'licensing', code: 'XZXK', slug: 'licensing', name: '行政许可和服务', kind: 'list' },
      { key: 'enforcement', code: 'CFQZ', slug: 'enforcement', name: '行政处罚和强制', kind: 'list' },
      { key: 'budgets', code: 'YJS', slug: 'budgets', name: '财政预决算', kind: 'notices' },
      { key: 'fees', code: 'SF', slug: 'fees', name: '行政事业性收费', kind: 'list' },
      { key: 'procurement', code: 'ZFCG', slug: 'procurement', name: '政府采购', kind: 'notices' },
      { key: 'projects', code: 'ZDXM', slug: 'projects', name: '重大建设项目', kind: 'notices' },
      { key: 'livelihood', code: 'MSZC', slug: 'livelihood', name: '民生政策', kind: 'policies' },
      { key: 'emergency', code: 'YJGL', slug: 'emergency', name: '应急管理', kind: 'news' },
      { key: 'supervision', code: 'JDJC', slug: 'supervision', name: '监督检查', kind: 'notices' },
      { key: 'personnel', code: 'RSXX', slug: 'personnel', name: '人事信息', kind: 'notices' },
      {
        key: 'urban',
        code: 'CXJS',
        slug: 'urban',
        name: '城乡建设和管理',
        kind: 'notices',
        description: '第二十一条：城乡建设和管理的重大事项。',
      },
      {
        key: 'public-welfare',
        code: 'SHGY',
        slug: 'public-welfare',
        name: '社会公益事业',
        kind: 'notices',
        description: '第二十一条：社会公益事业建设情况。',
      },
      {
        key: 'expropriation',
        code: 'ZSZY',
        slug: 'expropriation',
        name: '征收征用和补偿',
        kind: 'notices',
        description: '第二十一条：征收或者征用土地、房屋征收及其补偿、补助费用的发放、使用情况。',
      },
      {
        key: 'relief',
        code: 'JZJZ',
        slug: 'relief',
        name: '救灾救济和社会救助',
        kind: 'notices',
        description: '第二十一条：抢险救灾、优抚、救济、社会救助等款物的管理、使用和分配情况。',
      },
    ],
  },
  { key: 'annual-reports', code: 'NB', slug: 'annual-reports', name: '政府信息公开年报', kind: 'list' },
  {
    key: 'on-request',
    code: 'YSQ',
    slug: 'on-request',
    name: '依申请公开',
    kind: 'static',
    description: '政府信息公开申请的受理渠道和办理流程。',
  },
  { key: 'news', code: 'GZDT', slug: 'news', name: '工作动态', kind: 'news' },
];
