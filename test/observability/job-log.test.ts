import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import { parseConfig } from '../../src/config.ts';
import { createLogger, silentLogger } from '../../src/core/log.ts';
import { TEST_FAL_KEY } from '../helpers/core.ts';
import { dispatchEdit, isOriginalEdit } from '../helpers/discord-world.ts';
import { startFakeDiscord } from '../helpers/fake-discord.ts';
import { startFakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

/**
 * The core's log of a Discord job: one line per state change, with what support needs to follow the job
 * (job id, provider request id, platform, community), and never the interaction token its delivery
 * target holds.
 */

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The whole Discord path, as discord-world builds it, but with the core logging into `lines`. */
async function startLoggedWorld(lines: string[]) {
  const fal = await startFakeFal({ key: TEST_FAL_KEY });
  cleanups.push(() => fal.close());
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  const parsed = parseConfig({ DISCORD_TOKEN: discord.token, FAL_KEY: TEST_FAL_KEY, FAL_QUEUE_URL: fal.url, STORE_URL: 'memory://' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
  const app = await buildApp(parsed.config, logger, { poll: { initialMs: 10, maxMs: 50, factor: 1.5 }, maxJobsPerUser: 0, userCooldownMs: 0 });
  cleanups.push(() => app.close());
  const bot = await startDiscordBot({
    token: discord.token,
    apiBase: discord.apiBase,
    guildId: discord.guildId,
    commands: app.commands,
    storage: app.storage,
    logger: silentLogger,
    statusIntervalMs: 50,
  });
  cleanups.push(() => bot.stop());
  return { fal, discord, app };
}

describe('job state log', () => {
  it('writes one line per state change with job, request id, platform and community, and no token', async () => {
    const lines: string[] = [];
    const { fal, discord, app } = await startLoggedWorld(lines);
    const attachment = discord.addAttachment(makePng(48, 32, 7), 'cat.png', 'image/png', { width: 48, height: 32 });
    const interaction = dispatchEdit(discord, 'a tiny hat', [attachment]);
    const job = await fal.waitForJob(1);
    await discord.waitForCall((call) => isOriginalEdit(discord, interaction.token)(call) && call.files.length > 0, 10_000);

    const stateLines = () => lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === 'job state');
    await vi.waitFor(() => expect(stateLines().map((line) => line.state)).toContain('done'), { timeout: 10_000 });
    const states = stateLines();
    expect(states.map((line) => line.state)).toEqual(['accepted', 'reserved', 'submitted', 'queued', 'running', 'fetching', 'delivering', 'done']);
    for (const line of states) {
      expect(line).toMatchObject({ job: `discord:${interaction.id}`, platform: 'discord', community: discord.guildId });
      expect(line).not.toHaveProperty('target');
    }
    expect(states.at(-1)).toMatchObject({ provider: 'fal', requestId: job.requestId, from: 'delivering' });
    expect(states[0]).not.toHaveProperty('requestId');
    // The stored record does hold the token (to answer after a restart)…
    const stored = await app.storage.keyv<{ target?: { token?: string } }>('jobs').get(`discord:${interaction.id}`);
    expect(stored?.target?.token).toBe(interaction.token);
    // …and it is nowhere in the core's log, on any line.
    expect(lines.join('\n')).not.toContain(interaction.token);
  });
});
