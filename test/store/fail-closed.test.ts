import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.ts';
import { errorMessage } from '../../src/core/messages.ts';
import { openSqliteStorage } from '../../src/core/store/sqlite.ts';
import { buildTestCore } from '../helpers/core.ts';
import { startFakeFal, type FakeFal } from '../helpers/fake-fal.ts';
import { makePng } from '../helpers/png.ts';

let dir: string;
let fal: FakeFal | undefined;
afterEach(async () => {
  await fal?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a failing store fails closed', () => {
  it('makes Keyv reads throw STORE_UNAVAILABLE instead of answering "nothing stored"', async () => {
    dir = mkdtempSync(join(tmpdir(), 'failclosed-'));
    const storage = openSqliteStorage(join(dir, 'bot.sqlite'));
    const jobs = storage.keyv<{ state: string }>('jobs');
    await jobs.set('a', { state: 'done' });
    await storage.close();
    await expect(jobs.get('a')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(jobs.set('b', { state: 'done' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('denies an edit with a clear message, and nothing reaches the paid provider', async () => {
    dir = mkdtempSync(join(tmpdir(), 'failclosed-'));
    fal = await startFakeFal();
    const storage = openSqliteStorage(join(dir, 'bot.sqlite'));
    const { commands } = await buildTestCore({ falUrl: fal.url, overrides: { storage } });
    await storage.close(); // the database goes away under a running bot

    const said: string[] = [];
    const ctx: CommandContext = {
      platform: 'telegram',
      requestId: '1:1',
      userId: '7',
      communityId: null,
      status: async (text) => void said.push(text),
      deliver: async () => {
        throw new Error('nothing may be delivered');
      },
      finish: async (text) => void said.push(text),
    };
    const bytes = makePng(8, 8);
    await commands.edit(ctx, { prompt: 'make it red', images: [{ load: async () => bytes }] });
    expect(said.at(-1)).toBe(errorMessage('STORE_UNAVAILABLE'));
    expect(fal.requests).toHaveLength(0);
  });
});
