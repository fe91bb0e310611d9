import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeText, foldLine, renderIcal } from './ical.js';

/** Unfolds per RFC 5545 §3.1 and splits into content lines. */
function unfold(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .slice(0, -1);
}

/** Undoes TEXT escaping. */
function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

const now = new Date('2026-11-26T02:00:00Z');

describe('iCalendar writer (RFC 5545)', () => {
  test('a calendar of one all-day event has the required properties, DATE values and CRLF endings', () => {
    const text = renderIcal({
      prodId: '-//gongkai//requests//ZH',
      name: '依申请公开期限',
      now,
      events: [{ uid: 'request-1-due@example.org', summary: '答复期限：2026-000001', date: '2026-12-24' }],
    });
    assert.ok(text.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
    const lines = unfold(text);
    assert.equal(lines[0], 'BEGIN:VCALENDAR');
    assert.equal(lines.at(-1), 'END:VCALENDAR');
    for (const l of ['VERSION:2.0', 'PRODID:-//gongkai//requests//ZH', 'BEGIN:VEVENT', 'END:VEVENT']) {
      assert.ok(lines.includes(l), l);
    }
    assert.ok(lines.includes('UID:request-1-due@example.org'));
    assert.ok(lines.includes('DTSTAMP:20261126T020000Z'));
    assert.ok(lines.includes('DTSTART;VALUE=DATE:20261224'));
    assert.ok(lines.includes('DTEND;VALUE=DATE:20261225'), 'DTEND is exclusive: the next day');
    assert.ok(lines.includes('SUMMARY:答复期限：2026-000001'));
  });

  test('an all-day event on the last day of a year ends on the first day of the next', () => {
    const lines = unfold(renderIcal({ prodId: 'x', now, events: [{ uid: 'a', summary: 's', date: '2026-12-31' }] }));
    assert.ok(lines.includes('DTEND;VALUE=DATE:20270101'));
  });

  test('commas, semicolons, backslashes and newlines in text are escaped and come back unchanged', () => {
    const description = '申请人要求：纸质, 邮寄；路径 C:\\docs\n第二行\r\n第三行';
    assert.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
    const lines = unfold(
      renderIcal({ prodId: 'x', now, events: [{ uid: 'u', summary: 'a;b,c', description, date: '2026-01-02' }] }),
    );
    const desc = lines.find((l) => l.startsWith('DESCRIPTION:'))!;
    assert.equal(unescapeText(desc.slice('DESCRIPTION:'.length)), description.replace(/\r\n/g, '\n'));
    assert.ok(lines.includes('SUMMARY:a\\;b\\,c'));
  });

  test('long lines fold at 75 octets without splitting a Chinese character, and unfold to the original', () => {
    const summary = `答复期限${'政府信息公开申请'.repeat(20)}ABC`;
    const text = renderIcal({ prodId: 'x', now, events: [{ uid: 'u', summary, date: '2026-01-02' }] });
    for (const physical of text.split('\r\n')) {
      assert.ok(Buffer.byteLength(physical, 'utf8') <= 75, `${Buffer.byteLength(physical)} octets: ${physical}`);
      assert.ok(!physical.includes('\uFFFD'));
    }
    assert.ok(text.split('\r\n').filter((l) => l.startsWith(' ')).length >= 6, 'the summary was folded');
    assert.ok(unfold(text).includes(`SUMMARY:${summary}`));
  });

  test('folding fills lines: a run of ASCII folds at exactly 75 octets, then 74 plus the space', () => {
    const folded = foldLine('X'.repeat(200)).split('\r\n');
    assert.deepEqual(
      folded.map((l) => l.length),
      [75, 75, 52],
    );
    assert.equal(folded[1][0], ' ');
    // three-octet characters: 25 fit in 75 octets, then 24 (72 + the space) per continuation line
    const cjk = foldLine('字'.repeat(60)).split('\r\n');
    assert.deepEqual(
      cjk.map((l) => Buffer.byteLength(l)),
      [75, 73, 34],
    );
  });

  test('URLs are written as URIs, timed events in UTC, and an event without a date is refused', () => {
    const lines = unfold(
      renderIcal({
        prodId: 'x',
        now,
        events: [
          {
            uid: 't',
            summary: 's',
            url: 'https://example.org/console/requests/1?a=1,2;b',
            start: new Date('2026-01-02T01:30:00Z'),
            end: new Date('2026-01-02T02:30:00Z'),
          },
        ],
      }),
    );
    assert.ok(lines.includes('URL:https://example.org/console/requests/1?a=1,2;b'));
    assert.ok(lines.includes('DTSTART:20260102T013000Z'));
    assert.ok(lines.includes('DTEND:20260102T023000Z'));
    assert.throws(() => renderIcal({ prodId: 'x', now, events: [{ uid: 'n', summary: 's' }] }));
  });
});
