import { parentPort } from 'node:worker_threads';
import { sanitizeBody } from '../../platform/html/sanitize.js';

// The import's sanitizer thread: bodies in, sanitizeBody's output back, a batch per message. It runs while
// the main thread writes the previous batch (see import.sanitizer.ts).

parentPort?.on('message', (m: { id: number; bodies: string[] }) => {
  try {
    parentPort?.postMessage({ id: m.id, bodies: m.bodies.map(sanitizeBody) });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: (e as Error).message });
  }
});
