// `npm run bench`: speed and memory of the bot's own work, measured against loopback fakes.
// Results go in README.md → Performance; nothing here is asserted by a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app.ts';
import type { CommandContext } from '../src/commands/context.ts';
import { parseConfig } from '../src/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { QuotaLedger } from '../src/core/quota/ledger.ts';
import { createMemoryStorage } from '../src/core/store/memory.ts';
import { openSqliteStorage } from '../src/core/store/sqlite.ts';
import type { Storage } from '../src/core/store/storage.ts';
import { startFakeFal } from '../test/helpers/fake-fal.ts';
import { makePng } from '../test/helpers/png.ts';
import { requestsPerJob } from './provider-requests.ts';

const rows: Array<[string, string]> = [];
const report = (name: string, value: string) => {
  rows.push([name, value]);
  console.log(`${name}: ${value}`);
};

async function ledgerThroughput(label: string, storage: Storage, n: number) {
  const ledger = new QuotaLedger(storage, { limit: n * 2, window: 'day', timeZone: 'UTC' });
  const subject = { platform: 'telegram' as const, communityId: null, userId: '1' };
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await ledger.reserve(subject, `j${i}`, 1);
    await ledger.commit(subject, `j${i}`, 1);
  }
  const ms = performance.now() - start;
  report(`quota reserve+commit, ${label}`, `${Math.round((n / ms) * 1000)} jobs/s (${((ms / n) * 1000).toFixed(0)} µs each)`);
  await storage.close();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function endToEnd(jobs: number, concurrency: number, imageSide: number) {
  const fal = await startFakeFal({ key: 'bench-key', script: { statuses: [] }, streamStepMs: 0 });
  const parsed = parseConfig({ TELEGRAM_BOT_TOKEN: '1:bench-token-abcdefghijklmnopqrstuvwxyz', FAL_KEY: 'bench-key', FAL_QUEUE_URL: fal.url, STORE_URL: 'memory://', QUOTA_LIMIT: String(jobs * 4),
    // The abuse limits would refuse most of this load; they are measured by their own tests, not here.
    MAX_JOBS_PER_USER: '0', USER_COOLDOWN: '0' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, silentLogger, { poll: { initialMs: 1, maxMs: 1, factor: 1 } });
  const input = makePng(imageSide, imageSide, 3);
  const firstStatus: number[] = [];
  const total: number[] = [];
  let next = 0;
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const worker = async () => {
    while (next < jobs) {
      const id = next++;
      const start = performance.now();
      let sawStatus = false;
      const ctx: CommandContext = {
        platform: 'telegram',
        requestId: `bench:${id}`,
        userId: String(id % 50),
        communityId: null,
        status: async () => {
          if (!sawStatus) firstStatus.push(performance.now() - start);
          sawStatus = true;
        },
        deliver: async (images) => {
          heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
          return images.length;
        },
        finish: async (text) => {
          throw new Error(`job ${id} did not deliver: ${text}`);
        },
      };
      await app.commands.edit(ctx, { prompt: 'bench', images: [{ load: async () => input }] });
      total.push(performance.now() - start);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - start;
  report(`time to first status message (p50 / p99), ${concurrency} concurrent`, `${percentile(firstStatus, 50).toFixed(2)} / ${percentile(firstStatus, 99).toFixed(2)} ms`);
  report(`job overhead with an instant provider (p50 / p99), ${imageSide}px PNG input`, `${percentile(total, 50).toFixed(1)} / ${percentile(total, 99).toFixed(1)} ms`);
  report(`jobs completed per second, ${concurrency} concurrent`, `${Math.round((jobs / ms) * 1000)}`);
  report(`heap growth at peak, ${concurrency} jobs in flight`, `${((heapPeak - heapBefore) / 1024 / 1024).toFixed(1)} MiB (${((heapPeak - heapBefore) / concurrency / 1024).toFixed(0)} KiB per job)`);
  await app.close();
  await fal.close();
}

const dir = mkdtempSync(join(tmpdir(), 'bench-'));
try {
  await ledgerThroughput('memory store', createMemoryStorage(), 20_000);
  await ledgerThroughput('SQLite store', openSqliteStorage(join(dir, 'bench.sqlite')), 5_000);
  await endToEnd(400, 20, 512);
  for (const row of await requestsPerJob()) {
    report(`provider requests per 20 s fal job: ${row.mode}`, `${row.requests} requests; result asked ${row.delayMs} ms after COMPLETED`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n| measure | result |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
console.log(`\nNode ${process.version}, ${process.platform}/${process.arch}`);
