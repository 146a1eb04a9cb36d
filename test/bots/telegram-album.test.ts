import { describe, expect, it } from 'vitest';
import { AlbumMemory } from '../../src/bots/telegram/album-memory.ts';
import { AlbumCollector, type Timers } from '../../src/bots/telegram/album.ts';

/** Timers driven by the test: time moves only when `advance` is called. */
function manualTimers(): Timers & { advance(ms: number): void; readonly pending: number } {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    set(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clear: (handle) => void timers.delete(handle as number),
    get pending() {
      return timers.size;
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
  };
}

function collector(timers: Timers, noticeWanted = true) {
  const albums: string[][] = [];
  const c = new AlbumCollector<string>({
    windowMs: 1000,
    maxWaitMs: 5000,
    timers,
    onAlbum: (items) => {
      albums.push([...items]);
      return noticeWanted;
    },
  });
  return { c, albums };
}

describe('AlbumCollector', () => {
  it('hands over an album once no item came for a whole window, the window sliding with each item', async () => {
    const timers = manualTimers();
    const { c, albums } = collector(timers);
    const first = c.add('chat:g', 'a');
    expect(first.kind).toBe('started');
    timers.advance(900);
    expect(c.add('chat:g', 'b')).toEqual({ kind: 'joined' });
    timers.advance(900);
    expect(c.add('chat:g', 'c')).toEqual({ kind: 'joined' });
    timers.advance(999);
    expect(albums).toEqual([]);
    timers.advance(1);
    expect(albums).toEqual([['a', 'b', 'c']]);
    expect(c.pendingCount).toBe(0);
    if (first.kind === 'started') await first.flushed;
  });

  it('keeps albums of different keys apart', () => {
    const timers = manualTimers();
    const { c, albums } = collector(timers);
    c.add('chat:g1', 'a');
    c.add('chat:g2', 'x');
    c.add('chat:g1', 'b');
    timers.advance(1000);
    // g2's window ended first: its only item came before g1's second.
    expect(albums).toEqual([['x'], ['a', 'b']]);
  });

  it('hands over at the latest maxWaitMs after the first item', () => {
    const timers = manualTimers();
    const { c, albums } = collector(timers);
    for (let i = 0; i < 10; i++) {
      c.add('k', `i${i}`);
      timers.advance(700);
    }
    // Items at 0…4900 ms made the album, which went at 5000 ms; the two after it are late.
    expect(albums).toHaveLength(1);
    expect(albums[0]).toHaveLength(8);
    expect(c.add('k', 'later')).toMatchObject({ kind: 'late', takenCount: 8 });
  });

  it('reports late items, asking for a notice only once per album', () => {
    const timers = manualTimers();
    const { c } = collector(timers);
    c.add('k', 'a');
    c.add('k', 'b');
    timers.advance(1000);
    expect(c.add('k', 'c')).toEqual({ kind: 'late', notify: true, takenCount: 2 });
    expect(c.add('k', 'd')).toEqual({ kind: 'late', notify: false, takenCount: 2 });
    expect(timers.pending).toBe(0);
  });

  it('never asks for a notice about an album that started nothing', () => {
    const timers = manualTimers();
    const { c } = collector(timers, false);
    c.add('k', 'a');
    timers.advance(1000);
    expect(c.add('k', 'b')).toEqual({ kind: 'late', notify: false, takenCount: 1 });
  });

  it('flushAll hands over what is still gathering', () => {
    const timers = manualTimers();
    const { c, albums } = collector(timers);
    c.add('k', 'a');
    c.flushAll();
    expect(albums).toEqual([['a']]);
    expect(timers.pending).toBe(0);
  });
});

describe('AlbumMemory', () => {
  it('finds an album by any of its items until the TTL ends, and stays bounded', () => {
    let now = 0;
    const memory = new AlbumMemory({ ttlMs: 1000, maxEntries: 4, now: () => now });
    const images = [{ fileId: 'a' }, { fileId: 'b' }];
    memory.remember(7, [10, 11], images);
    expect(memory.imagesOf(7, 11)).toBe(images);
    expect(memory.imagesOf(8, 11)).toBeUndefined();
    memory.remember(7, [20, 21, 22], [{ fileId: 'c' }]);
    expect(memory.imagesOf(7, 10)).toBeUndefined(); // the oldest went to keep four entries
    expect(memory.imagesOf(7, 11)).toBe(images);
    now = 1000;
    expect(memory.imagesOf(7, 11)).toBeUndefined();
  });
});
