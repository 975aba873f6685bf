import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread from the module `name` (without extension) next to `base`: the
 * compiled .js, or under tsx (tests run from source) the .ts, with the TypeScript loader
 * registered inside the worker, since the main thread's loader hooks do not reach workers on
 * Node 20.
 */
export function startWorker(base: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const fromSource = base.endsWith('.ts');
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, base);
  const options = { workerData, stderr: false, stdout: false, ...(resourceLimits ? { resourceLimits } : {}) };
  if (!fromSource) return new Worker(entry, options);
  const boot = `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { ...options, eval: true });
}
