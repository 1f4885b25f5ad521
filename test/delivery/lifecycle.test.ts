import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAvailable, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'pd-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = resolve('.');
const haveRedis = await redisAvailable();

/**
 * Runs `body` in a child Node process (`node --import tsx`) and reports how it ended. The child must exit on its
 * own: a leaked socket, timer or subscription keeps it alive, and it is killed after `limitMs`.
 */
function runChild(body: string, limitMs = 2000): Promise<{ code: number | null; timedOut: boolean; stderr: string; stdout: string }> {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(script, body);
  return new Promise((done) => {
    // the limit counts from the end of the child's work (printed 'closed'), not from tsx's start-up
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const startLimit = () => {
      timer ??= setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, limitMs);
    };
    const hardLimit = setTimeout(startLimit, 30_000); // never wait forever for start-up either
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('closed')) startLimit();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(hardLimit);
      done({ code, timedOut, stderr, stdout });
    });
  });
}

const imports = `
import { createDelivery } from ${JSON.stringify(join(root, 'src/index.ts'))};
import { RedisStore } from ${JSON.stringify(join(root, 'src/store/redis-entry.ts'))};
`;

describe('a delivery leaves nothing behind', () => {
  it('on the default MemoryStore: ready, close, and the process exits on its own within 2 s', async () => {
    const r = await runChild(`${imports}
const d = createDelivery();
await d.ready();
d.flags.isEnabled('anything', { userId: 'u1' });
await d.flush();
await d.close();
console.log('closed');
`);
    expect(r.stderr).toBe('');
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  });

  it.skipIf(!haveRedis)('on a RedisStore: ready, close, and the process exits on its own within 2 s', async () => {
    const prefix = uniquePrefix('pd-lifecycle');
    const r = await runChild(`${imports}
const store = new RedisStore({ url: ${JSON.stringify(SHARED_REDIS_URL)}, prefix: ${JSON.stringify(prefix)} });
const d = createDelivery({ store });
d.on('error', (e) => console.error('delivery error:', e.message));
await d.ready();
d.flags.isEnabled('anything', { userId: 'u1' });
await d.flush();
await d.close();
await store.close();
console.log('closed');
`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('closed');
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  });
});
