import { spawn } from 'node:child_process';
import { expect } from 'vitest';

export interface ExampleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx <file>` from the repo root as a child process and collects its output. */
export function runExample(file: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${file} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs an example that must succeed: exit 0 with nothing on stderr (no 'delivery error:' line). Returns its stdout. */
export async function runExampleOk(file: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<string> {
  const r = await runExample(file, env, timeoutMs);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}
