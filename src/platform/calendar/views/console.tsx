import type { FieldErrors } from '../../errors.js';
import { ErrorSummary, Notice, SelectField, TextField } from '../../render/components.js';
import { formatDateTime } from '../../time.js';
import type { DayNote, YearSource } from '../calendar.js';
import { OVERRIDE_KINDS } from '../calendar.schema.js';
import type { ConfirmedYear, OverrideListItem } from '../calendar.service.js';

// The console's working-day calendar page. Cells carry text markers (休/班) and not colour alone, so the
// month grids read the same without the stylesheet; the cal-* classes are hooks for it.

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const weekdayOf = (date: string) => WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()];

const KIND_LABELS: Record<DayNote['kind'], string> = {
  holiday: '放假',
  weekend: '周末休息',
  workday_makeup: '调休上班',
  workday: '上班',
};

const SOURCE_LABELS: Record<DayNote['source'], string> = {
  package: '内置数据',
  override: '管理员设置',
  weekday: '常规',
};

export interface CalendarPageProps {
  year: number;
  currentYear: number;
  days: DayNote[]; // every day of the year
  yearSource: YearSource;
  confirmation: ConfirmedYear | undefined;
  packageInfo: { name: string; version: string };
  packageYears: number[];
  confirmedYears: ConfirmedYear[];
  overrides: OverrideListItem[];
  warnings: string[];
  canManage: boolean;
  csrf: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
}

function range(years: number[]): string {
  if (years.length === 0) return '无';
  // Consecutive runs as 2004–2026, so the package's two decades fit on one line.
  const runs: string[] = [];
  let start = years[0];
  let prev = years[0];
  for (const y of [...years.slice(1), Number.NaN]) {
    if (y === prev + 1) {
      prev = y;
      continue;
    }
    runs.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = y;
    prev = y;
  }
  return `${runs.join('、')} 年`;
}

interface Run {
  first: DayNote;
  last: DayNote;
  days: number;
}

// Consecutive days with the same arrangement as one row ("10-01 至 10-07，7 天"), as the State Council's
// notices print them, so a year's list stays a screen long.
function runsOf(days: DayNote[]): Run[] {
  const runs: Run[] = [];
  for (const d of days) {
    const r = runs[runs.length - 1];
    const next = r && Date.parse(`${d.date}T00:00:00Z`) - Date.parse(`${r.last.date}T00:00:00Z`) === 86_400_000;
    if (r && next && r.last.kind === d.kind && r.last.name === d.name && r.last.source === d.source) {
      r.last = d;
      r.days++;
    } else {
      runs.push({ first: d, last: d, days: 1 });
    }
  }
  return runs;
}

function YearStatus(p: Pick<CalendarPageProps, 'year' | 'yearSource' | 'confirmation' | 'packageInfo'>) {
  if (p.yearSource === 'package') {
    return (
      <Notice>
        {p.year} 年的节假日安排来自内置数据（{p.packageInfo.name} {p.packageInfo.version}
        ，依据国务院办公厅通知）。管理员设置优先于内置数据。
      </Notice>
    );
  }
  if (p.yearSource === 'confirmed' && p.confirmation) {
    return (
      <Notice kind="success">
        {p.year} 年的节假日安排已由{p.confirmation.confirmedByName ?? '管理员'}于{' '}
        {formatDateTime(p.confirmation.confirmedAt)} 确认录入完整
        {p.confirmation.note ? `（${p.confirmation.note}）` : ''}。
      </Notice>
    );
  }
  return (
    <Notice kind="warning">
      {p.year} 年的节假日安排尚未录入并确认：本年度暂按“周六、周日休息”计算工作日，涉及本年度的法定期限可能不准确。
    </Notice>
  );
}

function DayCell({ d }: { d: DayNote }) {
  const day = Number(d.date.slice(8, 10));
  const classes = [`cal-${d.kind.replace('_', '-')}`, d.source === 'override' ? 'cal-override' : ''].filter(Boolean);
  // Weekends are already recognisable by their column; only holidays and make-up days get a marker.
  const marker = d.kind === 'holiday' ? '休' : d.kind === 'workday_makeup' ? '班' : '';
  const title = d.source === 'weekday' ? undefined : `${d.name}（${KIND_LABELS[d.kind]}，${SOURCE_LABELS[d.source]}）`;
  return (
    <td class={classes.join(' ')} title={title}>
      {day}
      {marker ? (
        <>
          {' '}
          <abbr title={title}>{marker}</abbr>
          {d.source === 'override' ? '*' : ''}
        </>
      ) : null}
    </td>
  );
}

function MonthGrid({ month, days }: { month: number; days: DayNote[] }) {
  // Weeks start on Monday, as Chinese wall calendars do.
  const lead = (new Date(`${days[0].date}T00:00:00Z`).getUTCDay() + 6) % 7;
  const cells: (DayNote | null)[] = [...Array.from({ length: lead }, () => null), ...days];
  while (cells.length % 7) cells.push(null);
  const weeks: (DayNote | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return (
    <section class="card cal-month">
      <table>
        <caption>{month} 月</caption>
        <thead>
          <tr>
            {['一', '二', '三', '四', '五', '六', '日'].map((w) => (
              <th scope="col">
                <abbr title={`星期${w}`}>{w}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr>{week.map((d) => (d ? <DayCell d={d} /> : <td />))}</tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DeleteButton(p: { action: string; csrf: string; field: string; value: string; label: string }) {
  return (
    <form method="post" action={p.action} class="inline-form">
      <input type="hidden" name="_csrf" value={p.csrf} />
      <input type="hidden" name={p.field} value={p.value} />
      <button type="submit" class="link-button">
        {p.label}
      </button>
    </form>
  );
}

/** The whole page body: warnings, the year's special days and month grids, overrides and the admin forms. */
export function CalendarPage(p: CalendarPageProps) {
  const special = p.days.filter((d) => d.source !== 'weekday');
  const holidays = p.days.filter((d) => d.kind === 'holiday').length;
  const makeup = p.days.filter((d) => d.kind === 'workday_makeup').length;
  const workdays = p.days.filter((d) => d.kind === 'workday' || d.kind === 'workday_makeup').length;
  const months = Array.from({ length: 12 }, (_, i) => p.days.filter((d) => Number(d.date.slice(5, 7)) === i + 1));
  const v = p.values ?? {};
  return (
    <>
      <h1>工作日历</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        法定期限按工作日计算：周六、周日和法定节假日不计，调休上班日计入；自起算事件的次日开始计算。节假日安排以国务院办公厅每年公布的通知为准。
      </p>
      {p.warnings.map((w) => (
        <Notice kind="warning">{w}</Notice>
      ))}
      <p>
        已知年度：内置数据 {range(p.packageYears)}；管理员确认{' '}
        {range(p.confirmedYears.map((y) => y.year).filter((y) => !p.packageYears.includes(y)))}。
      </p>

      <nav class="pager" aria-label="选择年份">
        <a href={`/console/calendar?year=${p.year - 1}`}>上一年（{p.year - 1}）</a>
        {p.year !== p.currentYear ? (
          <a href={`/console/calendar?year=${p.currentYear}`}>本年（{p.currentYear}）</a>
        ) : null}
        <a href={`/console/calendar?year=${p.year + 1}`}>下一年（{p.year + 1}）</a>
      </nav>

      <h2>{p.year} 年</h2>
      <YearStatus year={p.year} yearSource={p.yearSource} confirmation={p.confirmation} packageInfo={p.packageInfo} />
      <p>
        全年工作日 {workdays} 天（含调休上班 {makeup} 天）；节假日放假 {holidays} 天（含与周末重合的日期）。
      </p>

      <h3>节假日与调休</h3>
      {special.length === 0 ? (
        <p>本年度没有节假日或调休记录。</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">日期</th>
                <th scope="col">星期</th>
                <th scope="col">天数</th>
                <th scope="col">安排</th>
                <th scope="col">名称</th>
                <th scope="col">来源</th>
              </tr>
            </thead>
            <tbody>
              {runsOf(special).map((r) => (
                <tr>
                  <td>{r.days === 1 ? r.first.date : `${r.first.date} 至 ${r.last.date.slice(5)}`}</td>
                  <td>
                    {r.days === 1 ? weekdayOf(r.first.date) : `${weekdayOf(r.first.date)}至${weekdayOf(r.last.date)}`}
                  </td>
                  <td>{r.days}</td>
                  <td>{KIND_LABELS[r.first.kind]}</td>
                  <td>{r.first.name}</td>
                  <td>{SOURCE_LABELS[r.first.source]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>月历</h3>
      <p class="hint">“休”为法定节假日放假，“班”为调休上班，带 * 的为管理员设置。</p>
      <div class="grid cal-year">
        {months.map((days, i) => (
          <MonthGrid month={i + 1} days={days} />
        ))}
      </div>

      <h2 id="overrides">管理员设置（{p.year} 年）</h2>
      {p.overrides.length === 0 ? (
        <p>本年度没有管理员设置。</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">日期</th>
                <th scope="col">星期</th>
                <th scope="col">设为</th>
                <th scope="col">名称</th>
                <th scope="col">录入人</th>
                <th scope="col">录入时间</th>
                {p.canManage ? <th scope="col">操作</th> : null}
              </tr>
            </thead>
            <tbody>
              {p.overrides.map((o) => (
                <tr>
                  <td>{o.date}</td>
                  <td>{weekdayOf(o.date)}</td>
                  <td>{OVERRIDE_KINDS[o.kind] ?? o.kind}</td>
                  <td>{o.name}</td>
                  <td>{o.createdByName ?? '—'}</td>
                  <td>{formatDateTime(o.createdAt)}</td>
                  {p.canManage ? (
                    <td>
                      <DeleteButton
                        action="/console/calendar/overrides/delete"
                        csrf={p.csrf}
                        field="date"
                        value={o.date}
                        label="删除"
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {p.canManage ? (
        <section>
          <h2>新增或修改某日安排</h2>
          <p>
            国务院办公厅公布新年度安排后，请逐日录入放假日期和调休上班日期（周末照常休息的日期无需录入），再在下方确认该年度。同一日期再次保存会覆盖原设置；管理员设置优先于内置数据。
          </p>
          <form method="post" action="/console/calendar/overrides" novalidate>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <TextField
              name="date"
              label="日期"
              type="date"
              value={v.date}
              errors={p.errors}
              hint="格式：年-月-日，如 2027-10-01。"
              required
            />
            <SelectField
              name="kind"
              label="设为"
              value={v.kind ?? 'holiday'}
              errors={p.errors}
              options={Object.entries(OVERRIDE_KINDS).map(([value, label]) => ({ value, label }))}
            />
            <TextField
              name="name"
              label="名称"
              value={v.name}
              errors={p.errors}
              hint="如“国庆节”或“国庆节调休上班”，会显示在期限说明中。"
              maxlength={40}
              required
            />
            <button type="submit">保存设置</button>
          </form>

          <h2>确认年度安排</h2>
          <p>
            确认表示该年度全部放假和调休上班日期已录入完整；此后系统不再提示该年度安排缺失。内置数据已收录的年度无需确认。
          </p>
          <form method="post" action="/console/calendar/years" novalidate>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <TextField
              name="year"
              label="年度"
              value={v.year ?? String(p.year)}
              errors={p.errors}
              inputmode="numeric"
              maxlength={4}
              required
            />
            <TextField
              name="note"
              label="说明"
              value={v.note}
              errors={p.errors}
              hint="如通知文号：国办发明电〔2026〕×号。"
              maxlength={200}
            />
            <button type="submit">确认该年度已录入完整</button>
          </form>
        </section>
      ) : null}

      <h2>管理员确认的年度</h2>
      {p.confirmedYears.length === 0 ? (
        <p>暂无。</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">年度</th>
                <th scope="col">说明</th>
                <th scope="col">确认人</th>
                <th scope="col">确认时间</th>
                {p.canManage ? <th scope="col">操作</th> : null}
              </tr>
            </thead>
            <tbody>
              {p.confirmedYears.map((y) => (
                <tr>
                  <td>
                    <a href={`/console/calendar?year=${y.year}`}>{y.year} 年</a>
                  </td>
                  <td>{y.note || '—'}</td>
                  <td>{y.confirmedByName ?? '—'}</td>
                  <td>{formatDateTime(y.confirmedAt)}</td>
                  {p.canManage ? (
                    <td>
                      <DeleteButton
                        action="/console/calendar/years/delete"
                        csrf={p.csrf}
                        field="year"
                        value={String(y.year)}
                        label="撤销确认"
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
