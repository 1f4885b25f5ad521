/** Where the library writes diagnostics. Any method may be missing; missing ones fall back to silence. */
export interface Logger {
  debug?(msg: string, meta?: Record<string, unknown>): void;
  info?(msg: string, meta?: Record<string, unknown>): void;
  warn?(msg: string, meta?: Record<string, unknown>): void;
  error?(msg: string, meta?: Record<string, unknown>): void;
}

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** A logger that never throws and tolerates missing methods. */
export function safeLogger(logger?: Logger): Required<Logger> {
  const call = (level: Level) => (msg: string, meta?: Record<string, unknown>) => {
    try {
      logger?.[level]?.(msg, meta);
    } catch {
      // a broken logger must not break the host
    }
  };
  return { debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error') };
}
