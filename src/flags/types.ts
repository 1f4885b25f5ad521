import type { JsonArray, JsonObject } from '../core/json.js';

/** A value a context attribute may hold. Only own properties of a context are read. */
export type AttributeValue = string | number | boolean | string[] | null | undefined;

/**
 * Who is asking. `userId` identifies the unit for targets, segments and (by default) splits; `groups` is an
 * ordinary array attribute. A key named `__proto__` or `constructor` is data, never a path into prototypes.
 */
export interface EvaluationContext {
  userId?: string;
  groups?: string[];
  [attribute: string]: AttributeValue;
}

/** What a flag serves: a boolean, a string, a number or a JSON object or array. */
export type FlagValue = boolean | string | number | JsonObject | JsonArray;

/** Why an evaluation returned what it did. */
export type EvaluationReason = 'DISABLED' | 'PREREQUISITE_FAILED' | 'TARGET_MATCH' | 'RULE_MATCH' | 'SPLIT' | 'DEFAULT' | 'ERROR';

/** Set when the evaluation could not serve the flag as defined. */
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'NOT_READY' | 'TARGETING_KEY_MISSING' | 'GENERAL';

/** The full answer of one evaluation. */
export interface EvaluationDetail<T> {
  key: string;
  value: T;
  variant?: string;
  reason: EvaluationReason;
  ruleIndex?: number;
  ruleId?: string;
  errorCode?: EvaluationErrorCode;
}

/** Serve one variant, or split units between variants by relative (possibly fractional) weights. */
export type Serve = { variant: string } | { split: { variant: string; weight: number }[]; bucketBy?: string };

/** A targeting rule: its conditions are ANDed; a rule without conditions matches everyone. */
export interface Rule {
  id?: string;
  conditions: Condition[];
  serve: Serve;
}

/** The condition operators. See docs/flags.md for the exact semantics of each. */
export type Operator =
  | 'equals'
  | 'in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'before'
  | 'after'
  | 'semverEq'
  | 'semverLt'
  | 'semverGt'
  | 'exists'
  | 'inSegment';

/** Holds when the attribute matches at least one of `values` (`exists` ignores values); `negate` inverts it. */
export interface Condition {
  attribute: string;
  operator: Operator;
  values: (string | number | boolean)[];
  negate?: boolean;
}

/** A reusable audience: excluded userIds never match, included userIds always do, else any rule whose conditions all hold. */
export interface SegmentDefinition {
  key: string;
  included?: string[];
  excluded?: string[];
  rules?: { conditions: Condition[] }[];
}

/** A feature flag. Only `key` and `enabled` are required; see docs/flags.md for every default. */
export interface FlagDefinition {
  /** /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/ */
  key: string;
  /** The kill switch: false serves `offVariant` to everyone. */
  enabled: boolean;
  /** @default { on: true, off: false } */
  variants?: Record<string, FlagValue>;
  /** Served when disabled or a prerequisite fails. @default 'off' */
  offVariant?: string;
  /** When no target or rule matches. @default { variant: 'on' } */
  fallthrough?: Serve;
  /** variant -> userIds (individual overrides). */
  targets?: Record<string, string[]>;
  /** First match wins. */
  rules?: Rule[];
  /** Each must evaluate (same context) to the given variant of an enabled flag. */
  prerequisites?: { flag: string; variant: string }[];
  /** Hash salt. @default the key */
  salt?: string;
  /** Attribute used for splits. @default 'userId' */
  bucketBy?: string;
  /** 'crc32-mod100' reproduces `crc32(unit) % 100 < percentage`. @default 'default' */
  hashing?: 'default' | 'crc32-mod100';
  description?: string;
  tags?: string[];
}

/** The flags and segments an evaluation may consult (prerequisites, `inSegment`). */
export interface EvaluationEnvironment {
  flags?: ReadonlyMap<string, FlagDefinition>;
  segments?: ReadonlyMap<string, SegmentDefinition>;
}
