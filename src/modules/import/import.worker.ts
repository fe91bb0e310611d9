import { parentPort } from 'node:worker_threads';
import { openSheet, type PreparedRow, preparedBatches, threadCpuSeconds } from './import.prepare.js';
import { ImportFileError } from './import.read.js';

// The import's preparation thread (see import.source.ts): reads the file, then prepares batches of rows,
// staying at most `ahead` batches in front of the main thread, which asks for one more as it takes one.

type ToWorker =
  | { type: 'open'; file: string; batchSize: number; maxBytes?: number }
  | { type: 'start'; existing: string[]; ahead: number }
  | { type: 'more' };

const port = parentPort;
if (!port) throw new Error('import.worker.ts runs as a worker thread');

let opened: Awaited<ReturnType<typeof openSheet>> | null = null;
let batches: Generator<PreparedRow[], void> | null = null;
let batchSize = 500;
let credit = 0;
let existing = new Set<string>();
let ended = false;

function pump() {
  if (!batches || ended) return;
  while (credit > 0) {
    const next = batches.next();
    if (next.done) {
      ended = true;
      port?.postMessage({ type: 'end', cpuSeconds: threadCpuSeconds() });
      return;
    }
    credit--;
    port?.postMessage({ type: 'batch', rows: next.value });
  }
}

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'open') {
      batchSize = m.batchSize;
      openSheet(m.file, m.maxBytes).then(
        (o) => {
          opened = o;
          port.postMessage({ type: 'opened', info: o.info });
        },
        (e: Error) => port.postMessage({ type: 'error', message: e.message, fileError: e instanceof ImportFileError }),
      );
    } else if (m.type === 'start') {
      existing = new Set(m.existing);
      credit = m.ahead;
      if (opened) batches = preparedBatches(opened.sheet.rows, opened.info.header, () => existing, batchSize);
      pump();
    } else if (m.type === 'more') {
      credit++;
      pump();
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message, fileError: false });
  }
});
