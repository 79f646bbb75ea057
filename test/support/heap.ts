/**
 * Heap size after full garbage collections, for tests that check something is not kept
 * alive (a leak shows as growth over many iterations). Enables `gc()` for the process.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes of heap in use after two full collections (the second frees what finalizers released). */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
