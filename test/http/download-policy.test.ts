import { describe, expect, it } from 'vitest';
import { DEFAULT_DOWNLOAD_POLICY, hostPatternOf, isHostPattern, judgeDownload, type DownloadPolicy } from '../../src/core/http/download-policy.ts';
import { isPrivateAddress, publicOnlyLookup } from '../../src/core/http/private-address.ts';

const judge = (policy: DownloadPolicy, url: string) => judgeDownload(policy, new URL(url));

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:10.0.0.1', '64:ff9b::a00:1', '64:ff9b::127.0.0.1', '2002:7f00:1::', '2002:c0a8:101::1', '[::1]', 'not-an-ip',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('judgeDownload', () => {
  const policy: DownloadPolicy = {
    publicHosts: ['cdn.discordapp.com', '*.fal.media', 'files.example.com:8443'],
    configuredHosts: ['127.0.0.1:8081', 'localhost', '[::1]:9000', '*.internal.example'],
  };

  it('allows listed public hosts on public addresses only, and wildcards for subdomains alone', () => {
    expect(judge(policy, 'https://cdn.discordapp.com/attachments/1/2/a.png')).toEqual({ allowed: true, anyAddress: false });
    expect(judge(policy, 'https://V3.FAL.media/files/x.png')).toEqual({ allowed: true, anyAddress: false });
    expect(judge(policy, 'https://a.b.fal.media/x.png')).toEqual({ allowed: true, anyAddress: false });
    expect(judge(policy, 'https://fal.media/x.png')).toMatchObject({ allowed: false });
    expect(judge(policy, 'https://evilfal.media/x.png')).toMatchObject({ allowed: false });
    expect(judge(policy, 'https://files.example.com:8443/x')).toMatchObject({ allowed: true });
    expect(judge(policy, 'https://files.example.com/x')).toMatchObject({ allowed: false });
  });

  it('allows configured hosts on any address, by host and port where a port is given', () => {
    expect(judge(policy, 'http://127.0.0.1:8081/file/bot1:x/a.jpg')).toEqual({ allowed: true, anyAddress: true });
    expect(judge(policy, 'http://127.0.0.1:8082/a.jpg')).toMatchObject({ allowed: false, reason: expect.stringMatching(/private or loopback|not an allowed/) });
    expect(judge(policy, 'http://localhost:1234/a.jpg')).toEqual({ allowed: true, anyAddress: true });
    expect(judge(policy, 'http://[::1]:9000/a.jpg')).toEqual({ allowed: true, anyAddress: true });
    expect(judge(policy, 'http://db.internal.example/a.jpg')).toEqual({ allowed: true, anyAddress: true });
  });

  it('refuses other hosts and schemes, naming the host but never the path', () => {
    const verdict = judge(policy, 'https://evil.example.com/file/bot123:SECRET/x.jpg');
    expect(verdict).toEqual({ allowed: false, reason: 'evil.example.com is not an allowed download host (DOWNLOAD_ALLOWED_HOSTS adds one)' });
    expect(judge(policy, 'file:///etc/passwd')).toEqual({ allowed: false, reason: 'refused file: URL' });
    expect(judge(DEFAULT_DOWNLOAD_POLICY, 'ftp://example.com/x')).toMatchObject({ allowed: false });
  });

  it('by default takes any host, but no private address written in the URL', () => {
    expect(judge(DEFAULT_DOWNLOAD_POLICY, 'https://anything.example/x.png')).toEqual({ allowed: true, anyAddress: false });
    for (const url of ['http://127.0.0.1/', 'http://[::1]/', 'http://2130706433/', 'http://169.254.169.254/', 'http://[fd00::1]/', 'http://192.168.0.10:8080/']) {
      expect(judge(DEFAULT_DOWNLOAD_POLICY, url), url).toMatchObject({ allowed: false, reason: expect.stringMatching(/private or loopback address$/) });
    }
    expect(judge(DEFAULT_DOWNLOAD_POLICY, 'http://93.184.216.34/x')).toEqual({ allowed: true, anyAddress: false });
  });

  it('gives the exact host and port of a base URL as a pattern', () => {
    expect(hostPatternOf('https://api.telegram.org')).toBe('api.telegram.org:443');
    expect(hostPatternOf('http://127.0.0.1:8081/bot')).toBe('127.0.0.1:8081');
    expect(hostPatternOf('http://[::1]/x')).toBe('[::1]:80');
  });

  it('knows a host pattern from anything else', () => {
    for (const ok of ['example.com', 'example.com:8080', '*.example.com', '127.0.0.1', '[::1]', '[::1]:80', 'my_host']) expect(isHostPattern(ok), ok).toBe(true);
    for (const bad of ['https://example.com', 'example.com/path', '*example.com', 'a.*.com', 'example.com:0', 'example.com:99999', '[nope]', '', 'ex ample.com']) {
      expect(isHostPattern(bad), bad).toBe(false);
    }
  });
});

describe('publicOnlyLookup', () => {
  const lookup = (hostname: string, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => publicOnlyLookup(hostname, { all }, (error, address) => resolve({ error, address })));

  it('refuses a name that resolves to loopback, in both callback forms', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup('localhost', all);
      expect(error).toMatchObject({ code: 'EPRIVATEADDRESS', message: 'localhost resolves to a private or loopback address' });
    }
  });

  it('passes on lookup failures as they are', async () => {
    const { error } = await lookup('no-such-host.invalid', false);
    expect((error as NodeJS.ErrnoException | null)?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
