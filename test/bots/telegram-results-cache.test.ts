import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultsCache, type ResultsCacheOptions } from '../../src/bots/telegram/results-cache.ts';
import type { ImageData, ImageMime } from '../../src/core/images/image.ts';

/** The "Send as file" results cache, on a real disk: each test gets its own parent for the cache's temp dir. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newCache(options: Omit<ResultsCacheOptions, 'tmpDir'> = {}): { cache: ResultsCache; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'results-cache-test-'));
  const cache = new ResultsCache({ ...options, tmpDir: root });
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  cleanups.push(() => cache.close());
  return { cache, root };
}

const image = (bytes: number, mime: ImageMime = 'image/png', width = 10, height = 10): ImageData => ({ bytes: randomBytes(bytes), mime, width, height });

/** The files the cache holds, by name. */
function filesOf(cache: ResultsCache): string[] {
  const dir = cache.directory;
  return dir === undefined || !existsSync(dir) ? [] : readdirSync(dir).sort();
}

describe('ResultsCache on disk', () => {
  it('writes the images to files in a private temp dir and reads the same bytes back', async () => {
    const { cache, root } = newCache();
    const images = [image(5_000, 'image/png', 640, 480), image(3_000, 'image/jpeg', 32, 16)];
    cache.put('1:2', { images, firstMessageId: 77 });
    await cache.idle();

    const dir = cache.directory!;
    expect(dirname(dir)).toBe(root);
    expect(basename(dir)).toMatch(/^nano-banana-results-/);
    expect(filesOf(cache)).toHaveLength(2);
    expect(cache.totalBytes).toBe(8_000);

    const back = await cache.get('1:2');
    expect(back?.firstMessageId).toBe(77);
    expect(back?.images.map(({ mime, width, height }) => ({ mime, width, height }))).toEqual([
      { mime: 'image/png', width: 640, height: 480 },
      { mime: 'image/jpeg', width: 32, height: 16 },
    ]);
    expect(back?.images.map((read, i) => read.bytes.equals(images[i]!.bytes))).toEqual([true, true]);
    // Read from disk, not the objects that were put.
    expect(back?.images[0]!.bytes).not.toBe(images[0]!.bytes);
    expect(cache.firstMessageIdOf('1:2')).toBe(77);
    expect(await cache.get('other')).toBeUndefined();
    expect(cache.firstMessageIdOf('other')).toBeUndefined();
  });

  it('gives the images while they are still being written', async () => {
    const { cache } = newCache();
    const images = [image(2_000)];
    cache.put('a', { images, firstMessageId: 5 });
    // The directory is made asynchronously: nothing is on disk yet.
    expect(cache.directory).toBeUndefined();
    const pending = await cache.get('a');
    expect(pending?.images[0]!.bytes.equals(images[0]!.bytes)).toBe(true);
    expect(pending?.firstMessageId).toBe(5);
    await cache.idle();
    expect((await cache.get('a'))?.images[0]!.bytes.equals(images[0]!.bytes)).toBe(true);
  });

  it('forgets results after the TTL and deletes their files', async () => {
    let now = 1_000;
    const { cache } = newCache({ ttlMs: 30 * 60_000, now: () => now });
    cache.put('a', { images: [image(100)], firstMessageId: 9 });
    await cache.idle();
    now += 30 * 60_000 - 1;
    expect(await cache.get('a')).toBeDefined();
    now += 1;
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.firstMessageIdOf('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
    await cache.idle();
    expect(filesOf(cache)).toEqual([]);
  });

  it('keeps at most maxBytes on disk, evicting the oldest results and deleting their files', async () => {
    const { cache } = newCache({ maxBytes: 100 });
    cache.put('a', { images: [image(60)] });
    await cache.idle();
    const [fileOfA] = filesOf(cache);
    cache.put('b', { images: [image(20), image(10)] });
    cache.put('c', { images: [image(30)] });
    await cache.idle();

    expect(await cache.get('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(60);
    expect(filesOf(cache)).toHaveLength(3);
    expect(filesOf(cache)).not.toContain(fileOfA);
    expect((await cache.get('b'))?.images.map((read) => read.bytes.length)).toEqual([20, 10]);
    expect((await cache.get('c'))?.images.map((read) => read.bytes.length)).toEqual([30]);

    // Larger than the whole budget: not kept, and the others stay.
    cache.put('huge', { images: [image(101)] });
    await cache.idle();
    expect(await cache.get('huge')).toBeUndefined();
    expect(cache.totalBytes).toBe(60);
    expect(filesOf(cache)).toHaveLength(3);

    // The same request again replaces its files.
    cache.put('c', { images: [image(40)] });
    await cache.idle();
    expect(cache.totalBytes).toBe(70);
    expect(filesOf(cache)).toHaveLength(3);
    expect((await cache.get('c'))?.images.map((read) => read.bytes.length)).toEqual([40]);
  });

  it('answers undefined for a result whose file was deleted behind its back', async () => {
    const { cache } = newCache();
    cache.put('a', { images: [image(100), image(100)], firstMessageId: 3 });
    cache.put('b', { images: [image(100)] });
    await cache.idle();
    const [first] = filesOf(cache);
    unlinkSync(join(cache.directory!, first!));

    expect(await cache.get('a')).toBeUndefined();
    // The rest of that result is dropped too; the other result is untouched.
    expect(cache.firstMessageIdOf('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(100);
    await cache.idle();
    expect(filesOf(cache)).toHaveLength(1);
    expect((await cache.get('b'))?.images).toHaveLength(1);
  });

  it('drops a result it could not write, without throwing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'results-cache-test-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    // Its temp dir cannot be made: the parent does not exist.
    const cache = new ResultsCache({ tmpDir: join(root, 'missing') });
    cleanups.push(() => cache.close());
    expect(() => cache.put('a', { images: [image(100)], firstMessageId: 1 })).not.toThrow();
    await cache.idle();
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.firstMessageIdOf('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
  });

  it('removes its directory and forgets everything on close, and keeps nothing afterwards', async () => {
    const { cache, root } = newCache();
    cache.put('a', { images: [image(100)], firstMessageId: 1 });
    await cache.idle();
    const dir = cache.directory!;
    expect(existsSync(dir)).toBe(true);

    await cache.close();
    expect(existsSync(dir)).toBe(false);
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.firstMessageIdOf('a')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);

    cache.put('b', { images: [image(100)] });
    await cache.idle();
    expect(await cache.get('b')).toBeUndefined();
    expect(readdirSync(root)).toEqual([]);
  });

  it('closes cleanly while a write is still under way', async () => {
    const { cache, root } = newCache();
    cache.put('a', { images: [image(100_000), image(100_000)] });
    await cache.close();
    expect(readdirSync(root)).toEqual([]);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('removes its directory when the process exits without close() (a forced exit at shutdown)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'results-cache-test-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const module = pathToFileURL(join(import.meta.dirname, '../../src/bots/telegram/results-cache.ts')).href;
    const script = [
      `const { ResultsCache, removeOpenResultDirs } = await import(${JSON.stringify(module)});`,
      // As main.ts does.
      "process.once('exit', removeOpenResultDirs);",
      `const cache = new ResultsCache({ tmpDir: ${JSON.stringify(root)} });`,
      `cache.put('a', { images: [{ bytes: Buffer.alloc(1000, 7), mime: 'image/png', width: 1, height: 1 }] });`,
      'await cache.idle();',
      'console.log(cache.directory);',
      'process.exit(1);',
    ].join('\n');
    const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]).catch((error: { stdout: string; code: number }) => error);
    expect('code' in child ? child.code : 0).toBe(1);
    // It had written its file there, and nothing is left.
    expect(basename(child.stdout.trim())).toMatch(/^nano-banana-results-/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('holds no reference to the image bytes once they are written', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { cache } = newCache();
    const refs = ((): Array<WeakRef<Buffer>> => {
      const images = [image(50_000), image(50_000)];
      cache.put('a', { images });
      return images.map((one) => new WeakRef(one.bytes));
    })();
    await cache.idle();
    // WeakRefs are kept alive until the end of the current task: collect across a few tasks.
    for (let i = 0; i < 5 && refs.some((ref) => ref.deref() !== undefined); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined]);
    expect((await cache.get('a'))?.images.map((read) => read.bytes.length)).toEqual([50_000, 50_000]);
  });
});
