import { describe, expect, it } from 'vitest';
import { ReplyEditor } from '../../src/bots/discord/reply-editor.ts';

function recorder(options: { minIntervalMs?: number; failStatus?: boolean } = {}) {
  const edits: string[] = [];
  const statusErrors: unknown[] = [];
  let release: (() => void) | undefined;
  const editor = new ReplyEditor<string>({
    edit: async (payload) => {
      if (payload === 'slow') await new Promise<void>((resolve) => (release = resolve));
      if (options.failStatus && !payload.startsWith('final')) throw new Error('edit refused');
      edits.push(payload);
    },
    statusPayload: (text) => text,
    minIntervalMs: options.minIntervalMs ?? 0,
    onStatusError: (error) => statusErrors.push(error),
  });
  return { editor, edits, statusErrors, release: () => release?.() };
}

describe('ReplyEditor', () => {
  it('sends statuses in order and skips a repeated text', async () => {
    const { editor, edits } = recorder();
    editor.status('a');
    await editor.idle();
    editor.status('a');
    editor.status('b');
    await editor.idle();
    expect(edits).toEqual(['a', 'b']);
  });

  it('keeps only the newest status while an edit is in flight', async () => {
    const { editor, edits, release } = recorder();
    editor.status('slow');
    await new Promise((resolve) => setTimeout(resolve, 5));
    editor.status('b');
    editor.status('c');
    editor.status('d');
    release();
    await editor.idle();
    expect(edits).toEqual(['slow', 'd']);
  });

  it('sends the final edit last, drops a pending status and does not wait out the throttle', async () => {
    const { editor, edits } = recorder({ minIntervalMs: 60_000 });
    editor.status('first');
    await editor.idle();
    editor.status('throttled');
    const started = Date.now();
    await editor.final('final');
    editor.status('after the end');
    await editor.idle();
    expect(edits).toEqual(['first', 'final']);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(editor.finalised).toBe(true);
  });

  it('reports a failed status edit instead of failing, but rejects a failed final edit', async () => {
    const { editor, statusErrors } = recorder({ failStatus: true });
    editor.status('x');
    await editor.idle();
    expect(statusErrors).toHaveLength(1);
    const failing = new ReplyEditor<string>({
      edit: () => Promise.reject(new Error('gone')),
      statusPayload: (text) => text,
      minIntervalMs: 0,
      onStatusError: () => undefined,
    });
    await expect(failing.final('final')).rejects.toThrow('gone');
  });

  it('runs a final action of several steps after the edit in flight, and nothing after it', async () => {
    const { editor, edits, release } = recorder();
    editor.status('slow');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const finished = editor.finalRun(async () => {
      edits.push('delete');
      edits.push('follow-up');
      return 'answered';
    });
    editor.status('too late');
    release();
    await expect(finished).resolves.toBe('answered');
    await editor.idle();
    expect(edits).toEqual(['slow', 'delete', 'follow-up']);
    expect(editor.finalised).toBe(true);
  });

  it('skips status edits while they are not allowed (an expired token), but still runs the final action', async () => {
    let allowed = true;
    const edits: string[] = [];
    const editor = new ReplyEditor<string>({
      edit: (payload) => Promise.resolve(void edits.push(payload)),
      statusPayload: (text) => text,
      minIntervalMs: 0,
      canEditStatus: () => allowed,
      onStatusError: () => undefined,
    });
    editor.status('a');
    await editor.idle();
    allowed = false;
    editor.status('b');
    await editor.idle();
    await editor.final('final');
    expect(edits).toEqual(['a', 'final']);
  });
});
