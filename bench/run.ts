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
import { startFakeFal } from '../test/helpers/fake-fal.ts';
import { makePng } from '../test/helpers/png.ts';
import { percentile } from './bot-world.ts';
import { ledgerFigures } from './ledger.ts';
import { memoryFigures, startupFigure } from './memory.ts';
import { overheadFigures } from './overhead.ts';
import { requestsPerJob } from './provider-requests.ts';

const rows: Array<[string, string]> = [];
const report = (name: string, value: string) => {
  rows.push([name, value]);
  console.log(`${name}: ${value}`);
};

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
  report(`time to first status message (p50 / p99), ${concurrency} concurrent, in process`, `${percentile(firstStatus, 50).toFixed(2)} / ${percentile(firstStatus, 99).toFixed(2)} ms`);
  report(`job overhead with an instant provider (p50 / p99), ${imageSide} px PNG input, in process`, `${percentile(total, 50).toFixed(1)} / ${percentile(total, 99).toFixed(1)} ms`);
  report(`jobs completed per second, ${concurrency} concurrent, in process`, `${Math.round((jobs / ms) * 1000)}`);
  report(`heap growth at peak, ${concurrency} jobs in flight, in process`, `${((heapPeak - heapBefore) / 1024 / 1024).toFixed(1)} MiB (${((heapPeak - heapBefore) / concurrency / 1024).toFixed(0)} KiB per job)`);
  await app.close();
  await fal.close();
}

const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const log = (line: string) => console.log(line);
try {
  for (const figure of await ledgerFigures(dir)) {
    report(`quota reservations (reserve + commit), ${figure.store}`, `${figure.perSecond.toLocaleString('en')} /s (${figure.microsEach} µs each)`);
  }
  await endToEnd(400, 20, 512);
  const startup = await startupFigure(dir);
  report('start to ready (/readyz answers 200), median of 5', `${startup.readyMs} ms`);
  report('idle RSS after start', `${startup.idleRssMiB} MiB`);
  for (const figure of await memoryFigures(dir, log)) {
    report(`peak RSS, ${figure.load}, 2 × 2 MB inputs and a 2 MB result each`, `${figure.peakRssMiB} MiB (${figure.peakInFlight} jobs in flight at most)`);
  }
  for (const figure of await overheadFigures(dir)) {
    report(`COMPLETED → result at the platform (p50 / p95), ${figure.completion}, ${figure.load}`, `${figure.p50Ms} / ${figure.p95Ms} ms (${figure.jobs} jobs, ${figure.peakInFlight} in flight at most)`);
  }
  for (const row of await requestsPerJob()) {
    report(`provider requests per 20 s fal job: ${row.mode}`, `${row.requests} requests; result asked ${row.delayMs} ms after COMPLETED`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n| measure | result |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
console.log(`\nNode ${process.version}, ${process.platform}/${process.arch}`);
