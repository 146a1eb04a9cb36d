import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { startDiscordBot } from '../../src/bots/discord/start.ts';
import { startTelegramBot } from '../../src/bots/telegram/start.ts';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/core/log.ts';
import { messages } from '../../src/core/messages.ts';
import { TEST_FAL_KEY } from '../helpers/core.ts';
import { dispatchEdit } from '../helpers/discord-world.ts';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.ts';
import { makePng } from '../helpers/png.ts';
import { expectNoSecrets, textOf } from '../helpers/secret-scan.ts';

/**
 * Secrets never reach a log line, a reply or an error. Real jobs run end to end on both platforms —
 * one that succeeds, one the provider fails with an error that quotes the secrets back, one with a
 * bad input — with every log line of the core and the bots at trace level in a buffer. Then the logs,
 * everything the fake platforms received as message content, and everything fal received besides its
 * own key header are scanned for the bot tokens, FAL_KEY and the interaction tokens.
 *
 * The logger has no `secrets` to scrub here: the scan checks that nothing logs a secret in the first
 * place (fields are caught by the redact paths), not the last-resort scrubbing.
 */

interface World {
  readonly fal: FakeFal;
  readonly tg: FakeTelegram;
  readonly discord: FakeDiscord;
  readonly app: App;
  readonly logs: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startWorld(): Promise<World> {
  const logs: string[] = [];
  const logger = createLogger('trace', { destination: { write: (line: string) => void logs.push(line) } });
  const fal = await startFakeFal({ key: TEST_FAL_KEY });
  cleanups.push(() => fal.close());
  const tg = await startFakeTelegram();
  cleanups.push(() => tg.close());
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  const parsed = parseConfig({
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE: discord.apiBase,
    FAL_KEY: TEST_FAL_KEY,
    FAL_QUEUE_URL: fal.url,
    STORE_URL: 'memory://',
    LOG_LEVEL: 'trace',
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, logger, {
    poll: { initialMs: 10, maxMs: 50, factor: 1.5 },
    providerRetry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
    maxJobsPerUser: 0,
    userCooldownMs: 0,
  });
  cleanups.push(() => app.close());
  const telegram = await startTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, commands: app.commands, storage: app.storage, logger, statusEditIntervalMs: 20 });
  cleanups.push(() => telegram.stop());
  const discordBot = await startDiscordBot({
    token: discord.token,
    apiBase: discord.apiBase,
    guildId: discord.guildId,
    commands: app.commands,
    storage: app.storage,
    logger,
    statusIntervalMs: 20,
    downloadPolicy: app.downloadPolicy,
  });
  cleanups.push(() => discordBot.stop());
  return { fal, tg, discord, app, logs };
}

/** A provider failure whose message quotes the secrets back, as a careless or hostile API might. */
function failQuotingSecrets(world: World, ...secrets: string[]): void {
  world.fal.script = {
    ...world.fal.script,
    outcome: { kind: 'error', httpStatus: 422, body: { detail: [{ msg: `refused for ${secrets.join(' and ')}`, type: 'value_error' }] } },
  };
}

/** Everything fal received except its own key header, where FAL_KEY belongs. */
function falReceived(fal: FakeFal): string {
  return textOf(fal.requests.map((request) => ({ path: request.path, body: request.bodyText, headers: { ...request.headers, authorization: undefined } })));
}

/** Resolves once `check` holds; fails the test after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const PHOTO = () => [{ width: 64, height: 48, bytes: makePng(64, 48, 3) }];
const saysNotCharged = (value: unknown) => textOf(value).includes(messages.notCharged);

describe('no secret leaks, end to end', () => {
  it('Telegram: a result, a provider error quoting the secrets and a bad file leak no token or key', async () => {
    const world = await startWorld();
    const { tg, fal } = world;

    tg.injectPhoto({ caption: 'make it blue', sizes: PHOTO() });
    await tg.waitForCall('sendPhoto', undefined, 10_000);
    await tg.waitForCall('editMessageText', (call) => /Done in/.test(String(call.params.text)), 10_000);

    failQuotingSecrets(world, tg.token, TEST_FAL_KEY);
    tg.injectPhoto({ caption: 'make it red', sizes: PHOTO() });
    await fal.waitForJob(2);
    await tg.waitForCall('editMessageText', (call) => saysNotCharged(call.params), 10_000);

    const before = tg.calls.filter((call) => saysNotCharged(call.params)).length;
    tg.injectDocument({ caption: 'make it green', bytes: Buffer.from('not an image at all\n'.repeat(40)), mimeType: 'image/png', fileName: 'fake.png' });
    await until(() => tg.calls.filter((call) => saysNotCharged(call.params)).length > before);

    const secrets = { 'Telegram bot token': tg.token, 'Telegram key part': tg.token.split(':')[1]!, FAL_KEY: TEST_FAL_KEY };
    expect(world.logs.length).toBeGreaterThan(10);
    expectNoSecrets(world.logs.join(''), secrets, 'the logs');
    expectNoSecrets(textOf(tg.calls.map((call) => ({ method: call.method, params: call.params, files: call.files }))), secrets, 'what Telegram received');
    expectNoSecrets(falReceived(fal), secrets, 'what fal received');
    expect(world.logs.join('')).not.toContain('/file/bot');
  });

  it('Discord: a result, a provider error quoting the secrets and a bad attachment leak no token, key or interaction token', async () => {
    const world = await startWorld();
    const { discord, fal } = world;
    const tokens: string[] = [];
    const finalOf = (token: string) => (call: { path: string; json?: unknown; files: unknown[] }) =>
      call.path.includes(`/webhooks/${discord.applicationId}/${token}`) && (call.files.length > 0 || saysNotCharged(call.json));

    const good = dispatchEdit(discord, 'make it blue', [discord.addAttachment(makePng(48, 32, 7), 'cat.png', 'image/png', { width: 48, height: 32 })]);
    tokens.push(good.token);
    await discord.waitForCall(finalOf(good.token), 10_000);

    failQuotingSecrets(world, discord.token, TEST_FAL_KEY, good.token);
    const failing = dispatchEdit(discord, 'make it red', [discord.addAttachment(makePng(48, 32, 8), 'dog.png', 'image/png', { width: 48, height: 32 })]);
    tokens.push(failing.token);
    await fal.waitForJob(2);
    await discord.waitForCall(finalOf(failing.token), 10_000);

    const bad = dispatchEdit(discord, 'make it green', [discord.addAttachment(Buffer.from('plain text\n'.repeat(50)), 'x.png', 'image/png')]);
    tokens.push(bad.token);
    await discord.waitForCall(finalOf(bad.token), 10_000);

    const secrets: Record<string, string> = { 'Discord bot token': discord.token, FAL_KEY: TEST_FAL_KEY };
    tokens.forEach((token, i) => (secrets[`interaction token #${i}`] = token));
    expect(world.logs.length).toBeGreaterThan(10);
    expectNoSecrets(world.logs.join(''), secrets, 'the logs');
    // The interaction token is in the URL of every call by design; the content sent must not repeat it.
    expectNoSecrets(textOf(discord.calls.map((call) => ({ json: call.json, files: call.files }))), secrets, 'what Discord received');
    expectNoSecrets(falReceived(fal), secrets, 'what fal received');
  });
});
