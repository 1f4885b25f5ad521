/** One issue found while validating input: where it is and what is wrong with it. */
export interface ValidationIssue {
  /** Path into the input, e.g. `rules[2].conditions[0].operator`; `''` for the whole value. */
  path: string;
  message: string;
}

/** Every error the library throws or reports. `code` is stable and machine-readable. */
export class DeliveryError extends Error {
  readonly code: string;
  constructor(message: string, code = 'DELIVERY_ERROR', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.code = code;
  }
}

/** Input that cannot be accepted. `issues` lists every problem with its path. */
export class ValidationError extends DeliveryError {
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[] | string, options?: { cause?: unknown; subject?: string }) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    const subject = options?.subject ? `${options.subject}: ` : '';
    const lines = list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    super(`${subject}${lines.length === 1 ? lines[0] : `${lines.length} problems:\n  - ${lines.join('\n  - ')}`}`, 'VALIDATION', options);
    this.name = 'ValidationError';
    this.issues = list;
  }
}

/** A compare-and-set write found another version than the one it expected. Re-read and retry. */
export class ConflictError extends DeliveryError {
  readonly key: string;
  readonly expectedVersion: number | undefined;
  readonly actualVersion: number | undefined;
  constructor(key: string, expectedVersion?: number, actualVersion?: number, message?: string) {
    super(
      message ??
        `conflict on '${key}': expected version ${expectedVersion ?? 'any'}, found ${actualVersion === undefined ? 'none' : actualVersion}; re-read the value and retry`,
      'CONFLICT',
    );
    this.name = 'ConflictError';
    this.key = key;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** The store could not be reached within the bounded time. Nothing was written. */
export class StoreUnavailableError extends DeliveryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'STORE_UNAVAILABLE', options);
    this.name = 'StoreUnavailableError';
  }
}

/** Wraps anything thrown by user code (hooks, comparators, loggers) so it can be reported as a DeliveryError. */
export function toDeliveryError(err: unknown, code = 'USER_CODE', context?: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new DeliveryError(context ? `${context}: ${msg}` : msg, code, { cause: err });
}
