// The WAL checkpoint thread of a bulk writer (see checkpoint.ts). Plain JavaScript: it needs nothing but
// better-sqlite3, so it starts without the TypeScript loader. It opens its own connection to the database
// file and runs a PASSIVE checkpoint whenever asked, which copies committed pages from the WAL into the
// database without blocking the writer or readers.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// The pages it copies are read once; they need no cache of their own.
db.pragma('cache_size = -2048');

// SQLite syncs the database file only after a checkpoint that copied the whole log, which a checkpoint
// running beside a busy writer never does (the writer has committed more by the time it ends). All the pages
// copied during a run would then reach the disk in the one sync of the last checkpoint, which the writer
// waits for (half a second at 20,000 items). So after each checkpoint that copied pages this thread starts a
// sync of the file through the descriptor the main thread keeps for it (`syncFd`, see checkpoint.ts), on
// libuv's pool, one at a time: the reply goes out at once, so the writer learns the log's length without
// waiting for the disk, and the next checkpoint can copy while the sync writes. After a checkpoint that did
// end in SQLite's own sync there is nothing left to write.
const fd = typeof workerData.syncFd === 'number' ? workerData.syncFd : null;
let syncing = null;

function startSync() {
  if (fd === null || syncing) return false;
  syncing = new Promise((resolve) => {
    // A failed sync is only an earlier start of what SQLite's own sync does at the end.
    fs.fdatasync(fd, () => {
      syncing = null;
      resolve();
    });
  });
  return true;
}

parentPort.on('message', async (m) => {
  try {
    if (m.type === 'checkpoint' || m.type === 'finish') {
      const t = performance.now();
      // The last checkpoint ends in SQLite's own sync; one of ours still running goes first.
      if (m.type === 'finish' && syncing) await syncing;
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      const synced = m.type === 'checkpoint' && r.checkpointed > 0 && startSync();
      parentPort.postMessage({
        type: 'checkpointed',
        id: m.id,
        ms: performance.now() - t,
        log: r.log,
        checkpointed: r.checkpointed,
        busy: r.busy,
        synced,
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
