import { compilePattern } from './regex.js';
import { isOperator, scalarTest } from './operators.js';
import type { Condition, EvaluationContext, SegmentDefinition } from './types.js';

/** Looks up compiled segments for `inSegment`. */
export interface SegmentLookup {
  segment(key: string): CompiledSegment | undefined;
}

/** A compiled condition list (ANDed). */
export type Matcher = (ctx: EvaluationContext, env: SegmentLookup) => boolean;

export interface CompiledSegment {
  key: string;
  included: ReadonlySet<string>;
  excluded: ReadonlySet<string>;
  rules: Matcher[];
}

const NO_SEGMENTS: SegmentLookup = { segment: () => undefined };

/** Reads an own attribute of the context; inherited properties, null and undefined read as absent. */
export function readAttribute(ctx: EvaluationContext, attribute: string): unknown {
  const v = (ctx as Record<string, unknown>)[attribute];
  if (v === undefined || v === null) return undefined;
  return Object.hasOwn(ctx, attribute) ? v : undefined;
}

/** The string key of a unit (string, or finite number in decimal), else undefined. Empty strings are no key. */
export function unitKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

const FALSE: Matcher = () => false;
const TRUE: Matcher = () => true;

/**
 * Compiles one condition. Malformed conditions (possible only when not validated) compile to "false before
 * negate". `allowSegments: false` compiles `inSegment` to false (segment rules cannot nest segments).
 */
export function compileCondition(c: Condition, allowSegments = true): Matcher {
  const negate = c?.negate === true;
  const attr = typeof c?.attribute === 'string' ? c.attribute : undefined;
  const op = c?.operator;
  const values: readonly unknown[] = Array.isArray(c?.values) ? c.values : [];
  let m: Matcher;
  if (attr === undefined || !isOperator(op)) m = FALSE;
  else if (op === 'exists') m = (ctx) => readAttribute(ctx, attr) !== undefined;
  else if (op === 'inSegment') m = allowSegments ? segmentMatcher(attr, values) : FALSE;
  else {
    const t = op === 'matches' ? matchesTest(values) : (scalarTest(op, values) ?? (() => false));
    m = (ctx) => {
      const v = readAttribute(ctx, attr);
      if (v === undefined) return false;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return t(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if ((typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') && t(x)) return true;
        }
      }
      return false;
    };
  }
  if (!negate) return m;
  if (m === FALSE) return TRUE;
  return (ctx, env) => !m(ctx, env);
}

function matchesTest(values: readonly unknown[]): (x: string | number | boolean) => boolean {
  const res = values.map(compilePattern).filter((r): r is RegExp => r !== undefined);
  if (!res.length) return () => false;
  return (x) => {
    if (typeof x !== 'string') return false;
    for (let i = 0; i < res.length; i++) if (res[i]!.test(x)) return true;
    return false;
  };
}

function segmentMatcher(attr: string, values: readonly unknown[]): Matcher {
  const keys = values.filter((v): v is string => typeof v === 'string');
  if (!keys.length) return FALSE;
  return (ctx, env) => {
    const unit = unitKey(readAttribute(ctx, attr));
    for (const k of keys) {
      const seg = env.segment(k);
      if (seg && segmentContains(seg, ctx, unit)) return true;
    }
    return false;
  };
}

/** Segment membership: excluded units never, included units always, else any rule whose conditions all hold. */
export function segmentContains(seg: CompiledSegment, ctx: EvaluationContext, unit: string | undefined): boolean {
  if (unit !== undefined) {
    if (seg.excluded.has(unit)) return false;
    if (seg.included.has(unit)) return true;
  }
  for (const r of seg.rules) if (r(ctx, NO_SEGMENTS)) return true;
  return false;
}

/** Compiles an ANDed list of conditions; an empty list matches everyone. */
export function compileConditions(conditions: readonly Condition[] | undefined, allowSegments = true): Matcher {
  const list = Array.isArray(conditions) ? conditions.map((c) => compileCondition(c, allowSegments)) : [];
  if (list.length === 0) return TRUE;
  if (list.length === 1) return list[0]!;
  if (list.length === 2) {
    const [a, b] = list as [Matcher, Matcher];
    return (ctx, env) => a(ctx, env) && b(ctx, env);
  }
  return (ctx, env) => {
    for (let i = 0; i < list.length; i++) if (!list[i]!(ctx, env)) return false;
    return true;
  };
}

/** Compiles a segment definition (tolerating malformed parts, which compile to "no match"). */
export function compileSegment(seg: SegmentDefinition): CompiledSegment {
  const strings = (a: unknown) => new Set(Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : []);
  return {
    key: seg.key,
    included: strings(seg.included),
    excluded: strings(seg.excluded),
    rules: Array.isArray(seg.rules) ? seg.rules.map((r) => compileConditions(r?.conditions, false)) : [],
  };
}

const compiledConditions = new WeakMap<readonly Condition[], Matcher>();
const compiledSegments = new WeakMap<SegmentDefinition, CompiledSegment>();

/** A lookup over plain segment definitions, compiling each once (cached per definition object). */
class PlainSegments implements SegmentLookup {
  constructor(readonly segments: ReadonlyMap<string, SegmentDefinition>) {}
  segment(key: string): CompiledSegment | undefined {
    const def = this.segments.get(key);
    if (!def || typeof def !== 'object') return undefined;
    let c = compiledSegments.get(def);
    if (!c) compiledSegments.set(def, (c = compileSegment(def)));
    return c;
  }
}

export function segmentLookup(segments: ReadonlyMap<string, SegmentDefinition> | undefined): SegmentLookup {
  return !segments || segments.size === 0 ? NO_SEGMENTS : new PlainSegments(segments);
}

/**
 * Whether every condition holds for `ctx` (the flag condition language; rings use it for audiences). Pure and
 * never throws: a malformed condition is false (before `negate`). The compiled form is cached per array, so treat
 * a conditions array as immutable once it has been used.
 * @example conditionsMatch([{ attribute: 'country', operator: 'in', values: ['DE', 'AT'] }], { userId: 'u1', country: 'DE' }) // true
 */
export function conditionsMatch(conditions: Condition[], ctx: EvaluationContext, segments?: ReadonlyMap<string, SegmentDefinition>): boolean {
  try {
    if (!Array.isArray(conditions)) return false;
    let m = compiledConditions.get(conditions);
    if (!m) compiledConditions.set(conditions, (m = compileConditions(conditions)));
    return m(ctx ?? {}, segmentLookup(segments));
  } catch {
    return false;
  }
}
