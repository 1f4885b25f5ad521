#!/usr/bin/env node
// The `progressive-delivery` bin: parses the command line, runs one command, exits 0 (success), 1 (failure) or
// 2 (usage). No stack traces: errors are one line (see errors.ts).
import { CommanderError } from 'commander';
import { systemClock } from '../core/clock.js';
import { outcome } from './command.js';
import { EXIT } from './errors.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // everything is closed by now; should a connection linger, do not let it hold the shell (the system clock's
  // timers are unref'd: this one must not keep the process alive itself)
  systemClock.setTimeout(() => process.exit(code), 200);
});
