import { Worker } from 'node:worker_threads';
import { sanitizeBody } from '../../platform/html/sanitize.js';

// Sanitizing the bodies (sanitize-html and the Word/WPS clean-up) is the import's largest piece of JavaScript
// work, about 150 µs an item. A worker thread does it for the next batch while the main thread writes the
// current one, so on two cores it costs the writer nothing. Without a worker (it failed to start) the same
// function runs on the main thread: same output, only slower.

export interface BodySanitizer {
  /** sanitizeBody of each body, in order. */
  sanitize(bodies: string[]): Promise<string[]>;
  close(): Promise<void>;
}

export function inlineSanitizer(): BodySanitizer {
  return { sanitize: async (bodies) => bodies.map(sanitizeBody), close: async () => {} };
}

/** A sanitizer on its own thread; falls back to the main thread if the worker cannot start or dies. */
export function threadSanitizer(): BodySanitizer {
  let worker: Worker | null;
  try {
    // A JavaScript entry that registers tsx in the thread, then loads import.worker.ts.
    worker = new Worker(new URL('./import.worker.mjs', import.meta.url));
  } catch {
    return inlineSanitizer();
  }
  const waiting = new Map<number, { resolve: (b: string[]) => void; reject: (e: Error) => void; bodies: string[] }>();
  let next = 0;
  const fallBack = (err: Error) => {
    // Whatever was in flight is done here instead.
    worker = null;
    for (const [id, w] of waiting) {
      waiting.delete(id);
      try {
        w.resolve(w.bodies.map(sanitizeBody));
      } catch (e) {
        w.reject(e as Error);
      }
    }
    void err;
  };
  worker.on('message', (m: { id: number; bodies?: string[]; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.bodies) w.resolve(m.bodies);
    else w.reject(new Error(m.error ?? 'sanitizer failed'));
  });
  worker.on('error', fallBack);
  worker.on('exit', () => fallBack(new Error('sanitizer thread exited')));
  return {
    sanitize(bodies) {
      if (!worker) return Promise.resolve(bodies.map(sanitizeBody));
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject, bodies });
        worker?.postMessage({ id, bodies });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
