import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';

// WAL checkpoints for a bulk writer on SQLite. A connection in WAL mode checkpoints by itself after a commit
// once the log passes 1,000 pages (wal_autocheckpoint): the committing thread then copies every page it
// logged back into the database file and syncs it. For an import into a large database that is as much work
// as the inserts, done again and again for the same index pages, on the writer's own time. Here the writer's
// automatic checkpoint is off for the run and a thread with its own connection (checkpoint.worker.mjs) runs
// a PASSIVE checkpoint every few thousand rows: a page written by several batches in between is copied once, and
// the copying happens on the other core while the writer goes on. Readers and a server writing at the same
// time notice nothing: a passive checkpoint waits for nobody and blocks nobody.
//
// The log can only start over from its beginning when a write transaction begins after everything in it
// was copied. A checkpoint that trails the writer never gets there, so once the log has grown past
// `limitPages` the writer waits for the running checkpoint and one more, then goes on with an empty log.

export interface CheckpointStats {
  /** Checkpoints run by the thread. */
  checkpoints: number;
  /** Time the thread spent checkpointing. */
  checkpointMs: number;
  /** Checkpoints after which the thread started a sync of the database file itself (see checkpoint.worker.mjs). */
  syncs: number;
  /** Time the writer waited for it (the last checkpoint included). */
  waitedMs: number;
}

export interface Checkpointer {
  /**
   * Call after each commit of the bulk writer, with the rows it wrote and, if known, the rows still to come.
   * Once fewer than a checkpoint's worth are left, it checkpoints after every commit, leaving little for the
   * last one to copy.
   */
  committed(rows: number, rowsLeft?: number): Promise<void>;
  /** Checkpoints what is left, stops the thread and gives the connection its own checkpoints back. */
  finish(): Promise<CheckpointStats>;
}

// One read-only descriptor per database file, opened on first use and kept for the life of the process, with
// which the checkpoint thread syncs the file after its checkpoints (see checkpoint.worker.mjs). It is never
// closed: closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included.
const syncDescriptors = new Map<string, { fd: number; ino: number }>();

function syncDescriptor(file: string): number | null {
  if (process.platform === 'win32') return null; // an open descriptor would keep the file from being deleted
  try {
    const real = fs.realpathSync(file);
    const ino = fs.statSync(real).ino;
    let d = syncDescriptors.get(real);
    // A file put in the place of the old one (a restore) gets a descriptor of its own.
    if (!d || d.ino !== ino) {
      d = { fd: fs.openSync(real, 'r'), ino };
      syncDescriptors.set(real, d);
    }
    return d.fd;
  } catch {
    return null;
  }
}

type Reply =
  | { type: 'checkpointed'; id: number; ms: number; log: number; checkpointed: number; busy: number; synced: boolean }
  | { type: 'error'; id: number; message: string };

/**
 * A checkpoint thread for the bulk writes about to run on `db`'s connection, or null when there is nothing
 * to do (PostgreSQL, an in-memory or non-WAL SQLite database) or the thread cannot start (the writer then
 * keeps its own automatic checkpoints).
 */
export function walCheckpointer(
  db: Db,
  opts: {
    /** A checkpoint once the commits since the last one wrote this many rows (default 4,000). */
    everyRows?: number;
    /** The log length at which the writer waits for it to be copied and starts it over (default 128k pages). */
    limitPages?: number;
  } = {},
): Checkpointer | null {
  const handle = db.sqlite;
  if (!handle || handle.memory) return null;
  if (String(handle.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
  const limit = opts.limitPages ?? 131_072; // 512 MB of 4 KB pages
  const every = opts.everyRows ?? 4_000;
  let worker: Worker;
  try {
    // Plain JavaScript: no TypeScript loader in this thread (execArgv), which halves its start.
    worker = new Worker(new URL('./checkpoint.worker.mjs', import.meta.url), {
      workerData: { file: handle.name, syncFd: syncDescriptor(handle.name) },
      execArgv: [],
    });
  } catch {
    return null;
  }
  const previous = Number(handle.pragma('wal_autocheckpoint', { simple: true }));
  handle.pragma('wal_autocheckpoint = 0');
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    handle.pragma(`wal_autocheckpoint = ${previous}`);
  };

  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  let next = 0;
  let dead: Error | null = null;
  const die = (e: Error) => {
    if (dead) return;
    dead = e;
    // The writer checkpoints by itself again from its next commit.
    restore();
    for (const [id, p] of pending) {
      pending.delete(id);
      p.resolve({ type: 'error', id, message: e.message });
    }
  };
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    p.resolve(r);
  });
  worker.on('error', die);
  worker.on('exit', () => die(new Error('checkpoint thread exited')));

  const stats: CheckpointStats = { checkpoints: 0, checkpointMs: 0, syncs: 0, waitedMs: 0 };
  let logPages = 0;
  const request = (type: 'checkpoint' | 'finish'): Promise<void> => {
    if (dead) return Promise.resolve();
    const id = next++;
    return new Promise<Reply>((resolve) => {
      pending.set(id, { resolve });
      worker.postMessage({ type, id });
    }).then((r) => {
      if (r.type === 'error') {
        if (!dead) die(new Error(r.message));
        return;
      }
      stats.checkpoints++;
      stats.checkpointMs += r.ms;
      if (r.synced) stats.syncs++;
      logPages = r.log;
    });
  };
  let running: Promise<void> | null = null;
  let rowsSince = 0;
  const start = () => {
    const p = request('checkpoint').finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };

  return {
    async committed(rows, rowsLeft = Number.POSITIVE_INFINITY) {
      if (dead) return;
      // Let the thread's replies in: a writer that only awaits its own statements never yields to them.
      await new Promise((resolve) => setImmediate(resolve));
      rowsSince += rows;
      if (logPages < limit) {
        if (!running && (rowsSince >= every || rowsLeft < every)) {
          rowsSince = 0;
          void start();
        }
        return;
      }
      // The log is long: copy it up to this commit before the next transaction begins, which then starts
      // it over from its beginning.
      const t = performance.now();
      if (running) await running;
      await start();
      logPages = 0;
      rowsSince = 0;
      stats.waitedMs += performance.now() - t;
    },
    async finish() {
      const t = performance.now();
      try {
        if (running) await running;
        await request('finish');
      } finally {
        stats.waitedMs += performance.now() - t;
        restore();
        await worker.terminate().catch(() => {});
      }
      return stats;
    },
  };
}
