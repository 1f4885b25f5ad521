// `progressive-delivery flags ...`: list, read, switch, roll out by percentage, target users, put, delete,
// export and import flag definitions.
import { Command } from 'commander';
import type { FlagDefinition } from '../flags/types.js';
import type { DeliveryDocument } from '../store/document.js';
import { ValidationError } from '../core/errors.js';
import { parseVersion, readJson, run } from './command.js';
import { conditionText, serveText, targetCount } from './describe.js';
import { showValue } from './diff.js';
import { CliFailure, UsageError } from './errors.js';
import { parsePercentage, setEnabled, setPercentage, setTargets } from './flag-edits.js';
import type { Output } from './output.js';
import { applyPlan, planDocument, type Change } from './plan.js';
import { deleteIfUnchanged, editFlag, getOne, loadState, type Stored } from './repo.js';
import type { Session } from './session.js';
import { truncate } from './table.js';

interface IfVersion {
  ifVersion?: string;
}

const flagJson = (key: string, s: Stored<FlagDefinition>) => ({ key, version: s.version, definition: s.def });

function printEdit(s: Session, key: string, r: Awaited<ReturnType<typeof editFlag>>, what: string): void {
  s.out.result({ key, changed: r.changed, version: r.after.version, definition: r.after.def }, () =>
    r.changed ? `${s.out.c.green('✓')} flag '${key}' ${what} (version ${r.before.version} → ${r.after.version})` : `flag '${key}' already ${what}: nothing written (version ${r.after.version})`,
  );
}

/** Prints a plan (the dry-run diff, or what was applied). */
export function printChanges(out: Output, changes: readonly Change[], dryRun: boolean): void {
  const summary = { create: 0, update: 0, delete: 0 };
  for (const c of changes) summary[c.action]++;
  if (out.json) {
    out.data({ dryRun, changes: changes.map((c) => ({ kind: c.kind, key: c.key, action: c.action, diffs: c.diffs })), summary });
    return;
  }
  const verb = dryRun ? 'would ' : '';
  const mark = { create: out.c.green('+'), update: out.c.yellow('~'), delete: out.c.red('-') };
  for (const c of changes) {
    out.line(`${mark[c.action]} ${verb}${c.action} ${c.kind} '${c.key}'`);
    if (c.action === 'update') for (const d of c.diffs) out.line(`    ${d.path}: ${showValue(d.before)} → ${showValue(d.after)}`);
  }
  const counts = `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete`;
  if (!changes.length) out.line('no changes: the store already matches');
  else out.line(dryRun ? `${counts}; nothing written (--dry-run)` : `${out.c.green('✓')} applied: ${counts.replace(/ to /g, ' ')}`);
}

async function list(s: Session): Promise<void> {
  const state = await loadState(await s.store(), ['flag']);
  const flags = [...state.flags.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const u of state.unreadable) s.out.note(`warning: skipped the stored flag '${u.key}': ${u.reason}`);
  const { c } = s.out;
  s.out.result(
    flags.map(([k, f]) => flagJson(k, f)),
    () =>
      flags.length === 0
        ? 'no flags'
        : s.out.table(
            [{ header: 'KEY' }, { header: 'ENABLED' }, { header: 'SERVES' }, { header: 'TARGETS', align: 'right' }, { header: 'RULES', align: 'right' }, { header: 'VERSION', align: 'right' }, { header: 'DESCRIPTION' }],
            flags.map(([k, { def, version }]) => [
              k,
              def.enabled ? c.green('on') : c.red('off'),
              def.enabled ? serveText(def.fallthrough) : `${def.offVariant ?? 'off'} (disabled)`,
              String(targetCount(def)),
              String(def.rules?.length ?? 0),
              String(version),
              truncate(def.description ?? '', 50),
            ]),
          ),
  );
}

async function get(s: Session, key: string): Promise<void> {
  const f = await getOne<FlagDefinition>(await s.store(), 'flag', key);
  const d = f.def;
  const { c } = s.out;
  s.out.result(flagJson(key, f), () => {
    const pairs: [string, string][] = [
      ['key', d.key],
      ['enabled', d.enabled ? c.green('on') : c.red('off (kill switch)')],
      ['version', String(f.version)],
      ['variants', Object.entries(d.variants ?? { on: true, off: false }).map(([n, v]) => `${n}=${showValue(v, 30)}`).join('  ')],
      ['off variant', d.offVariant ?? 'off'],
      ['fallthrough', serveText(d.fallthrough)],
    ];
    for (const [v, ids] of Object.entries(d.targets ?? {})) pairs.push([`targets ${v}`, `${ids.length} users: ${truncate(ids.join(', '), 80)}`]);
    (d.rules ?? []).forEach((r, i) => pairs.push([`rule ${i}${r.id ? ` (${r.id})` : ''}`, `${r.conditions.map(conditionText).join(' AND ') || 'everyone'} → ${serveText(r.serve)}`]));
    if (d.prerequisites?.length) pairs.push(['prerequisites', d.prerequisites.map((p) => `${p.flag}=${p.variant}`).join(', ')]);
    if (d.bucketBy) pairs.push(['bucket by', d.bucketBy]);
    if (d.salt) pairs.push(['salt', d.salt]);
    if (d.hashing) pairs.push(['hashing', d.hashing]);
    if (d.description) pairs.push(['description', d.description]);
    if (d.tags?.length) pairs.push(['tags', d.tags.join(', ')]);
    return s.out.pairs(pairs);
  });
}

async function put(s: Session, file: string, opts: { dryRun?: boolean } & IfVersion): Promise<void> {
  const input = readJson(file);
  const single = !Array.isArray(input);
  const defs = single ? [input] : (input as unknown[]);
  const ifVersion = parseVersion(opts.ifVersion);
  if (ifVersion !== undefined && !single) throw new UsageError('--if-version needs a file with one definition, not an array');
  if (defs.length === 0) throw new UsageError(`${file} holds an empty array: nothing to put`);
  const store = await s.store();
  const state = await loadState(store, ['flag', 'segment']);
  const { changes, issues } = planDocument({ flags: defs }, state);
  if (issues.length) {
    const shown = single ? issues.map((i) => ({ ...i, path: i.path.replace(/^flags\[0\]\.?/, '') })) : issues;
    throw new ValidationError(shown, { subject: `${file}` });
  }
  if (ifVersion !== undefined) {
    const key = (input as FlagDefinition).key;
    const have = state.flags.get(key)?.version ?? 0;
    if (have !== ifVersion) throw versionConflict(key, have, ifVersion);
  }
  if (!opts.dryRun) await applyPlan(store, changes);
  printChanges(s.out, changes, opts.dryRun === true);
}

/** The flag is not at the version `--if-version` names. */
const versionConflict = (key: string, have: number, wanted: number): CliFailure =>
  new CliFailure(`conflict: flag '${key}' is at version ${have}, not ${wanted} (--if-version): someone changed it since you read it; nothing was written`, 'CONFLICT');

async function exportDoc(s: Session): Promise<void> {
  const state = await loadState(await s.store());
  for (const u of state.unreadable) s.out.note(`warning: skipped the stored ${u.kind} '${u.key}': ${u.reason}`);
  const sorted = <T>(m: Map<string, Stored<T>>): T[] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, e]) => e.def);
  const doc: DeliveryDocument = { flags: sorted(state.flags), segments: sorted(state.segments), experiments: sorted(state.experiments) };
  s.out.data(doc);
}

async function importDoc(s: Session, file: string, opts: { dryRun?: boolean; prune?: boolean }): Promise<void> {
  const doc = readJson(file);
  const store = await s.store();
  const state = await loadState(store);
  for (const u of state.unreadable) s.out.note(`warning: the stored ${u.kind} '${u.key}' cannot be read (${u.reason}); the document replaces it if it lists it`);
  const { changes, issues } = planDocument(doc as DeliveryDocument, state, { prune: opts.prune === true });
  if (issues.length) throw new ValidationError(issues, { subject: `${file}: nothing was imported` });
  if (!opts.dryRun) await applyPlan(store, changes);
  printChanges(s.out, changes, opts.dryRun === true);
}

const ifVersionOption = (c: Command): Command => c.option('--if-version <n>', 'write only if the flag is still at this version (as `get` shows it); otherwise fail with a conflict');

/** The `flags` command group. */
export function flagsCommand(): Command {
  const flags = new Command('flags').description('feature flags: list, inspect, switch, roll out, target, put, delete, export and import');
  flags
    .command('list')
    .description('list every flag: key, kill switch, what the fallthrough serves, targets, rules, version')
    .action(run(async (s) => list(s)));
  flags
    .command('get')
    .argument('<key>', 'the flag key')
    .description('show one flag (with --json: { key, version, definition })')
    .action(run(async (s, [key]) => get(s, key!)));
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    ifVersionOption(
      flags
        .command(name)
        .argument('<key>', 'the flag key')
        .description(enabled ? 'turn the kill switch on: the flag serves its targets, rules and fallthrough again' : 'turn the kill switch off: every user gets the off variant'),
    ).action(
      run<IfVersion>(async (s, [key], o) => {
        const r = await editFlag(await s.store(), key!, (d) => setEnabled(d, enabled), parseVersion(o.ifVersion));
        printEdit(s, key!, r, enabled ? 'enabled' : 'disabled');
      }),
    );
  }
  ifVersionOption(
    flags
      .command('set')
      .argument('<key>', 'the flag key')
      .requiredOption('--percentage <n>', "percent of units (0-100, up to 3 decimals) served the variant; the rest get the off variant")
      .option('--variant <name>', "the variant served to that percentage", 'on')
      .option('--rule <id>', 'change the serve of the rule with this id instead of the fallthrough')
      .description("roll a flag out to a percentage: its fallthrough becomes a split between 'on' (or --variant) and the off variant"),
  ).action(
    run<{ percentage: string; variant: string; rule?: string } & IfVersion>(async (s, [key], o) => {
      const p = parsePercentage(o.percentage);
      if (typeof p === 'string') throw new UsageError(p);
      const r = await editFlag(await s.store(), key!, (d) => setPercentage(d, p, { variant: o.variant, ...(o.rule !== undefined ? { rule: o.rule } : {}) }), parseVersion(o.ifVersion));
      printEdit(s, key!, r, `set to ${o.variant} for ${p}%${o.rule !== undefined ? ` in rule '${o.rule}'` : ''}`);
    }),
  );
  ifVersionOption(
    flags
      .command('target')
      .argument('<key>', 'the flag key')
      .argument('<variant>', 'the variant these users get')
      .argument('<users...>', 'user ids')
      .option('--remove', "take the users out of this variant's targets instead")
      .description('serve a variant to individual users (they leave any other variant\'s targets)'),
  ).action(
    run<{ remove?: boolean } & IfVersion>(async (s, [key, variant, ...users], o) => {
      const r = await editFlag(await s.store(), key!, (d) => setTargets(d, variant!, users, o.remove === true), parseVersion(o.ifVersion));
      printEdit(s, key!, r, o.remove ? `no longer targets ${users.length} user(s) with '${variant}'` : `targets ${users.length} user(s) with '${variant}'`);
    }),
  );
  ifVersionOption(
    flags
      .command('put')
      .argument('<file>', "a JSON file with one flag definition or an array of them ('-' reads stdin)")
      .option('--dry-run', 'validate and print what would change; write nothing')
      .description('create or replace flags from a file; every definition is validated first and nothing is written on any error'),
  ).action(run<{ dryRun?: boolean } & IfVersion>(async (s, [file], o) => put(s, file!, o)));
  ifVersionOption(flags.command('delete').argument('<key>', 'the flag key').description('delete a flag (refused while another flag names it as a prerequisite)')).action(
    run<IfVersion>(async (s, [key], o) => deleteFlag(s, key!, parseVersion(o.ifVersion))),
  );
  flags
    .command('export')
    .description('write every flag, segment and experiment to stdout as one document { flags, segments, experiments }')
    .action(run(async (s) => exportDoc(s)));
  flags
    .command('import')
    .argument('<file>', "a document { flags, segments, experiments } as 'export' writes it ('-' reads stdin)")
    .option('--dry-run', 'validate and print the diff of what would change; write nothing')
    .option('--prune', 'also delete stored definitions of the sections the document holds that it does not list')
    .description('create or update every definition of a document; validates everything first and writes nothing on any error')
    .action(run<{ dryRun?: boolean; prune?: boolean }>(async (s, [file], o) => importDoc(s, file!, o)));
  return flags;
}

async function deleteFlag(s: Session, key: string, ifVersion: number | undefined): Promise<void> {
  const store = await s.store();
  const state = await loadState(store, ['flag', 'segment']);
  const cur = state.flags.get(key) ?? (await getOne<FlagDefinition>(store, 'flag', key));
  if (ifVersion !== undefined && cur.version !== ifVersion) throw versionConflict(key, cur.version, ifVersion);
  const users = [...state.flags.values()].filter((f) => f.def.key !== key && (f.def.prerequisites ?? []).some((p) => p.flag === key)).map((f) => `'${f.def.key}'`);
  if (users.length) throw new ValidationError([{ path: 'key', message: `'${key}' is a prerequisite of ${users.join(', ')}; remove it there first` }], { subject: `flag '${key}'` });
  await deleteIfUnchanged(store, 'flag', key, cur.version);
  s.out.result({ key, deleted: true, version: cur.version }, () => `${s.out.c.green('✓')} flag '${key}' deleted (was version ${cur.version})`);
}
