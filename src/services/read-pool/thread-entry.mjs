// A read pool thread's entry (pool.ts): the service's modules are TypeScript,
// so the thread registers tsx's loader first, whatever started the process.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
