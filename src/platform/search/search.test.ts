import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { Engine } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { createTestDb, type TestDb, testEngines } from '../../testing/db.js';
import { lawParagraphs, lawsCorpusPath } from './corpus.js';
import * as repo from './search.repository.js';
import { type SearchDocInput, searchDocRow } from './search.repository.js';
import { highlightTitle, MAX_QUERY_TERMS, parseQuery, search, snippet, type TextPart } from './search.service.js';
import { htmlToText, indexTokens, MAX_FIELD_TOKENS, normalizeText, queryTokens, tokensFor } from './segment.js';

// ---------------------------------------------------------------------------------------------------------
// Fixtures: two organizations, three columns, items written straight into the tables (search_docs has a
// foreign key to items), then indexed through the repository.

const NOW = '2026-01-01T00:00:00.000Z';
const ORG1 = 1;
const ORG2 = 2;
const COLUMNS = [
  { id: 11, org: ORG1, kind: 'policies' },
  { id: 12, org: ORG1, kind: 'news' },
  { id: 21, org: ORG2, kind: 'notices' },
];
const columnOf = (id: number) => COLUMNS.find((c) => c.id === id)!;

type Fixture = { id: number; col: number; at: string; title: string; body: string; docNumber?: string };
const FIXTURES: Fixture[] = [
  {
    id: 1,
    col: 11,
    at: '2024-03-01T02:00:00.000Z',
    title: '关于2024年部门预算公开的通知',
    body: '根据有关规定，现将本部门2024年预算予以公开，接受社会监督。',
  },
  {
    id: 2,
    col: 12,
    at: '2023-02-10T02:00:00.000Z',
    title: '政府工作报告',
    body: '今年财政预算执行情况良好，收支保持平衡。',
  },
  {
    id: 3,
    col: 21,
    at: '2024-04-01T02:00:00.000Z',
    title: '2024年政务公开工作要点',
    body: '全面推进政务公开工作，提升政务服务水平。',
  },
  // 政务 and 公开 both present, but not next to each other.
  {
    id: 4,
    col: 21,
    at: '2022-05-01T02:00:00.000Z',
    title: '关于加强管理的意见',
    body: '加强政务服务，依法公开政府信息。',
  },
  {
    id: 5,
    col: 11,
    at: '2017-06-01T02:00:00.000Z',
    title: '厦门市湖里区人民政府办公室关于印发湖里区重点工作安排的通知',
    docNumber: '厦湖府办〔2017〕69号',
    body: '各街道、区直各单位：现将安排印发给你们，请认真贯彻执行。',
  },
  {
    id: 6,
    col: 21,
    at: '2021-07-01T02:00:00.000Z',
    title: 'ICP备案管理办法',
    body: '网站开办者应当依法办理ICP备案手续（Internet Content Provider）。',
  },
  { id: 7, col: 12, at: '2020-08-01T02:00:00.000Z', title: '档案编号说明', body: '本档案编号为1690，另有编号A69。' },
  { id: 8, col: 12, at: '2019-01-01T02:00:00.000Z', title: '关于预算编制的说明', body: '本文说明编制方法。' },
  {
    id: 9,
    col: 21,
    at: '2025-01-01T02:00:00.000Z',
    title: '年度工作总结',
    body: '全年各项工作稳步推进，预算执行率达到百分之九十八，政务公开取得新进展，政府网站运行平稳。',
  },
  // Identical documents but for the date: equal scores, so the newer must come first.
  { id: 10, col: 12, at: '2020-01-01T02:00:00.000Z', title: '说明', body: '关于住房公积金缴存的说明。' },
  { id: 11, col: 12, at: '2021-01-01T02:00:00.000Z', title: '说明', body: '关于住房公积金缴存的说明。' },
];

function docOf(f: Fixture): SearchDocInput {
  const c = columnOf(f.col);
  return {
    itemId: f.id,
    organizationId: c.org,
    columnId: c.id,
    kind: c.kind,
    publishedAt: f.at,
    title: f.title,
    docNumber: f.docNumber,
    body: f.body,
  };
}

async function seedStructure(db: Kysely<Database>): Promise<void> {
  for (const org of [ORG1, ORG2]) {
    await db
      .insertInto('organizations')
      .values({
        id: org,
        parent_id: null,
        code: `ORG${org}`,
        slug: `org${org}`,
        name: `机关${org}`,
        short_name: '',
        kind: 'department',
        functions: '',
        address: '',
        postcode: '',
        phone: '',
        fax: '',
        email: '',
        office_hours: '',
        website: '',
        leadership: '[]',
        sort_order: 0,
        active: 1,
        created_at: NOW,
        updated_at: NOW,
      })
      .execute();
  }
  for (const c of COLUMNS) {
    await db
      .insertInto('columns')
      .values({
        id: c.id,
        organization_id: c.org,
        parent_id: null,
        code: `C${c.id}`,
        slug: `c${c.id}`,
        name: `栏目${c.id}`,
        kind: c.kind,
        description: '',
        static_html: '',
        standard_key: null,
        sort_order: 0,
        retired: 0,
        retired_at: null,
        created_at: NOW,
        updated_at: NOW,
      })
      .execute();
  }
}

/** Minimal published items rows, so search_docs' foreign key is satisfied. */
async function seedItems(db: Kysely<Database>, docs: readonly SearchDocInput[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 200) {
    await db
      .insertInto('items')
      .values(
        docs.slice(i, i + 200).map((d) => ({
          id: d.itemId,
          organization_id: d.organizationId,
          column_id: d.columnId,
          index_number: `IDX-${d.itemId}`,
          title: d.title,
          doc_number: d.docNumber ?? '',
          date_created: d.publishedAt.slice(0, 10),
          theme: '',
          genre: '',
          keywords: '',
          summary: '',
          working_body_html: '',
          disclosure: 'proactive',
          exemption: '',
          five_category: 'result',
          disclosure_method: '政府网站',
          status: 'published',
          change_kind: 'initial',
          change_note: '',
          scheduled_at: null,
          drafted_by: null,
          submitted_by: null,
          reviewed_by: null,
          approved_by: null,
          published_version: 1,
          first_published_at: d.publishedAt,
          last_published_at: d.publishedAt,
          withdrawn: 0,
          withdrawn_at: null,
          withdrawal_reason: null,
          withdrawal_note: null,
          replacement_item_id: null,
          source_ref: null,
          created_at: NOW,
          updated_at: NOW,
        })),
      )
      .execute();
  }
}

async function seedFixtures(t: TestDb): Promise<void> {
  await seedStructure(t.kysely);
  const docs = FIXTURES.map(docOf);
  await seedItems(t.kysely, docs);
  await t.kysely.transaction().execute((trx) => repo.indexDocuments(trx, docs));
}

async function ids(t: TestDb, q: string, filters: Record<string, number | string> = {}): Promise<number[]> {
  const r = await search({ db: t }, { q, limit: 100, ...filters });
  return r.hits.map((h) => h.itemId);
}

const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
const plain = (parts: readonly TextPart[]) => parts.map((p) => (p.hit ? `[${p.text}]` : p.text)).join('');

// Inputs that are FTS5 or tsquery syntax, or try to be.
const HOSTILE = [
  '*',
  '"',
  ':',
  '(',
  ')',
  'AND',
  'OR',
  'NOT',
  'NEAR',
  '-',
  '^',
  '预算*',
  '"预算',
  '预算"',
  'NEAR(预算 公开)',
  'NEAR(预算 公开, 2)',
  '预算 OR 公开',
  '预算 AND',
  'AND 预算',
  '-预算',
  '^预算',
  '+预算',
  'title_tokens:预算',
  '{title_tokens body_tokens}: 预算',
  'body_tokens : 公开',
  "'",
  "'预算':*A",
  '预算:*',
  '预算 & 公开',
  '预算 | 公开',
  '!预算',
  '<->',
  '预算 <-> 公开',
  '\\',
  '预算\\"',
  '"" "" ""',
  '"预算" "',
  '“预算',
  '」预算「',
  ';drop table search_docs;--',
  "' or 1=1 --",
  '%_%',
  '\u0000预算',
  '预算\u0000公开',
  '\ud800',
  '🙂',
  '* " : ( ) AND OR NEAR - ^',
];

// ---------------------------------------------------------------------------------------------------------

describe('tokens', () => {
  test('a CJK run gives its overlapping bigrams and its last character', () => {
    assert.equal(tokensFor('部门预算公开'), '部门 门预 预算 算公 公开 开');
    assert.equal(tokensFor('公开'), '公开 开');
    assert.equal(tokensFor('号'), '号');
  });

  test('Latin words and numbers are whole tokens in lower case, full-width folded to ASCII', () => {
    assert.equal(tokensFor('厦湖府办〔2017〕69号'), '厦湖 湖府 府办 办 2017 69 号');
    assert.equal(tokensFor('ICP备案 GB2312 ＩＣＰ２０１７'), 'icp 备案 案 gb2312 icp2017');
  });

  test('spaces inside Chinese text do not split it; punctuation and line breaks do', () => {
    assert.equal(tokensFor('主　任'), '主任 任');
    assert.equal(tokensFor('政务，公开'), '政务 务 公开 开');
    assert.equal(tokensFor('政务\n公开'), '政务 务 公开 开');
    assert.equal(tokensFor('한국어 텍스트'), '한국 국어 어 텍스 스트 트');
  });

  test('characters outside the Basic Multilingual Plane stay whole', () => {
    assert.equal(tokensFor('𠀀𠀁𠀂'), '𠀀𠀁 𠀁𠀂 𠀂');
  });

  test('a field keeps at most MAX_FIELD_TOKENS tokens and over-long words are dropped', () => {
    assert.equal(indexTokens('预算'.repeat(20_000)).length, MAX_FIELD_TOKENS);
    assert.equal(tokensFor(`预算 ${'a'.repeat(65)} 公开`), '预算 算 公开 开');
  });

  test('a query word is a phrase of bigrams; a lone last character is a prefix', () => {
    assert.deepEqual(
      queryTokens('政务公开').map((t) => t.text),
      ['政务', '务公', '公开'],
    );
    assert.deepEqual(queryTokens('预'), [{ text: '预', prefix: true }]);
    assert.deepEqual(queryTokens('69号'), [
      { text: '69', prefix: false },
      { text: '号', prefix: true },
    ]);
    // The run ends before 2017 in the text too, so its tail is part of the phrase.
    assert.deepEqual(
      queryTokens('府办〔2017〕').map((t) => t.text),
      ['府办', '办', '2017'],
    );
    assert.deepEqual(queryTokens('*:()'), []);
  });

  test('htmlToText keeps paragraphs apart and decodes entities', () => {
    assert.equal(
      htmlToText('<p>第一段&nbsp;文字</p><p>　　第二段&#x4E00;&amp;&#26465;<br>三</p><script>x()</script>'),
      '第一段 文字\n第二段一&条\n三',
    );
    assert.equal(tokensFor(htmlToText('<td>政务</td><td>公开</td>')), '政务 务 公开 开');
  });

  test('the year of a document is its year of publication in Beijing time', () => {
    const doc = { ...docOf(FIXTURES[0]), publishedAt: '2024-12-31T17:00:00.000Z' };
    assert.equal(searchDocRow(doc).year, 2025);
    assert.equal(searchDocRow({ ...doc, year: 2024 }).year, 2024);
    assert.equal(searchDocRow(docOf(FIXTURES[4])).title_tokens.includes('2017 69 号'), true);
  });
});

describe('parseQuery', () => {
  test('words separated by spaces are separate required terms', () => {
    assert.deepEqual(
      parseQuery('  预算   公开 ').terms.map((t) => [t.text, t.phrase]),
      [
        ['预算', false],
        ['公开', false],
      ],
    );
  });

  test('ASCII, full-width and Chinese quotes make one phrase term', () => {
    for (const q of ['"政务 公开"', '＂政务 公开＂', '“政务 公开”', '“政务 公开“', '「政务 公开」', '『政务 公开』']) {
      const p = parseQuery(`${q} 预算`);
      assert.deepEqual(
        p.terms.map((t) => [t.text, t.phrase]),
        [
          ['政务 公开', true],
          ['预算', false],
        ],
        q,
      );
    }
    assert.deepEqual(
      parseQuery('"政务公开').terms.map((t) => t.text),
      ['政务公开'],
      'an unclosed quote runs to the end',
    );
  });

  test('operators and punctuation-only words are ignored, never passed on', () => {
    const p = parseQuery('预算 OR 公开 AND NOT NEAR(监督) * -');
    assert.deepEqual(
      p.terms.map((t) => t.text),
      ['预算', '公开', '监督'],
    );
    assert.deepEqual(p.ignored, ['OR', 'AND', 'NOT', 'NEAR', '*', '-']);
    assert.deepEqual(
      parseQuery('"AND"').terms.map((t) => t.tokens[0].text),
      ['and'],
      'a quoted operator is an ordinary word',
    );
  });

  test('at most 100 characters and 10 terms; duplicates count once', () => {
    const many = parseQuery('一一 二二 三三 四四 五五 六六 七七 八八 九九 十十 百百 千千');
    assert.equal(many.terms.length, MAX_QUERY_TERMS);
    assert.equal(many.truncated, true);
    const long = parseQuery('预'.repeat(150));
    assert.equal(long.truncated, true);
    assert.equal(long.terms[0].text.length, 100);
    assert.equal(parseQuery('预算 预算 ＩＣＰ icp').terms.length, 2);
  });

  test('an empty or meaningless query has no terms', () => {
    for (const q of ['', '   ', '""', '“”', '***', ':', undefined, null]) {
      assert.deepEqual(parseQuery(q).terms, [], String(q));
    }
  });
});

describe('query strings for the engines', () => {
  const tok = (text: string, prefix = false) => ({ text, prefix });
  const phrases = [[tok('预算')], [tok('政务'), tok('务公'), tok('公开')], [tok('69'), tok('号', true)]];

  test('FTS5: every phrase quoted, all required, a lone last character as a prefix; title needles', () => {
    assert.equal(repo.ftsMatch(phrases), '"预算" AND "政务 务公 公开" AND "69 号"*');
    assert.deepEqual(
      phrases.map((p) => repo.titleNeedle(p)),
      [' 预算 ', ' 政务 务公 公开 ', ' 69 号'],
    );
  });

  test('tsquery of every token: & between all of them, :* for a prefix', () => {
    const q = parseQuery('行政处罚 “厦湖府办〔2017”  预');
    assert.equal(
      repo.tsAndQuery(q.terms.map((t) => t.tokens)),
      "'行政' & '政处' & '处罚' & '厦湖' & '湖府' & '府办' & '办' & '2017' & '预':*",
    );
  });

  test('tsquery: <-> inside a phrase, & between phrases, :* for a prefix', () => {
    assert.equal(repo.tsQuery(phrases), "'预算' & ('政务' <-> '务公' <-> '公开') & ('69' <-> '号':*)");
  });

  test('a token that is not letters and digits only is refused, never quoted into a query', () => {
    for (const bad of ['"', "'", 'a b', '预算"', 'x:*', '', '*']) {
      assert.throws(() => repo.ftsMatch([[tok(bad)]]), /unsafe token/, bad);
      assert.throws(() => repo.tsQuery([[tok(bad)]]), /unsafe token/, bad);
    }
    assert.throws(() => repo.ftsMatch([[tok('预', true), tok('算')]]), /prefix/);
    assert.throws(() => repo.ftsMatch([[]]), /empty phrase/);
  });

  test('every parsed hostile input yields only safe tokens', () => {
    for (const q of HOSTILE) {
      const terms = parseQuery(q).terms;
      if (terms.length === 0) continue;
      assert.doesNotThrow(() => repo.ftsMatch(terms.map((x) => x.tokens)), q);
      assert.doesNotThrow(() => repo.tsQuery(terms.map((x) => x.tokens)), q);
    }
  });
});

describe('highlighting', () => {
  test('highlightTitle marks every occurrence of every term', () => {
    assert.equal(
      plain(highlightTitle('部门预算公开和政务公开', ['预算', '公开'])),
      '部门[预算][公开]和政务[公开]',
      'touching hits are separate parts of the same text',
    );
    assert.equal(plain(highlightTitle('厦湖府办〔2017〕69号', ['厦湖府办〔2017〕69号'])), '[厦湖府办〔2017〕69号]');
    assert.equal(
      plain(highlightTitle('ICP备案与topicpage，编号1690', ['icp', '69'])),
      '[ICP]备案与topicpage，编号1690',
    );
    assert.equal(plain(highlightTitle('政务 公开', ['政务公开'])), '[政务 公开]');
    assert.deepEqual(highlightTitle('无关标题', ['预算']), [{ text: '无关标题', hit: false }]);
  });

  test('snippet picks the window with the most terms and marks the cuts', () => {
    const text = `${'前言部分的内容。'.repeat(20)}本年度部门预算已经公开。${'其他内容。'.repeat(20)}预算。${'结尾。'.repeat(20)}`;
    const parts = snippet(text, ['预算', '公开'], 40);
    const s = plain(parts);
    assert.match(s, /^…/);
    assert.match(s, /…$/);
    assert.ok(s.includes('[预算]已经[公开]'), s);
    assert.ok(
      parts
        .map((p) => p.text)
        .join('')
        .replace(/…/g, '').length <= 40,
    );
    assert.ok(parts.every((p) => !p.text.includes('<')));
  });

  test('snippet without hits gives the beginning; empty text gives nothing; short text is not cut', () => {
    assert.equal(plain(snippet('第一条 为了规范管理，制定本办法。', ['预算'], 8)), '第一条 为了规范…');
    assert.deepEqual(snippet('', ['预算']), []);
    assert.equal(plain(snippet('  部门\n\n预算  ', ['预算'])), '部门 [预算]');
  });

  test('text that looks like HTML stays text (escaping is the view’s job)', () => {
    assert.equal(plain(snippet('<b>预算</b>', ['预算'])), '<b>[预算]</b>');
  });
});

// ---------------------------------------------------------------------------------------------------------

for (const engine of testEngines()) {
  describe(`search on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine);
      await seedFixtures(t);
    });
    after(() => t?.dispose());

    test('预算 finds it in a title (部门预算公开) and in a body', async () => {
      assert.deepEqual(sorted(await ids(t, '预算')), [1, 2, 8, 9]);
    });

    test('公开 alone finds every document containing it', async () => {
      assert.deepEqual(sorted(await ids(t, '公开')), [1, 3, 4, 9]);
    });

    test('two words must both match', async () => {
      assert.deepEqual(sorted(await ids(t, '预算 公开')), [1, 9]);
      assert.deepEqual(sorted(await ids(t, '政务 公开')), [3, 4, 9]);
      assert.deepEqual(await ids(t, '预算 不存在的词'), []);
    });

    test('a quoted phrase matches only adjacent text, in every quote style', async () => {
      for (const q of ['"政务公开"', '“政务公开”', '「政务公开」', '政务公开', '"政务 公开"']) {
        assert.deepEqual(sorted(await ids(t, q)), [3, 9], q);
      }
      assert.deepEqual(await ids(t, '"公开政务"'), []);
      assert.deepEqual(sorted(await ids(t, '"政务公开工作"')), [3]);
    });

    test('title matches rank above body-only matches, newest first among equals', async () => {
      const r = await search({ db: t }, { q: '预算' });
      assert.deepEqual(
        r.hits.map((h) => h.titleHit),
        [true, true, false, false],
      );
      assert.deepEqual(
        r.hits.map((h) => h.itemId),
        [1, 8, 9, 2],
        'title matches, newest first; then body matches, newest first',
      );
      const two = await search({ db: t }, { q: '预算 公开' });
      assert.deepEqual(
        two.hits.map((h) => [h.itemId, h.score, h.titleHit]),
        [
          [1, 2, true],
          [9, 0, false],
        ],
      );
      const some = await search({ db: t }, { q: '预算 说明' });
      assert.deepEqual(
        some.hits.map((h) => [h.itemId, h.score]),
        [[8, 2]],
      );
      const partial = await search({ db: t }, { q: '政府 预算' });
      assert.deepEqual(
        partial.hits.map((h) => [h.itemId, h.score]),
        [
          [2, 1],
          [9, 0],
        ],
        'a title with one of the two terms comes before body-only matches',
      );
      assert.deepEqual(await ids(t, '公积金'), [11, 10], 'identical documents: the newer first');
      const one = async (offset: number) =>
        (await search({ db: t }, { q: '公积金', limit: 1, offset })).hits.map((h) => h.itemId);
      assert.deepEqual([...(await one(0)), ...(await one(1))], [11, 10], 'a tie across a page boundary');
    });

    test('filters by year, organization, column and kind', async () => {
      assert.deepEqual(sorted(await ids(t, '公开', { year: 2024 })), [1, 3]);
      assert.deepEqual(sorted(await ids(t, '公开', { organizationId: ORG2 })), [3, 4, 9]);
      assert.deepEqual(sorted(await ids(t, '公开', { columnId: 11 })), [1]);
      assert.deepEqual(sorted(await ids(t, '公开', { kind: 'notices' })), [3, 4, 9]);
      assert.deepEqual(await ids(t, '公开', { organizationId: ORG2, year: 2017 }), []);
    });

    test('document numbers, digits and Latin words match whole and case-insensitively', async () => {
      assert.deepEqual(await ids(t, '69号'), [5]);
      assert.deepEqual(await ids(t, '2017'), [5]);
      assert.deepEqual(await ids(t, '２０１７'), [5]);
      assert.deepEqual(await ids(t, '69'), [5], '1690 and A69 are other numbers');
      assert.deepEqual(await ids(t, '厦湖府办〔2017〕69号'), [5]);
      assert.deepEqual(await ids(t, '府办〔2017'), [5]);
      assert.deepEqual(await ids(t, '湖府办'), [5]);
      for (const q of ['ICP', 'icp', 'Icp', 'ＩＣＰ', 'ICP备案', '"content provider"']) {
        assert.deepEqual(await ids(t, q), [6], q);
      }
      assert.deepEqual(await ids(t, '"provider content"'), []);
    });

    test('a single character finds the words that contain it, at any position', async () => {
      assert.deepEqual(sorted(await ids(t, '预')), [1, 2, 8, 9]);
      assert.deepEqual(sorted(await ids(t, '算')), [1, 2, 8, 9]);
      assert.deepEqual(sorted(await ids(t, '号')), [5, 7]);
      assert.deepEqual(await ids(t, '鑫'), []);
    });

    test('FTS and tsquery syntax in the input never causes an error', async () => {
      for (const q of HOSTILE) {
        const r = await search({ db: t }, { q });
        assert.ok(Array.isArray(r.hits), q);
      }
      assert.deepEqual(sorted(await ids(t, 'NEAR(预算 公开)')), [1, 9]);
      assert.deepEqual(sorted(await ids(t, '预算*')), [1, 2, 8, 9]);
      assert.deepEqual(sorted(await ids(t, '-预算')), [1, 2, 8, 9]);
      assert.deepEqual(await ids(t, 'title_tokens:预算'), []);
    });

    test('an empty query gives an empty result, not an exception', async () => {
      for (const q of ['', '   ', '""', '***']) {
        const r = await search({ db: t }, { q });
        assert.equal(r.empty, true, q);
        assert.equal(r.total, 0);
        assert.deepEqual(r.hits, []);
      }
      assert.equal((await search({ db: t }, { q: '不存在' })).empty, false);
    });

    test('pages: total counts every match; a page past the end is empty but keeps the total', async () => {
      const p1 = await search({ db: t }, { q: '公开', limit: 3 });
      const p2 = await search({ db: t }, { q: '公开', limit: 3, offset: 3 });
      const p9 = await search({ db: t }, { q: '公开', limit: 3, offset: 30 });
      assert.equal(p1.total, 4);
      assert.equal(p1.hits.length, 3);
      assert.equal(p2.total, 4);
      assert.equal(p2.hits.length, 1);
      assert.deepEqual(sorted([...p1.hits, ...p2.hits].map((h) => h.itemId)), [1, 3, 4, 9]);
      assert.equal(p9.total, 4);
      assert.deepEqual(p9.hits, []);
      const clamped = await search({ db: t }, { q: '公开', limit: 10_000, offset: -5 });
      assert.equal(clamped.limit, 100);
      assert.equal(clamped.offset, 0);
    });

    test('beyond the candidate cap the newest matches are ranked and the result says it is capped', async () => {
      const phrases = parseQuery('公开').terms.map((x) => x.tokens);
      const all = await repo.searchDocuments(t.kysely, engine, { phrases, limit: 10, offset: 0 });
      assert.equal(all.capped, false);
      assert.equal(all.total, 4);
      // 公开 is in the titles of items 1 and 3 and in the bodies of 4 and 9; titleCandidates: 1 keeps the title
      // index to the newest title match (3), so only the cap decides here.
      const only = { titleCandidates: 1 };
      const capped = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        limit: 10,
        offset: 0,
        candidates: 3,
        ...only,
      });
      assert.equal(capped.capped, true);
      assert.equal(capped.total, 3);
      assert.deepEqual(sorted(capped.hits.map((h) => h.itemId)), [3, 4, 9], 'the three highest item ids');
      const exact = await repo.searchDocuments(t.kysely, engine, { phrases, limit: 10, offset: 0, candidates: 4 });
      assert.deepEqual([exact.total, exact.capped], [4, false]);
      const page2 = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        limit: 2,
        offset: 2,
        candidates: 3,
        ...only,
      });
      assert.equal(page2.hits.length, 1);
      const past = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        limit: 2,
        offset: 8,
        candidates: 3,
        ...only,
      });
      assert.deepEqual([past.total, past.capped, past.hits.length], [3, true, 0]);
      const filtered = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        organizationId: ORG1,
        kind: 'policies',
        limit: 10,
        offset: 0,
        candidates: 1,
      });
      assert.deepEqual([filtered.total, filtered.capped, filtered.hits.map((h) => h.itemId)], [1, false, [1]]);
    });

    test('a title match older than the capped candidates is still ranked first', async () => {
      const phrases = parseQuery('公开').terms.map((x) => x.tokens);
      // The two newest matches (4, 9) are body-only; the title matches 1 and 3 come from the title index.
      const r = await repo.searchDocuments(t.kysely, engine, { phrases, limit: 10, offset: 0, candidates: 2 });
      assert.equal(r.capped, true);
      assert.equal(r.total, 4, 'two candidates and two older title matches');
      assert.deepEqual(
        r.hits.map((h) => [h.itemId, h.titleHit]),
        [
          [3, true],
          [1, true],
          [9, false],
          [4, false],
        ],
        'title matches first (newest first), then the body-only candidates',
      );
      // The title index obeys the filters too: organization, year and kind.
      const byYear = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        year: Number(FIXTURES[0].at.slice(0, 4)),
        limit: 10,
        offset: 0,
        candidates: 1,
      });
      assert.deepEqual(
        byYear.hits.map((h) => h.itemId),
        [3, 1],
      );
      const wrongKind = await repo.searchDocuments(t.kysely, engine, {
        phrases,
        kind: 'no-such-kind',
        limit: 10,
        offset: 0,
        candidates: 1,
      });
      assert.deepEqual([wrongKind.total, wrongKind.hits.length], [0, 0]);
      // A withdrawn (removed) document leaves the title index with the full-text one.
      await t.kysely.transaction().execute((trx) => repo.removeDocument(trx, 1));
      const after = await repo.searchDocuments(t.kysely, engine, { phrases, limit: 10, offset: 0, candidates: 2 });
      assert.deepEqual(sorted(after.hits.map((h) => h.itemId)), [3, 4, 9]);
      await repo.indexDocuments(t.kysely, [docOf(FIXTURES[0])]);
    });

    test('hits carry the highlighted title and, given the texts, a snippet', async () => {
      const texts = async (itemIds: number[]) =>
        new Map(FIXTURES.filter((f) => itemIds.includes(f.id)).map((f) => [f.id, f.body]));
      const r = await search({ db: t, texts }, { q: '预算 公开' });
      const first = r.hits.find((h) => h.itemId === 1)!;
      assert.equal(plain(first.titleParts), '关于2024年部门[预算][公开]的通知');
      assert.ok(plain(first.snippet).includes('[预算]予以[公开]'), plain(first.snippet));
      assert.equal(first.organizationId, ORG1);
      assert.equal(first.columnId, 11);
      assert.equal(first.publishedAt, '2024-03-01T02:00:00.000Z');
    });

    test('re-indexing replaces a document and removing it takes it out of the results', async () => {
      const doc = { ...docOf(FIXTURES[6]), title: '档案编号更正说明', body: '新的正文提到绩效评价。' };
      await t.kysely.transaction().execute((trx) => repo.indexDocument(trx, doc));
      assert.deepEqual(await ids(t, '绩效评价'), [7]);
      assert.deepEqual(await ids(t, '1690'), []);
      assert.deepEqual(await ids(t, '更正'), [7]);
      await repo.indexDocuments(t.kysely, [
        { ...doc, title: '第一次' },
        { ...doc, title: '第二次更正' },
      ]);
      assert.deepEqual(await ids(t, '第二次'), [7], 'the same item twice in one batch: the last wins');
      assert.deepEqual(await ids(t, '第一次'), []);
      assert.equal(await t.kysely.transaction().execute((trx) => repo.removeDocument(trx, 7)), true);
      assert.equal(await repo.removeDocument(t.kysely, 7), false);
      assert.deepEqual(await ids(t, '绩效评价'), []);
      assert.equal(await repo.countDocuments(t.kysely), FIXTURES.length - 1);
      // Deleting the item removes its index entry too (foreign key with cascade).
      await t.kysely.deleteFrom('items').where('id', '=', 7).execute();
      if (engine === 'sqlite') {
        await sql`insert into search_fts(search_fts) values ('integrity-check')`.execute(t.kysely);
      }
    });

    test('the stored tokens reach the engine unchanged: same tokens, same positions', async () => {
      const samples = [
        ...FIXTURES.map((f) => `${f.title}\n${f.body}`),
        'ICP备案 GB2312 v1 1e5 0x1f 1st 3.14 x-y a_b COVID-19 H7N9',
        '𠀀𠀁𠀂 日本語のテキスト 한국어 텍스트 Ⅻ ½ éÉ ǅ ß İstanbul',
        `${'甲'.repeat(50)} ${'abc '.repeat(30)}`,
      ];
      for (const text of samples) {
        const tokens = indexTokens(text);
        const engineTokens =
          engine === 'sqlite'
            ? await sqliteTokens(t.kysely, tokens.join(' '))
            : await pgTokens(t.kysely, tokens.join(' '));
        assert.deepEqual(engineTokens, tokens, text);
      }
    });
  });
}

/** The tokens FTS5's unicode61 tokenizer makes of a string, in order (through a scratch FTS5 table). */
async function sqliteTokens(db: Kysely<Database>, text: string): Promise<string[]> {
  await sql`create virtual table if not exists temp.tok_probe using fts5(x, tokenize='unicode61 remove_diacritics 0')`.execute(
    db,
  );
  await sql`create virtual table if not exists temp.tok_probe_v using fts5vocab(temp, tok_probe, instance)`.execute(db);
  await sql`delete from temp.tok_probe`.execute(db);
  await sql`insert into temp.tok_probe(x) values (${text})`.execute(db);
  const r = await sql<{ term: string }>`select term from temp.tok_probe_v order by offset`.execute(db);
  return r.rows.map((x) => x.term);
}

/** The lexemes of to_tsvector('simple', …), in position order. */
async function pgTokens(db: Kysely<Database>, text: string): Promise<string[]> {
  const r = await sql<{ lexeme: string; pos: number }>`
    select lexeme, unnest(positions) as pos from unnest(to_tsvector('simple', ${text})) order by pos`.execute(db);
  const out: string[] = [];
  for (const row of r.rows) out[Number(row.pos) - 1] = row.lexeme;
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const PARITY_QUERIES = [
  '预算',
  '公开',
  '预算 公开',
  '政务 公开',
  '"政务公开"',
  '政务公开工作',
  '69号',
  '2017',
  '69',
  'ICP',
  'internet provider',
  '预',
  '算',
  '号',
  '年',
  '的',
  '关于 通知',
  ...HOSTILE,
];

describe('SQLite and PostgreSQL give the same hits', {
  skip: !process.env.GONGKAI_TEST_PG_URL && 'no PostgreSQL here (GONGKAI_TEST_PG_URL is not set)',
}, () => {
  const dbs: Partial<Record<Engine, TestDb>> = {};
  before(async () => {
    for (const engine of ['sqlite', 'postgres'] as const) {
      dbs[engine] = await createTestDb(engine);
      await seedFixtures(dbs[engine]!);
    }
  });
  after(async () => {
    await dbs.sqlite?.dispose();
    await dbs.postgres?.dispose();
  });

  test('every query: same total, same hits in the same order, same scores', async () => {
    for (const q of PARITY_QUERIES) {
      for (const filters of [{}, { organizationId: ORG1 }, { year: 2024 }]) {
        const [a, b] = await Promise.all([
          search({ db: dbs.sqlite! }, { q, limit: 100, ...filters }),
          search({ db: dbs.postgres! }, { q, limit: 100, ...filters }),
        ]);
        const label = `${q} ${JSON.stringify(filters)}`;
        assert.equal(a.total, b.total, label);
        assert.equal(a.capped, b.capped, label);
        assert.deepEqual(
          a.hits.map((h) => [h.itemId, h.score]),
          b.hits.map((h) => [h.itemId, h.score]),
          `${label}: same hits in the same order`,
        );
        assert.deepEqual(
          sorted(a.hits.filter((h) => h.titleHit).map((h) => h.itemId)),
          sorted(b.hits.filter((h) => h.titleHit).map((h) => h.itemId)),
          label,
        );
        const phrases = a.query.terms.map((x) => x.tokens);
        const [ca, cb] = await Promise.all(
          (['sqlite', 'postgres'] as const).map((e) =>
            repo.searchDocuments(dbs[e]!.kysely, e, { phrases, ...filters, limit: 100, offset: 0, candidates: 2 }),
          ),
        );
        assert.deepEqual([ca.total, ca.capped], [cb.total, cb.capped], `${label} capped`);
        assert.deepEqual(
          ca.hits.map((h) => h.itemId),
          cb.hits.map((h) => h.itemId),
          `${label} capped`,
        );
        // Both ways PostgreSQL can find the candidates give the same (see pgOrdered in search.repository.ts).
        for (const pgCandidates of ['direct', 'ordered'] as const)
          for (const candidates of [2, undefined]) {
            const [x, y] = await Promise.all([
              repo.searchDocuments(dbs.sqlite!.kysely, 'sqlite', {
                phrases,
                ...filters,
                limit: 100,
                offset: 0,
                candidates,
              }),
              repo.searchDocuments(dbs.postgres!.kysely, 'postgres', {
                phrases,
                ...filters,
                limit: 100,
                offset: 0,
                candidates,
                pgCandidates,
              }),
            ]);
            assert.deepEqual(
              [y.total, y.capped, y.hits.map((h) => [h.itemId, h.score])],
              [x.total, x.capped, x.hits.map((h) => [h.itemId, h.score])],
              `${label} ${pgCandidates} ${candidates ?? 'no cap'}`,
            );
          }
      }
    }
  });
});

describe('PostgreSQL: the filters as lexemes of the tsvector (migration 0014)', {
  skip: !process.env.GONGKAI_TEST_PG_URL && 'no PostgreSQL here (GONGKAI_TEST_PG_URL is not set)',
}, () => {
  let pg: TestDb;
  before(async () => {
    pg = await createTestDb('postgres');
    await seedFixtures(pg);
  });
  after(() => pg.dispose());

  test('each document carries its organization, column and year; nobody can type them, and text that spells them is still filtered by its columns', async () => {
    const row = await sql<{
      lexemes: string[];
    }>`select tsvector_to_array(tsv) as lexemes from search_docs where item_id = 3`.execute(pg.kysely);
    const lexemes = row.rows[0].lexemes;
    for (const l of [`_o${ORG2}`, '_c21', '_y2024']) assert.ok(lexemes.includes(l), l);
    // A document of ORG2 whose body spells ORG1's filter token and another year's.
    const doc = docOf({
      id: 9001,
      col: 21,
      at: '2021-06-01T02:00:00.000Z',
      title: '编码说明',
      body: `预算 _o${ORG1} _y2024 o${ORG1} y2024`,
    });
    await seedItems(pg.kysely, [doc]);
    await pg.kysely.transaction().execute((trx) => repo.indexDocuments(trx, [doc]));
    assert.ok(!(await ids(pg, '预算', { organizationId: ORG1 })).includes(9001), 'not in the other organization');
    assert.ok(!(await ids(pg, '预算', { year: 2024 })).includes(9001), 'not in the other year');
    assert.ok((await ids(pg, '预算', { organizationId: ORG2, year: 2021 })).includes(9001), 'in its own');
    assert.deepEqual(await ids(pg, '预算', { organizationId: -1 }), [], 'an impossible filter matches nothing');
    // Typed into the search box, a filter token finds only text that holds its letters, as on SQLite: not the
    // documents of ORG2, which all carry _o2.
    assert.deepEqual(await ids(pg, `_o${ORG2}`), []);
    assert.deepEqual(await ids(pg, `_o${ORG1}`), [9001]);
    assert.deepEqual(await ids(pg, '_y2024'), [9001]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Real text: ~2,000 articles of the laws corpus, when ../shared/data has it.

const CORPUS = lawsCorpusPath();
const CORPUS_DOCS = 2_000;

describe('laws corpus', {
  skip: !CORPUS && 'laws-corpus.jsonl.gz not found (../shared/data or GONGKAI_LAWS_CORPUS)',
}, () => {
  const dbs: Partial<Record<Engine, TestDb>> = {};
  const docs: SearchDocInput[] = [];

  before(async () => {
    // Articles of up to 600 characters: those of the two laws the queries name (up to 60 each), then articles
    // spread evenly over the rest of the corpus.
    const named = (title: string) => /行政许可法|政府信息公开条例/.test(title);
    const picked: { title: string; body: string; date: string }[] = [];
    const others: typeof picked = [];
    const perNamed = new Map<string, number>();
    for await (const p of lawParagraphs(CORPUS!)) {
      if (!p.article || p.text.length > 600) continue;
      const piece = { title: `${p.lawTitle} ${p.article}`, body: p.text, date: p.date };
      if (!named(p.lawTitle)) others.push(piece);
      else if ((perNamed.get(p.lawTitle) ?? 0) < 60) {
        picked.push(piece);
        perNamed.set(p.lawTitle, (perNamed.get(p.lawTitle) ?? 0) + 1);
      }
    }
    const step = Math.max(1, Math.floor(others.length / (CORPUS_DOCS - picked.length)));
    for (let i = 0; i < others.length && picked.length < CORPUS_DOCS; i += step) picked.push(others[i]);
    for (const p of picked) {
      const id = docs.length + 1;
      const col = COLUMNS[id % COLUMNS.length];
      docs.push({
        itemId: id,
        organizationId: col.org,
        columnId: col.id,
        kind: col.kind,
        publishedAt: `${p.date}T02:00:00.000Z`,
        title: p.title,
        body: p.body,
      });
    }
    for (const engine of testEngines()) {
      const t = await createTestDb(engine);
      dbs[engine] = t;
      await seedStructure(t.kysely);
      await seedItems(t.kysely, docs);
      await t.kysely.transaction().execute((trx) => repo.indexDocuments(trx, docs));
    }
  });
  after(async () => {
    await dbs.sqlite?.dispose();
    await dbs.postgres?.dispose();
  });

  // What a reader would expect: the documents whose title or text contains every word.
  const expected = (words: string[]) =>
    docs
      .filter((d) => {
        const hay = [d.title, d.body].map((s) => normalizeText(s).replace(/[\t\p{Zs}]+/gu, ''));
        return words.every((w) => hay.some((h) => h.includes(w)));
      })
      .map((d) => d.itemId);

  const QUERIES = [['行政许可'], ['政府信息公开'], ['法律责任'], ['听证'], ['违反', '罚款'], ['人民政府', '备案']];

  test('realistic queries find exactly the articles that contain the words, on every engine', async () => {
    assert.equal(docs.length, CORPUS_DOCS);
    for (const words of QUERIES) {
      const want = sorted(expected(words));
      assert.ok(want.length > 0, `the sample contains ${words.join(' ')}`);
      for (const [engine, t] of Object.entries(dbs)) {
        const r = await search({ db: t! }, { q: words.join(' '), limit: 100 });
        assert.equal(r.total, want.length, `${engine}: ${words.join(' ')}`);
        const all = await repo.searchDocuments(t!.kysely, t!.engine, {
          phrases: parseQuery(words.join(' ')).terms.map((x) => x.tokens),
          limit: 5_000,
          offset: 0,
        });
        assert.deepEqual(sorted(all.hits.map((h) => h.itemId)), want, `${engine}: ${words.join(' ')}`);
      }
    }
  });

  test('articles of the law named in the query come first', async () => {
    for (const [engine, t] of Object.entries(dbs)) {
      for (const q of ['行政许可', '政府信息公开']) {
        const r = await search({ db: t! }, { q, limit: 10 });
        assert.ok(r.hits.length > 0, `${engine}: ${q}`);
        assert.ok(
          r.hits.slice(0, 3).every((h) => h.titleHit && h.title.includes(q)),
          `${engine}: ${q}: ${r.hits.map((h) => h.title).join(' | ')}`,
        );
      }
    }
  });
});
