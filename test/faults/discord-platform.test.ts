import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { isOriginalEdit, startDiscordWorld } from '../helpers/discord-world.ts';
import type { DiscordCall, FakeDiscord } from '../helpers/fake-discord.ts';

/**
 * Discord rate limits under a running job: a 429 (with retry_after, as Discord sends it) on the result
 * upload and on the progress edits. discord.js waits and sends again; the result arrives once and the
 * quota is charged once.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const RATE_LIMITED = { message: 'You are being rate limited.', retry_after: 0.05, global: false };
const usageOf = async (app: App, discord: FakeDiscord) => {
  const { used, reserved } = await app.ledger.status({ platform: 'discord', communityId: discord.guildId, userId: '200000000000000001' });
  return { used, reserved };
};

/** Makes the next call matching `predicate` answer 429; `limited` collects the calls that did. */
function rateLimitNext(discord: FakeDiscord, predicate: (call: DiscordCall) => boolean, limited: DiscordCall[]): void {
  discord.failNext(
    (call) => {
      const hit = predicate(call);
      if (hit) limited.push(call);
      return hit;
    },
    429,
    RATE_LIMITED,
  );
}

async function imagine(discord: FakeDiscord) {
  return discord.dispatchCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a lighthouse at dusk' }] });
}

describe('Discord faults while a job runs', () => {
  it('429 on the result upload: sent again, the result arrives once, charged once', async () => {
    const { discord, fal, app } = await startDiscordWorld(cleanups, { env: { USER_COOLDOWN: '0' } });
    const upload = (call: DiscordCall) => call.method === 'PATCH' && call.path.endsWith('/messages/@original') && call.files.length > 0;
    const limited: DiscordCall[] = [];
    rateLimitNext(discord, upload, limited);
    const interaction = await imagine(discord);

    const isUpload = (call: DiscordCall) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0;
    await discord.waitForCall((call) => isUpload(call) && discord.calls.filter(isUpload).length >= 2, 10_000);
    const uploads = discord.calls.filter(isUpload);
    expect(uploads).toHaveLength(2);
    expect(limited).toEqual([uploads[0]]);
    expect(uploads[1]!.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    expect(fal.jobs).toHaveLength(1);
    await expect.poll(() => usageOf(app, discord)).toEqual({ used: 1, reserved: 0 });
  });

  it('429 on the progress edits: the job goes on and the result arrives, charged once', async () => {
    const { discord, fal, app } = await startDiscordWorld(cleanups, { env: { USER_COOLDOWN: '0' } });
    const progressEdit = (call: DiscordCall) => call.method === 'PATCH' && call.path.endsWith('/messages/@original') && call.files.length === 0;
    const limited: DiscordCall[] = [];
    rateLimitNext(discord, progressEdit, limited);
    rateLimitNext(discord, progressEdit, limited);
    const interaction = await imagine(discord);

    const result = await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);
    expect(result.files[0]!.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    const edits = discord.calls.filter((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length === 0);
    expect(limited).toHaveLength(2);
    expect(edits.length).toBeGreaterThan(2);
    expect(fal.jobs).toHaveLength(1);
    await expect.poll(() => usageOf(app, discord)).toEqual({ used: 1, reserved: 0 });
  });
});
