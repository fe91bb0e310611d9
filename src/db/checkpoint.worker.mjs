// The WAL checkpoint thread of a bulk writer (see checkpoint.ts). Plain JavaScript: it needs nothing but
// better-sqlite3, so it starts without the TypeScript loader. It opens its own connection to the database
// file and runs a PASSIVE checkpoint whenever asked, which copies committed pages from the WAL into the
// database without blocking the writer or readers.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// The pages it copies are read once; they need no cache of their own.
db.pragma('cache_size = -2048');

parentPort.on('message', (m) => {
  try {
    if (m.type === 'checkpoint' || m.type === 'finish') {
      const t = performance.now();
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({
        type: 'checkpointed',
        id: m.id,
        ms: performance.now() - t,
        log: r.log,
        checkpointed: r.checkpointed,
        busy: r.busy,
      });
      if (m.type === 'finish') {
        db.close();
        parentPort.close();
      }
    }
  } catch (e) {
    parentPort.postMessage({ type: 'error', id: m.id, message: e.message });
  }
});
