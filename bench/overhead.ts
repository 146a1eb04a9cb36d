// The bot's own delay on the way out: from fal marking a job COMPLETED to the Telegram fake receiving
// the result photo, at 1, 50 and 200 jobs at once, for each way of learning of the completion. The
// result is a small PNG, so the time is the bot's work (learning of it, asking for the result,
// downloading, checking, uploading) and not the transfer of a large file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePng } from '../test/helpers/png.ts';
import { percentile, resultIn, sampleJobsInFlight, spreadOver, startBotWorld, submittedAt, type BotWorld, type Completion } from './bot-world.ts';

export interface OverheadFigure {
  readonly completion: Completion;
  readonly load: string;
  readonly jobs: number;
  /** The most jobs the bot had in flight at once during the measurement. */
  readonly peakInFlight: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/**
 * One measured load. Users send their photos `spreadMs` apart in all (evenly), and every fal job
 * takes `jobMs`: with jobMs beyond the spread, all `concurrency` jobs are in flight together before
 * the first completes, and they complete as they arrived. A spread of 0 is a burst: every job is
 * sent, and completes, within a few hundred milliseconds.
 */
interface Load {
  readonly label: string;
  readonly concurrency: number;
  readonly spreadMs: number;
  readonly jobMs: number;
  /** Waves one after another (one job at a time needs several for a percentile). */
  readonly waves: number;
}

const LOADS: readonly Load[] = [
  { label: '1 at a time', concurrency: 1, spreadMs: 0, jobMs: 2_000, waves: 10 },
  // 20 new jobs a second, each taking longer than the arrivals, so all are in flight at once.
  { label: '50 concurrent', concurrency: 50, spreadMs: 2_500, jobMs: 4_500, waves: 1 },
  { label: '200 concurrent', concurrency: 200, spreadMs: 10_000, jobMs: 12_000, waves: 1 },
  { label: '200 concurrent, burst', concurrency: 200, spreadMs: 0, jobMs: 5_000, waves: 1 },
];

const INPUT = makePng(32, 32, 5);
let nextChat = 500_000;

/** The overhead of each job of one wave, in ms. */
async function wave(world: BotWorld, load: Load): Promise<number[]> {
  world.fal.script.durationMs = load.jobMs;
  const results = await spreadOver(load.concurrency, load.spreadMs, () => {
    const chatId = nextChat++;
    const prompt = `bench ${chatId}`;
    world.tg.injectPhoto({ chatId, userId: chatId, caption: prompt, sizes: [{ width: 32, height: 32, bytes: INPUT }] });
    return world.tg.waitForCall('sendPhoto', resultIn(chatId), load.spreadMs + load.jobMs + 120_000).then((photo) => photo.at - (submittedAt(world.fal, prompt) + load.jobMs));
  });
  return Promise.all(results);
}

async function measure(world: BotWorld, completion: Completion, load: Load): Promise<OverheadFigure> {
  const overheads: number[] = [];
  const inFlight = sampleJobsInFlight(world);
  for (let i = 0; i < load.waves; i++) {
    overheads.push(...(await wave(world, load)));
    // The wave's closing status edits go out before the next one starts.
    await sleep(1_000);
  }
  const peakInFlight = await inFlight.stop();
  return { completion, load: load.label, jobs: overheads.length, peakInFlight, p50Ms: percentile(overheads, 50), p95Ms: percentile(overheads, 95) };
}

export async function overheadFigures(dir: string): Promise<OverheadFigure[]> {
  const figures: OverheadFigure[] = [];
  for (const completion of ['polling', 'stream', 'webhook'] as const) {
    const home = join(dir, `overhead-${completion}`);
    mkdirSync(home, { recursive: true });
    const world = await startBotWorld({ completion, dir: home });
    try {
      for (const load of LOADS) {
        figures.push(await measure(world, completion, load));
      }
    } finally {
      await world.close();
    }
  }
  return figures;
}
