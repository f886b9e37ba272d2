import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time prop checks shared by every construct of the library. Each check is token-aware: a value that is a
 * CDK token (known only at deploy time) is skipped, never guessed at. Every message names the construct, the prop,
 * the value it got and what to do instead.
 */

/** Throws `message` prefixed with the construct name. */
export function propError(construct: string, prop: string, problem: string, fix: string): never {
  throw new Error(`${construct}: invalid '${prop}': ${problem}. ${fix}`);
}

/** A number between `min` and `max` inclusive (tokens pass). */
export function checkRange(construct: string, prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    propError(construct, prop, `${value} is outside ${min}..${max}`, `Use a value from ${min} to ${max}.`);
  }
}

/** A whole number (tokens pass). */
export function checkInteger(construct: string, prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value)) {
    propError(construct, prop, `${value} is not a whole number`, 'Use a whole number.');
  }
}

/** `low <= high` for a pair of related props (tokens pass). */
export function checkOrdered(
  construct: string,
  lowProp: string,
  low: number | undefined,
  highProp: string,
  high: number | undefined,
): void {
  if (low === undefined || high === undefined || Token.isUnresolved(low) || Token.isUnresolved(high)) return;
  if (low > high) {
    propError(construct, highProp, `${highProp} (${high}) is lower than ${lowProp} (${low})`,
      `Set ${highProp} to at least ${low}, or lower ${lowProp}.`);
  }
}

/** An HTTP path: starts with `/`, no whitespace, no query string (tokens pass). */
export function checkHttpPath(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!value.startsWith('/') || /[\s?#]/.test(value)) {
    propError(construct, prop, `'${value}' is not an absolute HTTP path`,
      `Use a path that starts with '/' and has no spaces, query or fragment, e.g. '/${value.replace(/^\/*/, '').replace(/[\s?#].*$/, '')}'.`);
  }
}

/** A duration between `min` and `max` inclusive, compared in seconds (tokens pass). */
export function checkDuration(construct: string, prop: string, value: Duration | undefined, min: Duration, max: Duration): void {
  if (value === undefined || value.isUnresolved()) return;
  const s = value.toSeconds();
  if (s < min.toSeconds() || s > max.toSeconds()) {
    propError(construct, prop, `${value.toHumanString()} is outside ${min.toHumanString()}..${max.toHumanString()}`,
      `Use a duration from ${min.toHumanString()} to ${max.toHumanString()}.`);
  }
}

/** A non-empty string matching `pattern` (tokens pass). */
export function checkPattern(construct: string, prop: string, value: string | undefined, pattern: RegExp, expected: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    propError(construct, prop, `'${value}' is not ${expected}`, `Use ${expected}.`);
  }
}
