import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A cheap guard for issue 8's deployment files: no docker daemon runs in CI, so these read the
 * Dockerfile and docker-compose.yml and check the essentials a careless edit could drop.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const read = (name: string) => readFileSync(resolve(ROOT, name), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped, grouped by FROM. */
function stagesOf(dockerfile: string): Instruction[][] {
  const lines = dockerfile.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const argsOf = (stage: readonly Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

/** The lines of one top-level compose service (two-space indent), up to the next service or section. */
function composeService(compose: string, name: string): string | undefined {
  const services = /^services:\n([\s\S]*?)(?=^\S|(?![\s\S]))/m.exec(compose)?.[1] ?? '';
  const blocks = services.split(/^(?= {2}[\w-]+:\s*$)/m);
  return blocks.find((block) => block.startsWith(`  ${name}:`));
}

describe('Dockerfile', () => {
  const stages = stagesOf(read('Dockerfile'));
  const runtime = stages.at(-1) ?? [];

  it('builds in several stages, each on node:24-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:24-slim(\s|$)/);
  });

  it('installs only the production dependencies in the runtime stage, from the lock file', () => {
    expect(argsOf(runtime, 'RUN').some((run) => /npm ci\b[^&|;]*--omit=dev/.test(run))).toBe(true);
    // The dev dependencies of the build stage must not be carried over wholesale.
    expect(argsOf(runtime, 'COPY').some((copy) => /--from=\S+\s+\S*node_modules/.test(copy))).toBe(false);
    expect(argsOf(runtime, 'COPY').some((copy) => /--from=\S+\s+\S*dist\b/.test(copy))).toBe(true);
  });

  it('runs as the non-root node user, with ./data on a volume', () => {
    expect(argsOf(runtime, 'USER')).toEqual(['node']);
    expect(argsOf(runtime, 'VOLUME').join(' ')).toMatch(/\/app\/data\b/);
    expect(argsOf(runtime, 'WORKDIR').at(-1)).toBe('/app');
  });

  it('turns on the HTTP server and checks /healthz with node itself (slim has no curl)', () => {
    expect(argsOf(runtime, 'ENV').join(' ')).toMatch(/\bHTTP_PORT[= ]8080\b/);
    expect(argsOf(runtime, 'EXPOSE')).toContain('8080');
    const [healthcheck] = argsOf(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it('starts node directly (so docker stop reaches the bot as SIGTERM), with the same flags as npm start', () => {
    const [cmd] = argsOf(runtime, 'CMD');
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    expect(JSON.parse(cmd!)).toEqual(start.split(' '));
    expect(start).toMatch(/^node --experimental-sqlite .*dist\/main\.js$/);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['.env', 'node_modules', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');

  it('runs the bot on the Redis store, with its env file, data volume, healthcheck and restart policy', () => {
    const bot = composeService(compose, 'bot');
    expect(bot).toBeDefined();
    expect(bot).toMatch(/STORE_URL[:=]\s*redis:\/\/redis:6379/);
    expect(bot).toMatch(/env_file:\s*\.env/);
    expect(bot).toMatch(/- [\w-]+:\/app\/data/);
    expect(bot).toMatch(/healthcheck:[\s\S]*\/healthz/);
    expect(bot).toMatch(/restart:\s*(always|unless-stopped)/);
    expect(bot).toMatch(/depends_on:[\s\S]*redis:[\s\S]*condition:\s*service_healthy/);
  });

  it('runs Redis with a healthcheck, a restart policy and a named volume', () => {
    const redis = composeService(compose, 'redis');
    expect(redis).toBeDefined();
    expect(redis).toMatch(/image:\s*redis:/);
    expect(redis).toMatch(/healthcheck:/);
    expect(redis).toMatch(/restart:\s*(always|unless-stopped)/);
    const volume = /- ([\w-]+):\/data/.exec(redis!)?.[1];
    expect(volume).toBeDefined();
    expect(compose).toMatch(new RegExp(`^volumes:[\\s\\S]*^ {2}${volume}:`, 'm'));
  });
});
