// The command tree: global options (valid before or after the command) and one group per module.
import { Command } from 'commander';
import { experimentsCommand } from './experiments.js';
import { flagsCommand } from './flags.js';
import { rolloutsCommand } from './rollouts.js';
import { segmentsCommand } from './segments.js';
import { DEFAULT_TIMEOUT } from './session.js';
import { watchCommand } from './watch.js';

const EPILOG = `
Store: --redis URL (or PD_REDIS_URL) with --prefix, or --file PATH (read-only).
Exit codes: 0 success, 1 failure (unknown flag or rollout, invalid definition, conflict, store unreachable), 2 usage.
Docs: docs/cli.md`;

/** Builds the `progressive-delivery` program; parse errors throw CommanderError (main maps them to exit 2). */
export function buildProgram(): Command {
  const program = new Command('progressive-delivery')
    .description('Operate feature flags, experiments and rollouts in a progressive-delivery store')
    .option('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379 (default: $PD_REDIS_URL)')
    .option('--prefix <prefix>', "Redis key prefix the services use (default 'pd:')")
    .option('--file <path>', 'a flags-as-code JSON document instead of Redis (read-only)')
    .option('--json', 'JSON output for scripts (errors as JSON on stderr)')
    .option('--no-color', 'no colours (NO_COLOR=1 does the same; colour is only used on a terminal)')
    .option('--timeout <duration>', 'give up on a store call after this long', DEFAULT_TIMEOUT)
    .addHelpText('after', EPILOG);
  for (const c of [flagsCommand(), segmentsCommand(), experimentsCommand(), rolloutsCommand(), watchCommand()]) program.addCommand(c);
  configure(program);
  return program;
}

/** Every command throws instead of exiting, suggests after typos and points at --help after a usage error. */
function configure(cmd: Command): void {
  cmd.exitOverride().showHelpAfterError('(add --help for usage)').showSuggestionAfterError(true);
  for (const sub of cmd.commands) configure(sub);
}
