/**
 * Polling for effects of real I/O (sockets, Redis, child processes) that land a little after the call that caused
 * them. Tests of timers use the manual clock instead; this is only for work the event loop has to finish.
 */

export interface UntilOptions {
  /** How long to keep polling before failing. @default 5000 */
  timeoutMs?: number;
  /** What is awaited, for the error message. @default 'the condition' */
  what?: string;
  /** Pause between two checks. @default 5 */
  everyMs?: number;
}

/**
 * Resolves as soon as `cond` holds; rejects with `timed out after <ms> ms waiting for <what>` once `timeoutMs` passed.
 * @example await until(() => seen.length === 2, { what: 'both changes' });
 */
export async function until(cond: () => boolean | Promise<boolean>, { timeoutMs = 5000, what = 'the condition', everyMs = 5 }: UntilOptions = {}): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
