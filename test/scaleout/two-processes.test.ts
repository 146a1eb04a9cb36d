import { afterEach, describe, expect, it } from 'vitest';
import { catalogueFor } from '../../src/core/messages.ts';
import type { QuotaView } from '../../src/core/quota/ledger.ts';
import { stopBotProcesses } from '../helpers/bot-process.ts';
import { expectNoSecrets } from '../helpers/secret-scan.ts';
import { repliesTo } from '../helpers/telegram-world.ts';
import {
  FAL_KEY, WEBHOOK_SECRET, askQuota, commonPrefix, deleteRedisKeysMentioning, forward, photoFrom, photosAnswering, randomUserId,
  startCluster, textsAnswering, waitUntil, type Cluster,
} from './scaleout-kit.ts';

/**
 * Issue 8, "Scale-out": two bot processes sharing one Redis, tested together against the fakes.
 * Both run in Telegram webhook mode (long polling allows one consumer per token) behind one public
 * URL; the test plays the load balancer and posts each update to the process it picks.
 *
 * - Quotas stay exact: one user's requests spread over both processes at once are charged against
 *   one quota, never more than it allows (the per-user abuse limits, MAX_JOBS_PER_USER and
 *   USER_COOLDOWN, are switched off there, so that the quota is the only limit in play).
 * - A job started by one process that is killed is finished by the other, which has been running all
 *   along: once the dead process's lease lapses (10 s) the live one's resume sweep (every 5 s) takes
 *   the job over, follows it at fal and delivers it. Hence the generous timeouts.
 */

const say = catalogueFor('en');
const QUOTA = 3;
/** Long enough that the job is still at fal when its process dies, short enough to be done soon after. */
const TAKEOVER_FAL_MS = 6_000;
const TAKEOVER_MS = 45_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await stopBotProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A user's quota as the catalogue renders it, this test's config (QUOTA_WINDOW=month, no bonus, nobody blocked). */
function quotaView(used: number, resetsAt = new Date(Date.now() + 86_400_000)): QuotaView {
  return { limit: QUOTA, limitSource: 'config', used, reserved: 0, remaining: QUOTA - used, bonus: 0, resetsAt, window: 'month', timeZone: 'UTC', blocked: null };
}

/** The refusal of a request when the quota is used up, up to its "resets in …" tail (which depends on the clock). */
const exhaustedPrefix = (() => {
  const now = Date.now();
  return commonPrefix(
    say.quotaExhausted(quotaView(QUOTA, new Date(now + 3_600_000)), 1, now),
    say.quotaExhausted(quotaView(QUOTA, new Date(now + 20 * 86_400_000)), 1, now),
  );
})();
/** The summary a delivered job's status message ends with, up to its elapsed time. */
const donePrefix = commonPrefix(say.done(1_000, quotaView(1)), say.done(22_000, quotaView(1)));
/** The line of /quota's answer that counts the images (the next says when it resets). */
const usedLine = (used: number) => say.quota(quotaView(used), 'soon').split('\n')[0];

/** Fails unless each process's whole output is free of the secrets it was given. */
function expectNoSecretsLogged(cluster: Cluster): void {
  const secrets = { 'bot token': cluster.tg.token.split(':')[1]!, 'fal key': FAL_KEY, 'webhook secret': WEBHOOK_SECRET };
  for (const { bot } of [cluster.a, cluster.b]) expectNoSecrets(bot.output(), secrets, `${bot.name}'s output`);
}

const errorLogs = (cluster: Cluster) =>
  [cluster.a, cluster.b].flatMap(({ bot }) => bot.logs().filter((line) => Number(line.level) >= 50).map((line) => `${bot.name}: ${JSON.stringify(line)}`));

const jobsDone = (cluster: Cluster) => [cluster.a, cluster.b].flatMap(({ bot }) => bot.logs().filter((line) => line.msg === 'job done')).length;

/** How many requests a process charged (`reserved`) and refused (`rejected`): its own decisions on the shared ledger. */
const decisions = ({ bot }: Cluster['a']) => {
  const states = bot.logs().filter((line) => line.msg === 'job state').map((line) => line.state);
  return { reserved: states.filter((state) => state === 'reserved').length, rejected: states.filter((state) => state === 'rejected').length };
};

const falSubmits = (cluster: Cluster) => cluster.fal.requests.filter((r) => r.method === 'POST' && !r.path.includes('/requests/'));

/**
 * Waits until each message has its last word: a result photo (and its "Done" summary), or the
 * quota refusal. Resolves with the messages that got a photo and those refused.
 */
async function settle(cluster: Cluster, messageIds: readonly number[]): Promise<{ delivered: number[]; refused: number[] }> {
  const { tg } = cluster;
  const delivered = (id: number) => photosAnswering(tg, id).length > 0 && (textsAnswering(tg, id).at(-1) ?? '').startsWith(donePrefix);
  const refused = (id: number) => (textsAnswering(tg, id).at(-1) ?? '').startsWith(exhaustedPrefix);
  await waitUntil(
    'every request delivered or refused',
    () => messageIds.every((id) => delivered(id) || refused(id)),
    40_000,
  );
  return { delivered: messageIds.filter(delivered), refused: messageIds.filter(refused) };
}

describe('two bot processes sharing one Redis', () => {
  it('keep one user\'s quota exact: six requests at once through both processes, three charged, three refused', { timeout: 90_000 }, async () => {
    const cluster = await startCluster(cleanups, { falJobMs: 1_000, env: { QUOTA_LIMIT: String(QUOTA), MAX_JOBS_PER_USER: '0', USER_COOLDOWN: '0' } });
    const { tg, fal, a, b } = cluster;
    const userId = randomUserId();
    cleanups.push(() => deleteRedisKeysMentioning(String(userId)));

    // 1st, 3rd and 5th to A; 2nd, 4th and 6th to B; all in flight together.
    const photos = Array.from({ length: 6 }, (_, i) => photoFrom(tg, userId, 10 + i));
    const statuses = await Promise.all(photos.map((photo, i) => forward(tg, i % 2 === 0 ? a : b, photo)));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

    const ids = photos.map((photo) => photo.message_id);
    const { delivered, refused } = await settle(cluster, ids);
    expect(delivered).toHaveLength(QUOTA);
    expect(refused).toHaveLength(6 - QUOTA);
    expect([...delivered, ...refused].sort()).toEqual([...ids].sort());
    await waitUntil('three "job done" logs', () => jobsDone(cluster) === QUOTA, 10_000);
    // Each process decided on the three it was given, against the one ledger (how they split varies).
    const [byA, byB] = [decisions(a), decisions(b)];
    expect(byA.reserved + byA.rejected).toBe(3);
    expect(byB.reserved + byB.rejected).toBe(3);
    expect(byA.reserved + byB.reserved).toBe(QUOTA);

    // Exactly three went to fal, each delivered once, and each refused request got nothing else.
    expect(fal.jobs).toHaveLength(QUOTA);
    expect(falSubmits(cluster)).toHaveLength(QUOTA);
    expect(tg.callsOf('sendPhoto')).toHaveLength(QUOTA);
    for (const id of delivered) expect(photosAnswering(tg, id)).toHaveLength(1);
    for (const id of refused) {
      expect(photosAnswering(tg, id)).toHaveLength(0);
      expect(textsAnswering(tg, id).filter((text) => text.startsWith(donePrefix))).toHaveLength(0);
    }
    const results = tg.callsOf('sendPhoto').map((c) => c.files.photo!.bytes);
    for (const job of fal.jobs) expect(results.filter((bytes) => bytes.equals(job.resultImages[0]!))).toHaveLength(1);

    // Both processes read the same ledger.
    expect((await askQuota(tg, a, userId)).split('\n')[0]).toBe(usedLine(QUOTA));
    expect((await askQuota(tg, b, userId)).split('\n')[0]).toBe(usedLine(QUOTA));
    expect(errorLogs(cluster)).toEqual([]);
    expectNoSecretsLogged(cluster);
  });

  it('keep two users\' quotas apart: each gets exactly their own, whichever process serves them', { timeout: 90_000 }, async () => {
    const cluster = await startCluster(cleanups, { falJobMs: 1_000, env: { QUOTA_LIMIT: String(QUOTA), MAX_JOBS_PER_USER: '0', USER_COOLDOWN: '0' } });
    const { tg, fal, a, b } = cluster;
    const users = [randomUserId(), randomUserId()] as const;
    for (const user of users) cleanups.push(() => deleteRedisKeysMentioning(String(user)));

    // Five requests each, interleaved; each user's alternate between the processes, the two users' crosswise.
    const sent = Array.from({ length: 5 }, (_, i) =>
      users.map((user, u) => ({ user, photo: photoFrom(tg, user, 40 + 10 * u + i), node: (i + u) % 2 === 0 ? a : b })),
    ).flat();
    const statuses = await Promise.all(sent.map(({ photo, node }) => forward(tg, node, photo)));
    expect(statuses.every((status) => status === 200)).toBe(true);

    for (const user of users) {
      const ids = sent.filter((s) => s.user === user).map((s) => s.photo.message_id);
      const { delivered, refused } = await settle(cluster, ids);
      expect(delivered, `user ${user}`).toHaveLength(QUOTA);
      expect(refused, `user ${user}`).toHaveLength(5 - QUOTA);
      expect(tg.callsOf('sendPhoto').filter((c) => c.params.chat_id === user)).toHaveLength(QUOTA);
    }
    await waitUntil('six "job done" logs', () => jobsDone(cluster) === 2 * QUOTA, 10_000);
    expect(fal.jobs).toHaveLength(2 * QUOTA);
    expect(falSubmits(cluster)).toHaveLength(2 * QUOTA);

    expect((await askQuota(tg, b, users[0])).split('\n')[0]).toBe(usedLine(QUOTA));
    expect((await askQuota(tg, a, users[1])).split('\n')[0]).toBe(usedLine(QUOTA));
    expect(errorLogs(cluster)).toEqual([]);
  });

  it('finish a job whose process was killed: the live peer takes it over and delivers it, one submit, one image charged', { timeout: 90_000 }, async () => {
    const cluster = await startCluster(cleanups, { falJobMs: TAKEOVER_FAL_MS, env: { QUOTA_LIMIT: String(QUOTA) } });
    const { tg, fal, a, b } = cluster;
    const userId = randomUserId();
    cleanups.push(() => deleteRedisKeysMentioning(String(userId)));

    // A gets the photo. It is killed once the job is at fal *and* A has recorded that: the first
    // progress edit comes after the submission is saved.
    const photo = photoFrom(tg, userId, 77);
    expect(await forward(tg, a, photo)).toBe(200);
    await fal.waitForJob(1, 20_000);
    const status = await tg.waitForCall('sendMessage', repliesTo(photo.message_id), 10_000);
    const statusId: number = status.result.message_id;
    await tg.waitForCall('editMessageText', (c) => c.params.message_id === statusId, 10_000);
    expect(tg.callsOf('sendPhoto')).toHaveLength(0);
    expect((await a.bot.kill()).signal).toBe('SIGKILL');

    // B, up since before the photo arrived, delivers the result as a reply to the original message
    // and ends with the summary on the status message A sent.
    const result = await tg.waitForCall('sendPhoto', repliesTo(photo.message_id), TAKEOVER_MS);
    expect(result.files.photo?.bytes.equals(fal.jobs[0]!.resultImages[0]!)).toBe(true);
    const isSummary = (c: { params: Record<string, unknown> }) => c.params.message_id === statusId && String(c.params.text).startsWith(donePrefix);
    await tg.waitForCall('editMessageText', isSummary, 10_000);
    await b.bot.waitForLog('resuming job', 1_000);
    await b.bot.waitForLog('job done', 10_000);
    expect(b.bot.running).toBe(true);
    expect(b.bot.logs().filter((line) => line.msg === 'ready')).toHaveLength(1);
    expect(a.bot.logs().some((line) => line.msg === 'job done')).toBe(false);

    expect(fal.jobs).toHaveLength(1);
    expect(falSubmits(cluster)).toHaveLength(1);
    expect(fal.jobs[0]!.cancelled).toBe(false);
    expect(photosAnswering(tg, photo.message_id)).toHaveLength(1);
    expect((await askQuota(tg, b, userId)).split('\n')[0]).toBe(usedLine(1));
    expectNoSecretsLogged(cluster);
    expect((await b.bot.stop()).code).toBe(0);
  });
});
