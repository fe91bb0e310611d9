// Entry of the import's preparation thread: Node does not carry tsx's loader hooks into worker threads, so
// the thread registers them itself, then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./import.worker.ts');
