import type { FieldErrors } from '../../../platform/errors.js';
import { ErrorSummary, Notice, SelectField, TextField } from '../../../platform/render/components.js';
import { REVIEW_KINDS } from '../outcomes.js';
import {
  type RequestStatistics,
  TABLE3_COLUMN_LABELS,
  TABLE3_COLUMNS,
  TABLE4_KINDS,
  TABLE4_RESULT_LABELS,
  TABLE4_RESULTS,
} from '../requests.statistics.js';

const PROBLEMS = {
  outcome_before_receipt: '办结日期早于收到日期',
  date_without_outcome: '有办结日期但没有办理结果',
  unknown_outcome: '办理结果代码无法识别',
  outcome_without_date: '有办理结果但没有办结日期',
};

/** Tables 三 and 四 of the annual report, with the organization and year chooser. */
export function StatisticsPage(p: {
  values: Record<string, string>;
  errors?: FieldErrors;
  organizations: { value: string; label: string }[];
  allowAll: boolean;
  stats?: RequestStatistics;
}) {
  const s = p.stats;
  return (
    <>
      <h1>依申请公开统计（年度报告表三、表四）</h1>
      <ErrorSummary errors={p.errors} />
      <form method="get" action="/console/request-statistics" class="inline-form">
        <TextField name="year" label="年度" inputmode="numeric" value={p.values.year} errors={p.errors} required />
        <SelectField
          name="organization"
          label="机构"
          value={p.values.organization}
          errors={p.errors}
          options={p.organizations}
          emptyLabel={p.allowAll ? '全部机构' : undefined}
        />
        <div class="field">
          <label>
            <input type="checkbox" name="subordinates" value="1" checked={p.values.subordinates === '1'} /> 包含下级机构
          </label>
        </div>
        <button type="submit">统计</button>
      </form>
      {s ? (
        <>
          {s.table3.violations.length === 0 ? (
            <Notice kind="success">各列均满足“本年新收 + 上年结转 = 办理结果总计 + 结转下年度”。</Notice>
          ) : (
            <Notice kind="warning">
              <p>统计不平衡，请核对以下列和申请记录：</p>
              <ul>
                {s.table3.violations.map((v) => (
                  <li>{v}</li>
                ))}
              </ul>
            </Notice>
          )}
          {s.table3.anomalies.length > 0 ? (
            <section aria-labelledby="anomalies">
              <h2 id="anomalies">数据异常的申请</h2>
              <ul>
                {s.table3.anomalies.map((a) => (
                  <li>
                    {a.trackingNumber}：{PROBLEMS[a.problem]}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <div class="table-scroll">
            <table class="stats-table">
              <caption>
                三、收到和处理政府信息公开申请情况（{s.year} 年
                {s.organization ? `，${s.organization.name}` : '，全部机构'}
                {s.includesSubordinates ? '及下级机构' : ''}）
              </caption>
              <thead>
                <tr>
                  <th scope="col" rowspan={3}>
                    本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和
                  </th>
                  <th scope="colgroup" colspan={7}>
                    申请人情况
                  </th>
                </tr>
                <tr>
                  <th scope="col" rowspan={2}>
                    自然人
                  </th>
                  <th scope="colgroup" colspan={5}>
                    法人或其他组织
                  </th>
                  <th scope="col" rowspan={2}>
                    总计
                  </th>
                </tr>
                <tr>
                  {TABLE3_COLUMNS.slice(1, 6).map((c) => (
                    <th scope="col">{TABLE3_COLUMN_LABELS[c]}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.table3.rows.map((r) => (
                  <tr class={`level-${r.level}`}>
                    <th scope="row" style={r.level === 2 ? 'padding-left:2em' : undefined}>
                      {r.label}
                    </th>
                    {TABLE3_COLUMNS.map((c) => (
                      <td>{r.values[c]}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="table-scroll">
            <table class="stats-table">
              <caption>四、政府信息公开行政复议、行政诉讼情况（{s.year} 年）</caption>
              <thead>
                <tr>
                  {TABLE4_KINDS.map((k) => (
                    <th scope="colgroup" colspan={5}>
                      {REVIEW_KINDS[k]}
                    </th>
                  ))}
                </tr>
                <tr>
                  {TABLE4_KINDS.flatMap(() =>
                    TABLE4_RESULTS.map((r) => <th scope="col">{TABLE4_RESULT_LABELS[r]}</th>),
                  )}
                </tr>
              </thead>
              <tbody>
                <tr>{TABLE4_KINDS.flatMap((k) => TABLE4_RESULTS.map((r) => <td>{s.table4[k][r]}</td>))}</tr>
              </tbody>
            </table>
          </div>
          <p class="hint" id="table4-rule">
            表四统计口径：本年内提起的，以及以前年度提起、本年初尚未审结的政府信息公开行政复议、行政诉讼案件，每件计一次；按截至{' '}
            {s.year} 年 12 月 31 日的结果分列，届时尚未审结的计入“尚未审结”，并在下一年度继续统计。
          </p>
          <p>
            <a
              href={`/api/v1/statistics/requests?year=${s.year}${s.organization ? `&organization=${s.organization.slug}` : ''}${s.includesSubordinates ? '&subordinates=true' : ''}`}
            >
              以 JSON 获取本统计
            </a>
          </p>
        </>
      ) : null}
    </>
  );
}
