/**
 * A small RFC 5545 iCalendar writer: one VCALENDAR of VEVENTs, all-day or timed, with text escaping (§3.3.11),
 * content lines folded at 75 octets without splitting a UTF-8 character (§3.1), and CRLF line ends.
 */

export interface IcalEvent {
  /** Globally unique and stable across feeds, e.g. request-123-due@gongkai.example. */
  uid: string;
  summary: string;
  description?: string;
  url?: string;
  /** An all-day event on this date (YYYY-MM-DD); DTEND is the next day (exclusive). */
  date?: string;
  /** Or a timed event, in UTC. */
  start?: Date;
  end?: Date;
  /** Last modification; defaults to the calendar's stamp. */
  stamp?: Date;
  categories?: string[];
}

export interface IcalCalendar {
  /** PRODID, e.g. -//gongkai//requests//ZH */
  prodId: string;
  name?: string;
  /** When the feed was generated (DTSTAMP of events without their own). */
  now: Date;
  events: IcalEvent[];
}

/** Escapes a TEXT value: backslash, semicolon, comma, and line breaks as \n. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds one content line: no line longer than 75 octets (UTF-8); continuation lines start with one space, which
 * counts towards their 75. A multi-byte character is never split.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (octets + n > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = 74; // the leading space of a continuation line is one of its 75 octets
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function dateValue(iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) throw new Error(`not a date: ${iso}`);
  return iso.replaceAll('-', '');
}

function nextDay(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The calendar as an iCalendar document (text/calendar; charset=utf-8), CRLF line ends, folded. */
export function renderIcal(cal: IcalCalendar): string {
  const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${cal.prodId}`, 'CALSCALE:GREGORIAN'];
  lines.push('METHOD:PUBLISH');
  if (cal.name) lines.push(`X-WR-CALNAME:${escapeText(cal.name)}`, `NAME:${escapeText(cal.name)}`);
  for (const e of cal.events) {
    lines.push('BEGIN:VEVENT', `UID:${escapeText(e.uid)}`, `DTSTAMP:${utcStamp(e.stamp ?? cal.now)}`);
    if (e.date) {
      lines.push(`DTSTART;VALUE=DATE:${dateValue(e.date)}`, `DTEND;VALUE=DATE:${dateValue(nextDay(e.date))}`);
      lines.push('TRANSP:TRANSPARENT');
    } else if (e.start) {
      lines.push(`DTSTART:${utcStamp(e.start)}`);
      if (e.end) lines.push(`DTEND:${utcStamp(e.end)}`);
    } else {
      throw new Error(`event ${e.uid} has neither a date nor a start`);
    }
    lines.push(`SUMMARY:${escapeText(e.summary)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    // URL is of type URI: not TEXT-escaped (commas and semicolons are legal in it).
    if (e.url) lines.push(`URL:${e.url.replace(/[\r\n]/g, '')}`);
    if (e.categories?.length) lines.push(`CATEGORIES:${e.categories.map(escapeText).join(',')}`);
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
