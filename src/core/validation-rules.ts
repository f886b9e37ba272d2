/**
 * Rules that the deploy-time handlers enforce and the constructs check at synth, defined once so the two cannot drift.
 * Pure functions with no aws-cdk-lib import: the handlers bundle this module (esbuild) and the constructs call it
 * through propError. Each `...Problem` function returns what is wrong, or undefined when the value is fine.
 */

/** Upstream OpenReplay collapses whitespace (`remove_whitespace`) before validating and storing names. */
export function collapseWhitespace(value: string): string {
  return value.split(/\s+/).filter((s) => s !== '').join(' ');
}

/** Upstream OpenReplay `check_account_name` (fullname, organizationName): letters, digits, `_`, spaces, `-`, `'`, `.`. */
export const OPENREPLAY_ACCOUNT_NAME = /^[\p{L}\p{N}_\s\-'.]+$/u;
/** Upstream OpenReplay `NAME_PATTERN` of project names. */
export const OPENREPLAY_PROJECT_NAME = /^[a-zA-Z0-9,\-éèàç |&/\\_.#']+$/;

/** What is wrong with an OpenReplay organization (account) name, after whitespace is collapsed. */
export function openReplayAccountNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is required';
  const v = collapseWhitespace(value);
  if (!OPENREPLAY_ACCOUNT_NAME.test(v)) {
    return `'${v}' may contain only letters, digits, spaces, hyphens, apostrophes and periods (OpenReplay rejects others)`;
  }
  return undefined;
}

/** What is wrong with an OpenReplay project name, after whitespace is collapsed. */
export function openReplayProjectNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is required';
  const v = collapseWhitespace(value);
  if (!OPENREPLAY_PROJECT_NAME.test(v)) {
    return `'${v}' may contain only letters a-z, digits, spaces and , - | & / \\ _ . # ' (OpenReplay rejects others)`;
  }
  return undefined;
}

/** Roles a Umami user can have. */
export const UMAMI_ROLES: readonly string[] = ['admin', 'user', 'view-only'];

/** What is wrong with a Umami website name (Umami stores up to 100 characters). */
export function umamiWebsiteNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is empty';
  if (value.trim().length > 100) return `has ${value.trim().length} characters (Umami stores at most 100)`;
  return undefined;
}

/** What is wrong with a Umami username (Umami stores up to 255 characters). */
export function umamiUsernameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is empty';
  if (value !== value.trim()) return `'${value}' has leading or trailing spaces`;
  if (value.length > 255) return `has ${value.length} characters (Umami stores at most 255)`;
  return undefined;
}

/** What is wrong with a command given as an array of arguments (e.g. a migration command). */
export function commandProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return 'is not a non-empty array of strings';
  const i = value.findIndex((v) => typeof v !== 'string' || v === '');
  if (i >= 0) return `entry ${i} is ${typeof value[i] === 'string' ? 'an empty string' : `not a string (${String(value[i])})`}`;
  return undefined;
}
