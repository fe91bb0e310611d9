// Clocks are inputs: services take `now` so rules are tested on fixed dates.
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const iso = (d: Date): string => d.toISOString();
export const addMinutes = (d: Date, m: number): Date => new Date(d.getTime() + m * 60_000);
export const addSeconds = (d: Date, s: number): Date => new Date(d.getTime() + s * 1000);

const fmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** An ISO timestamp shown in Beijing time as 2026-11-25 08:30. */
export function formatDateTime(isoString: string | null | undefined): string {
  if (!isoString) return '';
  const parts = Object.fromEntries(fmt.formatToParts(new Date(isoString)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The calendar date (YYYY-MM-DD) in Beijing time of an instant. */
export function beijingDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
