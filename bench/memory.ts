// Peak resident memory of the bot process while 200 jobs run at once, each with two 2 MB input
// photos (a Telegram album) and one 2 MB result; and the bot's start-up time and idle memory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeNoisePng } from '../test/helpers/png.ts';
import { percentile, residentMemory, resultIn, sampleJobsInFlight, spreadOver, startBotWorld, type BotWorld } from './bot-world.ts';

export interface MemoryFigure {
  readonly load: string;
  readonly jobs: number;
  readonly peakInFlight: number;
  readonly peakRssMiB: number;
}

export interface StartupFigure {
  /** From spawning the process to /readyz answering 200 (median of the runs). */
  readonly readyMs: number;
  readonly runs: number;
  /** Resident memory a few seconds after ready, with nothing to do. */
  readonly idleRssMiB: number;
}

/** About 2 MB each: pseudo-random pixels do not compress. */
const SIDE = 816;
const JOBS = 200;

let nextChat = 800_000;

/** One album per user: two photos, the caption on the first, as Telegram sends it. */
function sendAlbum(world: BotWorld, inputs: readonly Buffer[]): number {
  const chatId = nextChat++;
  const mediaGroupId = `album-${chatId}`;
  inputs.forEach((bytes, i) => {
    world.tg.injectPhoto({ chatId, userId: chatId, mediaGroupId, ...(i === 0 ? { caption: `bench ${chatId}` } : {}), sizes: [{ width: SIDE, height: SIDE, bytes }] });
  });
  return chatId;
}

async function peakWith(dir: string, label: string, spreadMs: number, jobMs: number, inputs: readonly Buffer[], result: Buffer): Promise<MemoryFigure> {
  const home = join(dir, `memory-${spreadMs}`);
  mkdirSync(home, { recursive: true });
  const world = await startBotWorld({ completion: 'stream', dir: home, script: { durationMs: jobMs, outcome: { kind: 'images', images: [result] } } });
  try {
    const inFlight = sampleJobsInFlight(world);
    const results = await spreadOver(JOBS, spreadMs, () => world.tg.waitForCall('sendPhoto', resultIn(sendAlbum(world, inputs)), spreadMs + jobMs + 180_000));
    await Promise.all(results);
    const peakInFlight = await inFlight.stop();
    const { peakMiB } = residentMemory(world.bot.child.pid!);
    return { load: label, jobs: JOBS, peakInFlight, peakRssMiB: Math.round(peakMiB) };
  } finally {
    await world.close();
  }
}

export async function memoryFigures(dir: string, log: (line: string) => void): Promise<MemoryFigure[]> {
  const inputs = [makeNoisePng(SIDE, SIDE, 1), makeNoisePng(SIDE, SIDE, 2)];
  const result = makeNoisePng(SIDE, SIDE, 3);
  log(`memory: inputs ${inputs.map((b) => (b.length / 1e6).toFixed(1)).join(' + ')} MB, result ${(result.length / 1e6).toFixed(1)} MB per job`);
  const figures: MemoryFigure[] = [];
  // Fresh processes: the kernel's peak (VmHWM) covers a process's whole life.
  for (const [label, spreadMs, jobMs] of [['200 concurrent', 10_000, 20_000], ['200 concurrent, burst', 0, 5_000]] as const) {
    figures.push(await peakWith(dir, label, spreadMs, jobMs, inputs, result));
  }
  return figures;
}

/** Polls /readyz until it answers 200; the time since `since`. */
async function readyAfter(world: BotWorld, since: number): Promise<number> {
  for (;;) {
    const answer = await fetch(`${world.httpUrl}/readyz`).catch(() => undefined);
    if (answer?.status === 200) return performance.now() - since;
    await sleep(5);
  }
}

export async function startupFigure(dir: string, runs = 5): Promise<StartupFigure> {
  const times: number[] = [];
  let idleRssMiB = 0;
  for (let i = 0; i < runs; i++) {
    const home = join(dir, `startup-${i}`);
    mkdirSync(home, { recursive: true });
    // startBotWorld resolves at the 'ready' log line; /readyz is the operator's view of the same moment.
    const world = await startBotWorld({ completion: 'stream', dir: home });
    try {
      times.push(await readyAfter(world, world.spawnedAt));
      if (i === runs - 1) {
        await sleep(3_000);
        idleRssMiB = Math.round(residentMemory(world.bot.child.pid!).rssMiB);
      }
    } finally {
      await world.close();
    }
  }
  return { readyMs: Math.round(percentile(times, 50)), runs, idleRssMiB };
}
