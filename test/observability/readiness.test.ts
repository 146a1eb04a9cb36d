import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordWorld } from '../helpers/discord-world.ts';
import { startTelegramWorld } from '../helpers/telegram-world.ts';

/** /readyz: the store answers a read and each platform adapter is connected; 503 as soon as one is not. */

let cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function readyz(port: number | undefined): Promise<{ status: number; body: { status: string; checks: Record<string, boolean> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, boolean> } };
}

describe('/readyz', () => {
  it('is 200 while the store and Telegram are up, 503 once polling stopped, and says which check failed', async () => {
    const { app, bot } = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' } });
    // As main.ts does for each adapter it starts.
    app.readiness.add('telegram', () => bot.ready?.() ?? false);
    expect(await readyz(app.httpPort)).toEqual({ status: 200, body: { status: 'ready', checks: { store: true, telegram: true } } });

    await bot.stopIntake();
    expect(await readyz(app.httpPort)).toEqual({ status: 503, body: { status: 'not ready', checks: { store: true, telegram: false } } });
  });

  it('is 503 when the store is closed, while /healthz still says alive', async () => {
    const { app } = await startTelegramWorld(cleanups, { env: { HTTP_PORT: '0' } });
    expect((await readyz(app.httpPort)).status).toBe(200);

    await app.storage.close();
    expect(await readyz(app.httpPort)).toEqual({ status: 503, body: { status: 'not ready', checks: { store: false } } });
    expect((await fetch(`http://127.0.0.1:${app.httpPort}/healthz`)).status).toBe(200);
  });

  it('reports Discord ready while its gateway connection is up, and not once the bot stopped', async () => {
    const { app, bot } = await startDiscordWorld(cleanups, { env: { HTTP_PORT: '0' } });
    app.readiness.add('discord', () => bot.ready?.() ?? false);
    expect(await readyz(app.httpPort)).toEqual({ status: 200, body: { status: 'ready', checks: { store: true, discord: true } } });

    await bot.stop();
    expect(await readyz(app.httpPort)).toEqual({ status: 503, body: { status: 'not ready', checks: { store: true, discord: false } } });
  });
});
