import type { Condition, FlagDefinition, Rule } from './types.js';

/** Options of {@link booleanFlag}, in the seed's vocabulary. */
export interface BooleanFlagOptions {
  /** The kill switch. @default true */
  enabled?: boolean;
  /**
   * Percent (0-100, fractions allowed) of the remaining users who get the flag. @default 100 when `rules` are given
   * or no audience at all; 0 (only `userIds` and `groups`) when `userIds` or `groups` are given without `rules`.
   */
  percentage?: number;
  /** Users who always get the flag (individual targets). */
  userIds?: string[];
  /** Users whose `groups` attribute holds any of these always get the flag. */
  groups?: string[];
  /** Gates, ANDed: a user outside `userIds` and `groups` must pass all of them to enter the percentage. */
  rules?: Condition[];
}

/**
 * A boolean flag (variants `on: true`, `off: false`) as a plain definition: on for `userIds`, on for anyone in
 * `groups`, then, for users who pass every gate of `rules`, on for `percentage`% (split by userId); off otherwise.
 * Validate it by `put`ting it; the builder does not check its input.
 * @example
 * await delivery.flags.put(booleanFlag('new-checkout-flow', { percentage: 20, userIds: ['u1'], groups: ['beta'] }));
 */
export function booleanFlag(key: string, opts: BooleanFlagOptions = {}): FlagDefinition {
  const { enabled = true, userIds, groups, rules: gates } = opts;
  const hasAudience = (userIds?.length ?? 0) > 0 || (groups?.length ?? 0) > 0;
  const percentage = opts.percentage ?? (gates?.length || !hasAudience ? 100 : 0);
  const def: FlagDefinition = { key, enabled, variants: { on: true, off: false }, offVariant: 'off' };
  if (userIds?.length) def.targets = { on: [...userIds] };
  const rules: Rule[] = [];
  if (groups?.length) rules.push({ id: 'groups', conditions: [{ attribute: 'groups', operator: 'in', values: [...groups] }], serve: { variant: 'on' } });
  const pct = percentage >= 100 ? { variant: 'on' } : percentage <= 0 ? { variant: 'off' } : { split: [{ variant: 'on', weight: percentage }, { variant: 'off', weight: 100 - percentage }] };
  if (gates?.length) {
    rules.push({ id: 'gates', conditions: gates.map((c) => ({ ...c, values: [...c.values] })), serve: pct });
    def.fallthrough = { variant: 'off' };
  } else {
    def.fallthrough = pct;
  }
  if (rules.length) def.rules = rules;
  return def;
}
