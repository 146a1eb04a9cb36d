import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
import { en } from '../../src/core/i18n/en.ts';
import { ru } from '../../src/core/i18n/ru.ts';
import type { AppOverrides } from '../../src/app.ts';
import { buildTestCore } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/** Requests refused before any work: abuse limits and prompts with nothing in them. Each costs nothing and calls no provider. */

const photo = { declaredBytes: 100, load: async () => makePng(8, 8, 5) };

function fakeContext(requestId: string, locale?: string) {
  const finished: string[] = [];
  const ctx: CommandContext = {
    platform: 'telegram', requestId, userId: '42', communityId: null, locale,
    status: async () => undefined,
    deliver: async (images) => images.length,
    finish: async (text) => void finished.push(text),
  };
  return { ctx, finished };
}

let fal: FakeFal;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  fal = await startFakeFal({ key: 'fal-test-key-0123456789abcdef' });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await fal.close();
});

async function core(overrides: AppOverrides) {
  const built = await buildTestCore({ falUrl: fal.url, overrides });
  closers.push(() => built.close());
  return built;
}
const submits = () => fal.requests.filter((r) => r.method === 'POST').length;

describe('refusals that cost nothing', () => {
  it('refuses a request beyond the jobs a user may have in flight', async () => {
    fal.script.durationMs = 500;
    const { commands, app } = await core({ maxJobsPerUser: 1, userCooldownMs: 0 });
    const first = fakeContext('42:1');
    const running = commands.edit(first.ctx, { prompt: 'add a hat', images: [photo] });
    await fal.waitForJob();
    const second = fakeContext('42:2');
    await commands.edit(second.ctx, { prompt: 'add a scarf', images: [photo] });
    expect(second.finished).toEqual([en.tooManyInFlight(1)]);
    await running;
    expect(submits()).toBe(1);
    expect(await app.ledger.status({ platform: 'telegram', communityId: null, userId: '42' })).toMatchObject({ used: 1, reserved: 0 });
  });

  it('asks a user to wait out the cool-down between two requests, in their language', async () => {
    const { commands } = await core({ maxJobsPerUser: 0, userCooldownMs: 60_000 });
    await commands.imagine(fakeContext('42:1').ctx, { prompt: 'a red fox' });
    const second = fakeContext('42:2', 'ru');
    await commands.imagine(second.ctx, { prompt: 'a blue fox' });
    expect(second.finished).toEqual([ru.coolDown(60)]);
    expect(submits()).toBe(1);
  });

  it('counts a prompt of control characters and invisible spaces as empty', async () => {
    const { commands } = await core({});
    const edit = fakeContext('42:1');
    await commands.edit(edit.ctx, { prompt: '\u0000\u0007 \t\n\u200b\u001b', images: [photo] });
    const imagine = fakeContext('42:2');
    await commands.imagine(imagine.ctx, { prompt: '\u200b\u200e\u0008' });
    expect(edit.finished).toEqual([en.needPrompt()]);
    expect(imagine.finished).toEqual([en.needImaginePrompt()]);
    expect(fal.requests).toHaveLength(0);
  });

  it('drops control characters from a prompt that has words, keeping line breaks', async () => {
    const { commands } = await core({});
    await commands.imagine(fakeContext('42:1').ctx, { prompt: ' a red\u0007 fox\nin snow\u0000 ' });
    expect(fal.jobs[0]!.input.prompt).toBe('a red fox\nin snow');
  });
});
