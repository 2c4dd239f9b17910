/**
 * The machine's bcrypt limit: `threads` raw bcryptjs threads hashing in a tight loop, no pool,
 * no HTTP (taken from the former bench/hash-stall.ts). Each thread times itself from its first
 * timed hash to its last, after one untimed warm-up hash, so start-up is not counted.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export async function rawBcryptRate(threads: number, cost: number, seconds: number): Promise<number> {
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const bcrypt = require(workerData.bcryptPath);
    bcrypt.hashSync('warm up', workerData.cost);
    const start = performance.now();
    const end = start + workerData.ms;
    let n = 0;
    while (performance.now() < end) { bcrypt.hashSync('bench password', workerData.cost); n += 1; }
    parentPort.postMessage((n * 1000) / (performance.now() - start));
  `;
  const rates = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(source, { eval: true, execArgv: [], workerData: { bcryptPath, cost, ms: seconds * 1000 } });
          worker.once('message', (rate: number) => {
            resolve(rate);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  return rates.reduce((a, b) => a + b, 0);
}
