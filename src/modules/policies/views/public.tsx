import { PageNumbers } from '../../../platform/render/components.js';
import { itemHref } from '../../publishing/views/public.js';
import { POLICY_TYPES, type PolicyType } from '../policies.schema.js';
import type { PolicyDetail, StatusView } from '../policies.service.js';

// The marking on the original (在原文件上标注): a document no longer fully in force carries this banner at the
// top of its page (and so of its printout): the status, since when, by which document, with a link.
export function StatusBanner({ s }: { s: StatusView }) {
  if (!s.banner) return null;
  const verb = s.status === 'amended' ? '修改' : s.status === 'abolished' ? '废止' : '';
  return (
    <div class={`banner banner-policy banner-${s.status}`} role="note" aria-label="效力状态">
      <p>
        <strong>
          本文件{s.status === 'amended' ? '已被修改' : s.status === 'abolished' ? '已废止' : '已失效'}（效力状态：
          {s.label}），自 {s.since} 起{s.status === 'amended' ? '按修改后的规定执行' : '不再执行'}。
        </strong>
      </p>
      {s.by ? (
        <p>
          {verb}依据：
          <a href={itemHref(s.by.orgSlug, s.by.itemId)}>
            《{s.by.title}》{s.by.docNumber ? `（${s.by.docNumber}）` : ''}
          </a>
        </p>
      ) : s.status === 'expired' ? (
        <p>本文件有效期已届满{s.since ? `（有效期至 ${prevDay(s.since)}）` : ''}，或经清理宣布失效。</p>
      ) : null}
    </div>
  );
}

function prevDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function PolicyFacts({ d }: { d: PolicyDetail }) {
  const p = d.policy;
  return (
    <section aria-labelledby="policy-facts" class="policy-facts">
      <h2 id="policy-facts">文件效力信息</h2>
      <div class="table-scroll">
        <table class="item-meta">
          <caption class="visually-hidden">政策文件效力信息</caption>
          <tbody>
            <tr>
              <th scope="row">文件类型</th>
              <td>{POLICY_TYPES[p.policy_type as PolicyType] ?? p.policy_type}</td>
              <th scope="row">效力状态</th>
              <td>
                <strong class={`policy-status policy-status-${d.status.status}`}>{d.status.label}</strong>
              </td>
            </tr>
            <tr>
              <th scope="row">文号</th>
              <td>{p.doc_number || '无'}</td>
              <th scope="row">发文机关</th>
              <td>{d.issuers.join('、')}</td>
            </tr>
            <tr>
              <th scope="row">成文日期</th>
              <td>{p.date_signed}</td>
              <th scope="row">施行日期</th>
              <td>{p.date_effective}</td>
            </tr>
            <tr>
              <th scope="row">有效期至</th>
              <td>{p.valid_until ?? '长期'}</td>
              <th scope="row">主题</th>
              <td>{p.theme || '无'}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {d.relations.length > 0 ? (
        <>
          <h3>关联文件</h3>
          <ul class="list-plain policy-relations">
            {d.relations.map((r) => (
              <li>
                <span>{r.label}：</span>
                <a href={itemHref(r.other.orgSlug, r.other.itemId)}>
                  《{r.other.title}》{r.other.docNumber ? `（${r.other.docNumber}）` : ''}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export interface RelatedGroup {
  form: string;
  label: string;
  items: { item_id: number; title: string; org_slug: string; by_principal: number; principal_name: string }[];
}

/** 相关解读 on a policy's page, grouped by form. */
export function RelatedInterpretations({ groups }: { groups: RelatedGroup[] }) {
  if (groups.length === 0) return null;
  return (
    <section aria-labelledby="related-interpretations" class="related-interpretations">
      <h2 id="related-interpretations">相关解读</h2>
      {groups.map((g) => (
        <div class="interpretation-group">
          <h3>{g.label}</h3>
          <ul class="list-plain">
            {g.items.map((x) => (
              <li>
                <a href={itemHref(x.org_slug, x.item_id)}>{x.title}</a>
                {x.by_principal ? (
                  <span class="tag">主要负责人解读{x.principal_name ? `：${x.principal_name}` : ''}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

export interface InterpretationPageData {
  itemId: number;
  orgSlug: string;
  formLabel: string;
  byPrincipal: boolean;
  principalName: string;
  responsibleOrg: string;
  hasTranscript: boolean;
  /** Shown only with its WebVTT captions (a video interpretation cannot be submitted without them). */
  video: null | { src: string; type: string; poster: string | null; posterAlt: string; captions: string };
  policies: { item_id: number; title: string; doc_number: string; org_slug: string }[];
}

/** On an interpretation's page: its form, the video with captions, the transcript link and the policies it interprets. */
export function InterpretationSection({ d }: { d: InterpretationPageData }) {
  return (
    <section aria-labelledby="interpretation-of" class="interpretation-of">
      <p class="meta">
        解读形式：{d.formLabel} ｜ 解读单位：{d.responsibleOrg}
        {d.byPrincipal ? ` ｜ 主要负责人解读${d.principalName ? `（${d.principalName}）` : ''}` : ''}
      </p>
      {d.video ? (
        <figure class="interpretation-video">
          <video
            controls
            preload="metadata"
            poster={d.video.poster ?? undefined}
            aria-describedby={d.video.posterAlt ? `video-poster-${d.itemId}` : undefined}
          >
            <source src={d.video.src} type={d.video.type} />
            <track kind="captions" src={d.video.captions} srclang="zh" label="中文字幕" default />
            您的浏览器不能播放此视频，请<a href={d.video.src}>下载视频</a>观看。
          </video>
          {d.video.posterAlt ? (
            <figcaption id={`video-poster-${d.itemId}`} class="meta">
              视频封面：{d.video.posterAlt}
            </figcaption>
          ) : null}
        </figure>
      ) : null}
      {d.hasTranscript ? (
        <p>
          <a href={`/org/${d.orgSlug}/interpretations/${d.itemId}/transcript`}>查看访谈实录</a>
        </p>
      ) : null}
      <h2 id="interpretation-of">解读的政策文件</h2>
      <ul class="list-plain">
        {d.policies.map((p) => (
          <li>
            <a href={itemHref(p.org_slug, p.item_id)}>
              《{p.title}》{p.doc_number ? `（${p.doc_number}）` : ''}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface LibraryRow {
  item_id: number;
  title: string;
  doc_number: string;
  policy_type: string;
  date_signed: string;
  date_effective: string;
  status: string;
  status_label: string;
  org_slug: string;
  org_name: string;
}

export function LibraryPage(p: {
  action: string;
  rows: LibraryRow[];
  total: number;
  page: number;
  pages: number;
  values: Record<string, string>;
  facets: { issuers: string[]; themes: string[]; years: number[] };
  feedHref?: string;
  atomHref?: string;
}) {
  const v = p.values;
  const qs = (page: number) => {
    const u = new URLSearchParams(Object.entries(v).filter(([, x]) => x));
    u.set('page', String(page));
    return `${p.action}?${u}`;
  };
  const sel = (name: string, label: string, options: { value: string; label: string }[]) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">全部</option>
        {options.map((o) => (
          <option value={o.value} selected={o.value === v[name]}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <>
      <h1>政策文件库</h1>
      <form method="get" action={p.action} class="filters">
        <div class="field">
          <label for="f-q">文号或关键词</label>
          <input id="f-q" name="q" type="search" value={v.q ?? ''} />
        </div>
        {sel('status', '效力状态', [
          { value: 'in_force', label: '现行有效' },
          { value: 'amended', label: '已修订' },
          { value: 'pending', label: '尚未施行' },
          { value: 'abolished', label: '已废止' },
          { value: 'expired', label: '已失效' },
        ])}
        {sel(
          'type',
          '文件类型',
          Object.entries(POLICY_TYPES).map(([value, label]) => ({ value, label })),
        )}
        {sel(
          'issuer',
          '发文机关',
          p.facets.issuers.map((x) => ({ value: x, label: x })),
        )}
        {sel(
          'year',
          '年份',
          p.facets.years.map((y) => ({ value: String(y), label: `${y} 年` })),
        )}
        {sel(
          'theme',
          '主题',
          p.facets.themes.map((x) => ({ value: x, label: x })),
        )}
        <button type="submit">查询</button>
      </form>
      <p class="meta">
        共 {p.total} 件（现行有效的文件排在前面）
        {p.feedHref ? (
          <>
            {' ｜ '}
            订阅废止、失效文件：<a href={p.feedHref}>RSS</a>
            {p.atomHref ? (
              <>
                {' '}
                <a href={p.atomHref}>Atom</a>
              </>
            ) : null}
          </>
        ) : null}
      </p>
      {p.rows.length === 0 ? (
        <p>没有符合条件的政策文件。可以换一个关键词，或减少筛选条件。</p>
      ) : (
        <div class="table-scroll">
          <table class="policy-library">
            <caption class="visually-hidden">政策文件列表</caption>
            <thead>
              <tr>
                <th scope="col">标题</th>
                <th scope="col">文号</th>
                <th scope="col">类型</th>
                <th scope="col">成文日期</th>
                <th scope="col">效力状态</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr>
                  <td>
                    <a href={itemHref(r.org_slug, r.item_id)}>{r.title}</a>
                    <span class="meta"> {r.org_name}</span>
                  </td>
                  <td>{r.doc_number}</td>
                  <td>{POLICY_TYPES[r.policy_type as PolicyType] ?? r.policy_type}</td>
                  <td>{r.date_signed}</td>
                  <td>
                    <span class={`policy-status policy-status-${r.status}`}>{r.status_label}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PageNumbers page={p.page} pages={p.pages} href={qs} />
    </>
  );
}
