// `progressive-delivery segments ...`: the audiences that `inSegment` conditions name.
import { Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import type { FlagDefinition, SegmentDefinition } from '../flags/types.js';
import { readJson, run } from './command.js';
import { conditionText } from './describe.js';
import { UsageError } from './errors.js';
import { printChanges } from './flags.js';
import { applyPlan, planDocument } from './plan.js';
import { deleteIfUnchanged, getOne, loadState, type Stored } from './repo.js';
import type { Session } from './session.js';
import { truncate } from './table.js';

/** Flags whose rules name the segment. */
const usersOf = (key: string, flags: Iterable<Stored<FlagDefinition>>): string[] =>
  [...flags].filter((f) => (f.def.rules ?? []).some((r) => r.conditions.some((c) => c.operator === 'inSegment' && c.values.includes(key)))).map((f) => f.def.key);

async function list(s: Session): Promise<void> {
  const state = await loadState(await s.store(), ['flag', 'segment']);
  const segs = [...state.segments.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  s.out.result(
    segs.map(([key, e]) => ({ key, version: e.version, usedBy: usersOf(key, state.flags.values()), definition: e.def })),
    () =>
      segs.length === 0
        ? 'no segments'
        : s.out.table(
            [{ header: 'KEY' }, { header: 'INCLUDED', align: 'right' }, { header: 'EXCLUDED', align: 'right' }, { header: 'RULES', align: 'right' }, { header: 'VERSION', align: 'right' }, { header: 'USED BY' }],
            segs.map(([key, { def, version }]) => [
              key,
              String(def.included?.length ?? 0),
              String(def.excluded?.length ?? 0),
              String(def.rules?.length ?? 0),
              String(version),
              truncate(usersOf(key, state.flags.values()).join(', '), 60),
            ]),
          ),
  );
}

async function get(s: Session, key: string): Promise<void> {
  const seg = await getOne<SegmentDefinition>(await s.store(), 'segment', key);
  const d = seg.def;
  s.out.result({ key, version: seg.version, definition: d }, () => {
    const pairs: [string, string][] = [
      ['key', d.key],
      ['version', String(seg.version)],
      ['included', `${d.included?.length ?? 0} users${d.included?.length ? `: ${truncate(d.included.join(', '), 80)}` : ''}`],
      ['excluded', `${d.excluded?.length ?? 0} users${d.excluded?.length ? `: ${truncate(d.excluded.join(', '), 80)}` : ''}`],
    ];
    (d.rules ?? []).forEach((r, i) => pairs.push([`rule ${i}`, r.conditions.map(conditionText).join(' AND ') || 'everyone']));
    return s.out.pairs(pairs);
  });
}

async function put(s: Session, file: string, dryRun: boolean): Promise<void> {
  const input = readJson(file);
  const single = !Array.isArray(input);
  const defs = single ? [input] : (input as unknown[]);
  if (defs.length === 0) throw new UsageError(`${file} holds an empty array: nothing to put`);
  const store = await s.store();
  const state = await loadState(store, ['flag', 'segment']);
  const { changes, issues } = planDocument({ segments: defs }, state);
  if (issues.length) throw new ValidationError(single ? issues.map((i) => ({ ...i, path: i.path.replace(/^segments\[0\]\.?/, '') })) : issues, { subject: file });
  if (!dryRun) await applyPlan(store, changes);
  printChanges(s.out, changes, dryRun);
}

async function remove(s: Session, key: string): Promise<void> {
  const store = await s.store();
  const state = await loadState(store, ['flag', 'segment']);
  const cur = state.segments.get(key) ?? (await getOne<SegmentDefinition>(store, 'segment', key));
  const users = usersOf(key, state.flags.values());
  if (users.length) throw new ValidationError([{ path: 'key', message: `segment '${key}' is used by ${users.map((u) => `'${u}'`).join(', ')}; remove it there first` }], { subject: `segment '${key}'` });
  await deleteIfUnchanged(store, 'segment', key, cur.version);
  s.out.result({ key, deleted: true, version: cur.version }, () => `${s.out.c.green('✓')} segment '${key}' deleted (was version ${cur.version})`);
}

/** The `segments` command group. */
export function segmentsCommand(): Command {
  const segments = new Command('segments').description('segments: named audiences for inSegment conditions');
  segments.command('list').description('list every segment and the flags that use it').action(run(async (s) => list(s)));
  segments.command('get').argument('<key>', 'the segment key').description('show one segment (with --json: { key, version, definition })').action(run(async (s, [key]) => get(s, key!)));
  segments
    .command('put')
    .argument('<file>', "a JSON file with one segment definition or an array of them ('-' reads stdin)")
    .option('--dry-run', 'validate and print what would change; write nothing')
    .description('create or replace segments; every definition is validated first and nothing is written on any error')
    .action(run<{ dryRun?: boolean }>(async (s, [file], o) => put(s, file!, o.dryRun === true)));
  segments.command('delete').argument('<key>', 'the segment key').description('delete a segment (refused while a flag uses it)').action(run(async (s, [key]) => remove(s, key!)));
  return segments;
}
