import { Worker } from 'node:worker_threads';
import { openSheet, type PreparedRow, preparedBatches, type SheetInfo } from './import.prepare.js';
import { ImportFileError } from './import.read.js';

// Where the import's rows come from: the preparation thread (import.worker.ts) reads the file, checks the
// rows and sanitizes their bodies a batch or two ahead while the main thread writes, so on two cores the
// writer does little besides writing. Both sources follow the same steps:
//   open()            → the sheet's format, header and source ids (the main thread looks those up),
//   start(existing)   → the source ids the organization already has (their bodies are not sanitized),
//   next()            → the next batch of prepared rows, null after the last.
// Without a worker (it could not start, or `inline` is asked for) the same functions run on this thread.

export interface RowSource {
  open(): Promise<SheetInfo>;
  start(existing: readonly string[]): void;
  next(): Promise<PreparedRow[] | null>;
  /** CPU seconds the preparation thread used (after the last batch), null when it ran on this thread. */
  cpuSeconds(): number | null;
  close(): Promise<void>;
}

// Batches the thread may have prepared and not yet handed over: enough to keep the writer busy, few enough
// that a large file is not held twice in memory.
const AHEAD = 2;

export interface SourceOptions {
  /** Largest file read (IMPORT_MAX_MB); default that variable's default. */
  maxBytes?: number;
}

export function inlineRowSource(file: string, batchSize: number, opts: SourceOptions = {}): RowSource {
  let existing = new Set<string>();
  let batches: Generator<PreparedRow[], void> | null = null;
  return {
    async open() {
      const { sheet, info } = await openSheet(file, opts.maxBytes);
      batches = preparedBatches(sheet.rows, info.header, () => existing, batchSize);
      return info;
    },
    start(ids) {
      existing = new Set(ids);
    },
    async next() {
      return batches?.next().value ?? null;
    },
    cpuSeconds: () => null,
    async close() {},
  };
}

type FromWorker =
  | { type: 'opened'; info: SheetInfo }
  | { type: 'batch'; rows: PreparedRow[] }
  | { type: 'end'; cpuSeconds: number | null }
  | { type: 'error'; message: string; fileError: boolean };

/** The preparation thread, or the inline source when the thread cannot be started. */
export function threadRowSource(
  file: string,
  batchSize: number,
  opts: SourceOptions & {
    /** A JavaScript entry that registers tsx in the thread, then loads import.worker.ts. */
    entry?: URL;
  } = {},
): RowSource {
  let worker: Worker;
  try {
    worker = new Worker(opts.entry ?? new URL('./import.worker.mjs', import.meta.url));
  } catch {
    return inlineRowSource(file, batchSize, opts);
  }
  const inbox: FromWorker[] = [];
  let waiting: ((m: FromWorker) => void) | null = null;
  let failure: FromWorker | null = null;
  const deliver = (m: FromWorker) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    } else inbox.push(m);
  };
  worker.on('message', deliver);
  worker.on('error', (e) => {
    failure = { type: 'error', message: `导入的准备线程出错：${e.message}`, fileError: false };
    deliver(failure);
  });
  worker.on('exit', () => {
    failure ??= { type: 'error', message: '导入的准备线程意外退出。', fileError: false };
    deliver(failure);
  });
  const receive = (): Promise<FromWorker> => {
    const m = inbox.shift() ?? (failure && !inbox.length ? failure : undefined);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      waiting = resolve;
    });
  };
  const fail = (m: Extract<FromWorker, { type: 'error' }>): never => {
    throw m.fileError ? new ImportFileError(m.message) : new Error(m.message);
  };
  let ended = false;
  let cpu: number | null = null;
  worker.postMessage({ type: 'open', file, batchSize, maxBytes: opts.maxBytes });
  // A thread that fails before it has read the file (it could not load its modules) hands the whole run to
  // the inline source; once rows have been handed over, a failure ends the run instead.
  let inline: RowSource | null = null;
  return {
    async open() {
      const m = await receive();
      if (m.type === 'error' && !m.fileError) {
        await worker.terminate();
        inline = inlineRowSource(file, batchSize, opts);
        return inline.open();
      }
      if (m.type === 'error') fail(m);
      if (m.type !== 'opened') throw new Error(`导入的准备线程答非所问（${m.type}）。`);
      return m.info;
    },
    start(existing) {
      if (inline) return inline.start(existing);
      worker.postMessage({ type: 'start', existing, ahead: AHEAD });
    },
    async next() {
      if (inline) return inline.next();
      if (ended) return null;
      const m = await receive();
      if (m.type === 'error') fail(m);
      if (m.type === 'end') {
        ended = true;
        cpu = m.cpuSeconds;
        return null;
      }
      if (m.type !== 'batch') throw new Error(`导入的准备线程答非所问（${m.type}）。`);
      worker.postMessage({ type: 'more' });
      return m.rows;
    },
    cpuSeconds: () => (inline ? null : cpu),
    async close() {
      failure ??= { type: 'error', message: '导入已结束。', fileError: false };
      await worker.terminate(); // again: nothing happens
    },
  };
}
