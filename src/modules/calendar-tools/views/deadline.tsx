import type { FieldErrors } from '../../../platform/errors.js';
import { ErrorSummary, Notice, TextField } from '../../../platform/render/components.js';
import type { DeadlineAnswer } from '../deadline.schema.js';

const KIND_LABELS = { weekend: '周末休息', holiday: '法定节假日', workday_makeup: '调休上班', workday: '工作日' };

const cn = (date: string) => `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

/** The public deadline calculator: a GET form, and the answer with the days counted and skipped. */
export function DeadlinePage(p: {
  values: Record<string, string>;
  errors?: FieldErrors;
  answer?: DeadlineAnswer;
  calendarWarnings: string[];
}) {
  const a = p.answer;
  return (
    <>
      <h1>法定期限计算器</h1>
      <p>
        按国务院办公厅公布的法定节假日和调休安排（以及本平台管理员的补充设置）计算工作日期限。期限从起算日期的次日开始计算，周末和法定节假日不计，调休上班日计入。依申请公开的答复期限为收到申请之日起
        20 个工作日（《中华人民共和国政府信息公开条例》第三十三条）。
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="get" action="/tools/deadline" class="stack" novalidate>
        <TextField
          name="from"
          label="起算日期"
          type="date"
          value={p.values.from}
          errors={p.errors}
          hint="如收到申请的日期，格式：年-月-日，如 2025-01-24"
          required
        />
        <TextField
          name="workdays"
          label="工作日数"
          type="number"
          inputmode="numeric"
          value={p.values.workdays ?? '20'}
          errors={p.errors}
          hint="0 至 200 之间的整数；答复期限为 20，延长期限最多 20"
          required
        />
        <button type="submit">计算</button>
      </form>
      {a ? (
        <section aria-labelledby="deadline-result" class="deadline-result">
          <h2 id="deadline-result">计算结果</h2>
          {a.warnings.map((w) => (
            <Notice kind="warning">{w}</Notice>
          ))}
          <p class="deadline-due">
            截止日期：
            <strong>
              <time datetime={a.due}>{cn(a.due)}</time>（{a.dueWeekday}）
            </strong>
          </p>
          <p>{a.explanation}</p>
          <dl>
            <dt>起算日期</dt>
            <dd>
              <time datetime={a.from}>{cn(a.from)}</time>
            </dd>
            <dt>开始计算</dt>
            <dd>
              <time datetime={a.countingStarts}>{cn(a.countingStarts)}</time>（次日）
            </dd>
            <dt>计入工作日</dt>
            <dd>{a.counted.length} 天</dd>
            <dt>跳过的休息日</dt>
            <dd>{a.skipped.length} 天</dd>
          </dl>
          {a.skipped.length > 0 || a.makeupDays.length > 0 ? (
            <table>
              <caption>跳过的休息日和计入的调休上班日</caption>
              <thead>
                <tr>
                  <th scope="col">日期</th>
                  <th scope="col">星期</th>
                  <th scope="col">类别</th>
                  <th scope="col">说明</th>
                </tr>
              </thead>
              <tbody>
                {[...a.skipped, ...a.makeupDays]
                  .sort((x, y) => x.date.localeCompare(y.date))
                  .map((d) => (
                    <tr>
                      <td>
                        <time datetime={d.date}>{cn(d.date)}</time>
                      </td>
                      <td>{d.weekday}</td>
                      <td>{d.kind === 'workday_makeup' ? '调休上班（计入）' : `${KIND_LABELS[d.kind]}（不计）`}</td>
                      <td>{d.name}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          ) : null}
          {a.counted.length > 0 ? (
            <details>
              <summary>逐日列出计入的 {a.counted.length} 个工作日</summary>
              <ol>
                {a.counted.map((d) => (
                  <li>
                    <time datetime={d}>{cn(d)}</time>
                  </li>
                ))}
              </ol>
            </details>
          ) : null}
          <p>
            机器可读的结果：
            <a href={`/api/v1/calendar/deadline?from=${a.from}&workdays=${a.workdays}`}>JSON 接口</a>
          </p>
        </section>
      ) : (
        p.calendarWarnings.map((w) => <Notice kind="warning">{w}</Notice>)
      )}
    </>
  );
}
