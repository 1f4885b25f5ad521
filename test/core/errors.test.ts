import { describe, expect, it } from 'vitest';
import { ConflictError, DeliveryError, StoreUnavailableError, toDeliveryError, ValidationError } from '../../src/core/errors.js';

describe('errors', () => {
  it('form one hierarchy with stable codes and names', () => {
    const cases: [DeliveryError, string, string][] = [
      [new DeliveryError('x'), 'DELIVERY_ERROR', 'DeliveryError'],
      [new ValidationError('bad'), 'VALIDATION', 'ValidationError'],
      [new ConflictError('flags/a', 1, 2), 'CONFLICT', 'ConflictError'],
      [new StoreUnavailableError('down'), 'STORE_UNAVAILABLE', 'StoreUnavailableError'],
    ];
    for (const [err, code, name] of cases) {
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err.code).toBe(code);
      expect(err.name).toBe(name);
      expect(String(err)).toContain(name);
    }
  });

  it('ValidationError lists every issue with its path; one issue reads as one line', () => {
    const one = new ValidationError([{ path: 'rules[0].serve', message: 'missing' }]);
    expect(one.message).toBe('rules[0].serve: missing');
    const many = new ValidationError(
      [
        { path: 'key', message: 'empty' },
        { path: '', message: 'whole value wrong' },
      ],
      { subject: "flag 'x'" },
    );
    expect(many.message).toBe("flag 'x': 2 problems:\n  - key: empty\n  - whole value wrong");
    expect(many.issues).toHaveLength(2);
    expect(new ValidationError('plain').issues).toEqual([{ path: '', message: 'plain' }]);
  });

  it('ConflictError says what it expected and found, and how to recover', () => {
    const e = new ConflictError('flags/a', 0, 3);
    expect(e.message).toMatch(/expected version 0, found 3; re-read/);
    expect([e.key, e.expectedVersion, e.actualVersion]).toEqual(['flags/a', 0, 3]);
    expect(new ConflictError('k').message).toMatch(/expected version any, found none/);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket closed');
    expect(new StoreUnavailableError('down', { cause }).cause).toBe(cause);
  });

  it('toDeliveryError wraps anything user code throws, keeping DeliveryErrors as they are', () => {
    const d = new ConflictError('k');
    expect(toDeliveryError(d)).toBe(d);
    const wrapped = toDeliveryError(new TypeError('boom'), 'HOOK', 'webhook rollback');
    expect(wrapped).toBeInstanceOf(DeliveryError);
    expect([wrapped.code, wrapped.message]).toEqual(['HOOK', 'webhook rollback: boom']);
    expect(toDeliveryError('a string').message).toBe('a string');
    expect(toDeliveryError(undefined).code).toBe('USER_CODE');
  });
});
