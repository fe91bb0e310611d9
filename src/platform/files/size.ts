// Sizes shown to people. A module of its own, without the file store's database imports, because the
// import's preparation thread (src/modules/import/import.read.ts) uses it and loads every module it names.

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** A size for people: "512 B", "850 KB", "1.2 MB", "12.5 MB" (binary units, as file managers show). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes / 1024;
  let i = 0;
  for (;;) {
    const shown = i === 0 ? Math.max(1, Math.round(v)) : Math.round(v * 10) / 10;
    if (shown >= 1024 && i < UNITS.length - 1) {
      v /= 1024;
      i++;
      continue;
    }
    return `${i === 0 ? shown : shown.toFixed(1).replace(/\.0$/, '')} ${UNITS[i]}`;
  }
}
