// BullMQ on the same Redis, with the job shape of dealscope-server's benchmark: a job is queued,
// a worker takes it, reports progress twice and returns a result of the size of a valuation
// result (~2.8 KB of JSON); completed jobs are kept for an hour as the server keeps them.
// Producer and worker share one Node process; the figure is jobs/s from the first add to the last
// completion. Usage: node bench.mjs REDIS_PORT JOBS [CONCURRENCY]
import { Queue, Worker } from 'bullmq';

const port = Number(process.argv[2]);
const jobs = Number(process.argv[3] ?? 20000);
const concurrency = Number(process.argv[4] ?? 64);
const connection = { host: '127.0.0.1', port };
const name = `dealscope-bench-${process.pid}`;

// A result like the engine's: metrics, a sensitivity grid and findings (~2.8 KB serialised).
const result = {
  metrics: { sdeMultiple: 3.1, revenueMultiple: 0.9, cashFlowMargin: 0.21, dscr: 1.42, paybackYears: 3.4 },
  sensitivity: Array.from({ length: 25 }, (_, i) => ({ rate: 0.08 + (i % 5) * 0.01, down: 0.1 + Math.floor(i / 5) * 0.05, dscr: 1.2 + i * 0.013 })),
  findings: Array.from({ length: 6 }, (_, i) => ({ severity: 'info', code: `F${i}`, message: 'A finding of ordinary length about this listing.' })),
  score: 72,
  summary: 'A summary of the analysis as long as the built-in engine writes one for a typical listing.',
};

const queue = new Queue(name, { connection });
let done = 0;
let resolveAll;
const all = new Promise((r) => (resolveAll = r));
const worker = new Worker(
  name,
  async (job) => {
    await job.updateProgress(40);
    await job.updateProgress(80);
    return { ...result, listingId: job.data.listingId };
  },
  { connection, concurrency, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
);
worker.on('completed', () => {
  if (++done === jobs) resolveAll();
});
worker.on('failed', (job, err) => {
  console.error('failed', job?.id, err?.message);
  if (++done === jobs) resolveAll();
});
await worker.waitUntilReady();

const started = process.hrtime.bigint();
const chunk = 500;
for (let i = 0; i < jobs; i += chunk) {
  const batch = [];
  for (let k = i; k < Math.min(jobs, i + chunk); ++k)
    batch.push({ name: 'valuation', data: { listingId: `B${k >> 2}`, analysisType: 'valuation' } });
  await queue.addBulk(batch);
}
await all;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`bullmq jobs=${jobs} concurrency=${concurrency} seconds=${seconds.toFixed(3)} jobs_per_s=${Math.round(jobs / seconds)}`);
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
