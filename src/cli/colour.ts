// Colour for human output: only on a terminal, never when NO_COLOR is set (https://no-color.org), forced by
// FORCE_COLOR (for pagers such as `less -R`), off with --no-color. Machine output (--json) is never coloured.

/** The styles the CLI uses; each is the identity when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Whether to colour a stream: `--no-color` and NO_COLOR win, then FORCE_COLOR, then whether it is a TTY. */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const sgr = (on: number, off: number) => (s: string) => `\x1b[${on}m${s}\x1b[${off}m`;
const plain = (s: string) => s;

/** A palette with ANSI styles when `enabled`, identities otherwise. */
export function palette(enabled: boolean): Palette {
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width of a string: ANSI styles do not count. */
export function visibleWidth(s: string): number {
  return s.replace(ANSI, '').length;
}
