import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
import { en } from '../../src/core/i18n/en.ts';
import { es } from '../../src/core/i18n/es.ts';
import type { DeliveryTarget, JobRecord } from '../../src/core/jobs/types.ts';
import { createMemoryStorage } from '../../src/core/store/memory.ts';
import type { Storage } from '../../src/core/store/storage.ts';
import type { AppOverrides } from '../../src/app.ts';
import { buildTestCore } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * Commands.resume over the real core: a first core stops (shutdown) or leaves records behind, a
 * second on the same store resumes them through contexts rebuilt from their targets (a fake of the
 * adapter port, which is what an adapter implements).
 */

const user = { platform: 'telegram' as const, communityId: null, userId: '42' };
const photo = { declaredBytes: 100, load: async () => makePng(8, 8, 5) };

function fakeContext(requestId: string, options: { locale?: string; target?: boolean } = {}) {
  const said = { statuses: [] as string[], finished: [] as string[], captions: [] as string[], images: 0 };
  const ctx: CommandContext = {
    ...user,
    requestId,
    locale: options.locale,
    status: async (text) => void said.statuses.push(text),
    deliver: async (images, caption) => {
      said.captions.push(caption);
      said.images += images.length;
      return images.length;
    },
    finish: async (text) => void said.finished.push(text),
    ...(options.target === false ? {} : { target: (): DeliveryTarget => ({ platform: 'telegram', chatId: 42, requestId }) }),
  };
  return { ctx, said };
}

let fal: FakeFal;
let storage: Storage;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  fal = await startFakeFal({ key: 'fal-test-key-0123456789abcdef' });
  storage = createMemoryStorage();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await fal.close();
});

async function core(overrides: AppOverrides = {}) {
  const built = await buildTestCore({ falUrl: fal.url, overrides: { storage, leaseMs: 60_000, ...overrides } });
  closers.push(() => built.close());
  return built;
}
const records = () => storage.keyv<JobRecord>('jobs');
async function waitForState(id: string, states: readonly string[]): Promise<void> {
  for (let i = 0; i < 500 && !states.includes((await records().get(id))?.state ?? ''); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('Commands.resume', () => {
  it('finishes a job left by a stopped process through the context rebuilt from its target, rendered like a live request', async () => {
    fal.script.durationMs = 1200;
    fal.script.statuses = [{ status: 'IN_QUEUE', queue_position: 1 }];
    const first = await core();
    const live = fakeContext('42:1');
    const editing = first.commands.edit(live.ctx, { prompt: 'add a hat', images: [photo] });
    await waitForState('telegram:42:1', ['submitted', 'queued', 'running']);
    await first.app.runner.shutdown();
    await editing;
    expect(live.said.statuses.at(-1)).toBe(en.suspended());
    expect(live.said.finished).toEqual([]);

    const second = await core();
    const targets: DeliveryTarget[] = [];
    const rebuilt = fakeContext('42:1', { locale: 'es' });
    await second.commands.resume('discord', (target) => (targets.push(target), undefined));
    expect(targets).toEqual([]);
    await second.commands.resume('telegram', (target) => (targets.push(target), rebuilt.ctx));

    expect(targets).toEqual([{ platform: 'telegram', chatId: 42, requestId: '42:1' }]);
    expect(rebuilt.said.statuses[0]).toBe(es.running('edit'));
    expect(rebuilt.said.images).toBe(1);
    expect(rebuilt.said.captions[0]).toMatch(/^Hecho en .* te quedan 9 de 10 imágenes hoy\.$/);
    expect(rebuilt.said.finished).toEqual([]);
    expect(fal.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await second.app.ledger.status(user)).toMatchObject({ used: 1, reserved: 0 });
    // Nothing is left to resume.
    await second.commands.resume('telegram', (target) => (targets.push(target), undefined));
    expect(targets).toHaveLength(1);
  });

  it('tells the user to send again a job that never reached the image service, refunded', async () => {
    const first = await core();
    const at = Date.now();
    await first.app.ledger.reserve(user, 'telegram:42:2', 2);
    await records().set('telegram:42:2', {
      id: 'telegram:42:2', subject: user, prompt: 'add a hat', count: 2, outputFormat: 'png', inputCount: 1, kind: 'edit',
      target: { platform: 'telegram', chatId: 42, requestId: '42:2' }, state: 'reserved', createdAt: at, updatedAt: at, deadlineAt: at + 600_000,
      reservationId: 'telegram:42:2',
    });
    await storage.setAdd('jobs-open', 'telegram:42:2');

    const rebuilt = fakeContext('42:2');
    await first.commands.resume('telegram', () => rebuilt.ctx);
    expect(rebuilt.said.finished).toEqual([en.interrupted()]);
    expect(fal.requests).toHaveLength(0);
    expect(await first.app.ledger.status(user)).toMatchObject({ used: 0, reserved: 0, remaining: 10 });
  });

  it('refunds quietly the jobs it cannot answer: no target, a target the adapter cannot rebuild, an old-format record', async () => {
    fal.script.durationMs = 3000;
    const first = await core();
    const untargeted = fakeContext('42:3', { target: false });
    const unanswerable = fakeContext('42:4');
    const runs = [
      first.commands.edit(untargeted.ctx, { prompt: 'add a hat', images: [photo] }),
      first.commands.edit(unanswerable.ctx, { prompt: 'add a hat', images: [photo] }),
    ];
    await fal.waitForJob(2);
    await waitForState('telegram:42:3', ['submitted', 'queued', 'running']);
    await waitForState('telegram:42:4', ['submitted', 'queued', 'running']);
    await first.app.runner.shutdown();
    await Promise.all(runs);
    // Made before jobs had a kind and a target.
    const at = Date.now();
    const old = { ...user, userId: '43' };
    await first.app.ledger.reserve(old, 'telegram:43:1', 1);
    await records().set('telegram:43:1', {
      id: 'telegram:43:1', subject: old, prompt: 'old', count: 1, outputFormat: 'png', inputCount: 1, state: 'queued', createdAt: at,
      updatedAt: at, deadlineAt: at + 600_000, reservationId: 'telegram:43:1', provider: 'fal', submissions: [{ provider: 'fal', requestId: 'gone' }],
    });
    await storage.setAdd('jobs-open', 'telegram:43:1');
    expect(await first.app.ledger.status(user)).toMatchObject({ reserved: 2 });

    const second = await core();
    const asked: DeliveryTarget[] = [];
    await second.commands.resume('telegram', (target) => void asked.push(target));

    expect(asked).toEqual([{ platform: 'telegram', chatId: 42, requestId: '42:4' }]);
    expect(await second.app.ledger.status(user)).toMatchObject({ used: 0, reserved: 0, remaining: 10 });
    expect(await second.app.ledger.status(old)).toMatchObject({ used: 0, reserved: 0, remaining: 10 });
    for (const id of ['telegram:42:3', 'telegram:42:4', 'telegram:43:1']) expect((await records().get(id))?.state).toBe('interrupted');
    expect(await storage.setMembers('jobs-open')).toEqual([]);
    expect([...untargeted.said.finished, ...unanswerable.said.finished]).toEqual([]);
  });

  it('answers a request made while shutting down with "restarting", at no cost', async () => {
    const first = await core();
    await first.app.runner.shutdown();
    const live = fakeContext('42:5');
    await first.commands.edit(live.ctx, { prompt: 'add a hat', images: [photo] });
    expect(live.said.finished).toEqual([en.restarting()]);
    expect(fal.requests).toHaveLength(0);
    expect(await first.app.ledger.status(user)).toMatchObject({ used: 0, reserved: 0 });
  });
});
