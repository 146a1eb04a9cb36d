import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of DESIGN.md: main → bots → commands → core, and bots → core.
 * core knows no chat platform; commands know no platform SDK; the two bots never import each other;
 * only main.ts and the start… functions touch process.env, signals, sockets and timers at import.
 */
const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports, statically or dynamically. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  specifiers.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  specifiers.push(...[...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!));
  return specifiers;
}

/** `core`, `commands`, `bots/discord`, `bots/telegram`, or the top-level file name. */
function layerOf(path: string): string {
  const rel = relative(SRC, path).split('/');
  if (rel[0] === 'bots') return `bots/${rel[1]}`;
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

const files = sourceFiles(SRC);
const edges = files.flatMap((file) =>
  importsOf(file).map((spec) => ({
    from: relative(SRC, file),
    fromLayer: layerOf(file),
    spec,
    toLayer: spec.startsWith('.') ? layerOf(resolve(dirname(file), spec)) : `pkg:${spec}`,
  })),
);

const PLATFORM_SDKS = /^pkg:(discord\.js|@discordjs\/|grammy|@grammyjs\/)/;

describe('dependency rule', () => {
  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(edges.some((e) => e.fromLayer === 'commands' && e.toLayer === 'core')).toBe(true);
  });

  it('core imports no platform SDK, commands or bots', () => {
    const bad = edges.filter(
      (e) => e.fromLayer === 'core' && (PLATFORM_SDKS.test(e.toLayer) || e.toLayer === 'commands' || e.toLayer.startsWith('bots/') || e.toLayer === 'config' || e.toLayer === 'main' || e.toLayer === 'app'),
    );
    expect(bad).toEqual([]);
  });

  it('commands import neither a platform SDK nor a bot', () => {
    const bad = edges.filter((e) => e.fromLayer === 'commands' && (PLATFORM_SDKS.test(e.toLayer) || e.toLayer.startsWith('bots/') || e.toLayer === 'main'));
    expect(bad).toEqual([]);
  });

  it('the two bots never import each other, nor the other platform SDK', () => {
    const bad = edges.filter(
      (e) =>
        (e.fromLayer === 'bots/discord' && (e.toLayer === 'bots/telegram' || /^pkg:(grammy|@grammyjs\/)/.test(e.toLayer))) ||
        (e.fromLayer === 'bots/telegram' && (e.toLayer === 'bots/discord' || /^pkg:(discord\.js|@discordjs\/)/.test(e.toLayer))),
    );
    expect(bad).toEqual([]);
  });

  it('nothing imports main.ts, and only main.ts reads process.env or handles signals', () => {
    expect(edges.filter((e) => e.toLayer === 'main')).toEqual([]);
    const offenders = files
      .filter((f) => relative(SRC, f) !== 'main.ts')
      .filter((f) => /process\.env|process\.on\(|process\.once\(|process\.exit/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });

  it('importing a module starts no timer or server (no top-level side effects)', () => {
    const offenders = files
      .filter((f) => relative(SRC, f) !== 'main.ts')
      .filter((f) => /^(?:setTimeout|setInterval|[\w.]*listen)\(/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
