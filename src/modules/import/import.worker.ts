import { parentPort } from 'node:worker_threads';
import { batchEnd, openSheet, prepareRows, threadCpuSeconds } from './import.prepare.js';
import { ImportFileError } from './import.read.js';

// The import's preparation thread (see import.source.ts): reads the file, then prepares batches of rows,
// staying at most `ahead` batches in front of the main thread, which asks for one more as it takes one.

type ToWorker =
  | { type: 'open'; file: string; batchSize: number }
  | { type: 'start'; existing: string[]; ahead: number }
  | { type: 'more' };

const port = parentPort;
if (!port) throw new Error('import.worker.ts runs as a worker thread');

let opened: Awaited<ReturnType<typeof openSheet>> | null = null;
let batchSize = 500;
let credit = 0;
let at = 0;
let existing = new Set<string>();
let started = false;
let ended = false;

function pump() {
  if (!opened || !started) return;
  const rows = opened.sheet.rows;
  while (credit > 0 && at < rows.length) {
    const end = batchEnd(at, batchSize);
    const batch = prepareRows(rows.slice(at, end), opened.info.header, existing);
    at = end;
    credit--;
    port?.postMessage({ type: 'batch', rows: batch });
  }
  if (at >= rows.length && !ended) {
    ended = true;
    port?.postMessage({ type: 'end', cpuSeconds: threadCpuSeconds() });
  }
}

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'open') {
      batchSize = m.batchSize;
      openSheet(m.file).then(
        (o) => {
          opened = o;
          port.postMessage({ type: 'opened', info: o.info });
        },
        (e: Error) => port.postMessage({ type: 'error', message: e.message, fileError: e instanceof ImportFileError }),
      );
    } else if (m.type === 'start') {
      existing = new Set(m.existing);
      credit = m.ahead;
      started = true;
      pump();
    } else if (m.type === 'more') {
      credit++;
      pump();
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message, fileError: false });
  }
});
