import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/core/log.ts';
import { dispatchEdit, isOriginalEdit, startDiscordWorld } from '../helpers/discord-world.ts';
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

/** The whole Discord path, with the core logging into `lines`. */
async function startLoggedWorld(lines: string[]) {
  const coreLogger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
  return startDiscordWorld(cleanups, { coreLogger });
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
