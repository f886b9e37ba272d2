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
  const s = value.toSeconds({ integral: false });
  if (s < min.toSeconds({ integral: false }) || s > max.toSeconds({ integral: false })) {
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

/** The unit a duration must be whole in. */
export type DurationUnit = 'milliseconds' | 'seconds' | 'minutes' | 'hours' | 'days';

function durationIn(value: Duration, unit: DurationUnit): number {
  switch (unit) {
    case 'milliseconds': return value.toMilliseconds({ integral: false });
    case 'seconds': return value.toSeconds({ integral: false });
    case 'minutes': return value.toMinutes({ integral: false });
    case 'hours': return value.toHours({ integral: false });
    default: return value.toDays({ integral: false });
  }
}

/**
 * A duration that is a whole number of `unit` (what AWS takes for the property) and, when given, within `min..max`
 * (compared in `unit`). Tokens pass. aws-cdk-lib would otherwise reject e.g. 36 hours as days without a construct path.
 */
export function checkWholeDuration(
  construct: string, prop: string, value: Duration | undefined, unit: DurationUnit, min?: number, max?: number,
): void {
  if (value === undefined || value.isUnresolved()) return;
  const amount = durationIn(value, unit);
  if (!Number.isInteger(amount)) {
    const down = Math.floor(amount);
    propError(construct, prop, `${value.toHumanString()} (${amount} ${unit}) is not a whole number of ${unit}`,
      `Use whole ${unit}, e.g. Duration.${unit}(${down < (min ?? 0) ? Math.ceil(amount) : down}).`);
  }
  if ((min !== undefined && amount < min) || (max !== undefined && amount > max)) {
    propError(construct, prop, `${amount} ${unit} is outside ${min ?? 0}..${max ?? 'any'} ${unit}`,
      `Use ${min ?? 0} to ${max ?? 'any number of'} ${unit}.`);
  }
}

/** The values CloudWatch Logs accepts as retention in days (RetentionDays, without INFINITE). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A CloudWatch Logs retention in days (one of {@link LOG_RETENTION_DAYS}; tokens pass). */
export function checkLogRetentionDays(construct: string, prop: string, days: number | undefined): void {
  if (days === undefined || Token.isUnresolved(days)) return;
  if (!LOG_RETENTION_DAYS.includes(days)) {
    const above = LOG_RETENTION_DAYS.find((d) => d >= days) ?? LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1];
    propError(construct, prop, `${days} days is not a retention CloudWatch Logs offers`,
      `Use one of ${LOG_RETENTION_DAYS.join(', ')} days (RetentionDays), e.g. ${above}.`);
  }
}

/** A log retention given as a duration: whole days and a CloudWatch Logs retention value (tokens pass). */
export function checkLogRetention(construct: string, prop: string, value: Duration | undefined): void {
  if (value === undefined || value.isUnresolved()) return;
  checkWholeDuration(construct, prop, value, 'days');
  checkLogRetentionDays(construct, prop, value.toDays({ integral: false }));
}

/** One of `allowed` (tokens pass). */
export function checkOneOf<T extends string | number>(construct: string, prop: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    propError(construct, prop, `'${value}' is not one of ${allowed.join(', ')}`, `Use one of ${allowed.join(', ')}.`);
  }
}

/** A string of `min..max` characters (tokens pass; a string with tokens inside is not measured). */
export function checkLength(construct: string, prop: string, value: string | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value.length < min || value.length > max) {
    propError(construct, prop, value.length === 0 ? 'the value is empty' : `'${shorten(value)}' has ${value.length} characters, outside ${min}..${max}`,
      `Use ${min} to ${max} characters.`);
  }
}

/** A value for an HTTP header (or anything that ends up in one): printable, no CR, LF or other control characters. */
export function checkHeaderValue(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f]/.exec(value);
  if (bad) {
    propError(construct, prop, `'${shorten(JSON.stringify(value))}' contains the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`,
      'Remove line breaks, tabs and other control characters (header values are one printable line).');
  }
}

/** A lower-case fully qualified domain name (a host name: labels of letters, digits and hyphens). */
export const DOMAIN_NAME = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}\.)+[a-z][a-z0-9-]{0,62}$/;

/** A lower-case fully qualified domain name (tokens pass). Upper case is rejected with the lower-case fix. */
export function checkDomainName(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'string' || value === '') {
    propError(construct, prop, `${JSON.stringify(value)} is not a domain name`, 'Give a fully qualified domain name such as app.example.com.');
  }
  if (/^[a-z]+:\/\//i.test(value)) {
    propError(construct, prop, `'${value}' is a URL, not a domain name`,
      `Use the host name only, e.g. '${value.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '').toLowerCase()}'.`);
  }
  if (value !== value.toLowerCase() && DOMAIN_NAME.test(value.toLowerCase())) {
    propError(construct, prop, `'${value}' has upper-case letters`, `Use '${value.toLowerCase()}' (DNS names are compared in lower case).`);
  }
  if (!DOMAIN_NAME.test(value) || value.split('.').some((l) => l.startsWith('-') || l.endsWith('-'))) {
    propError(construct, prop, `'${value}' is not a fully qualified domain name`,
      'Use a name such as app.example.com (letters, digits and hyphens, labels of at most 63 characters).');
  }
}

/** `domain` is the zone's apex or a name inside the zone (tokens on either side pass). */
export function checkInZone(construct: string, prop: string, domain: string | undefined, zoneName: string | undefined): void {
  if (domain === undefined || zoneName === undefined || Token.isUnresolved(domain) || Token.isUnresolved(zoneName)) return;
  const zone = zoneName.replace(/\.$/, '').toLowerCase();
  const name = domain.replace(/\.$/, '').toLowerCase();
  if (name !== zone && !name.endsWith(`.${zone}`)) {
    propError(construct, prop, `'${domain}' is not inside the hosted zone ${zone}`,
      `Use a name in the zone, e.g. 'app.${zone}', or pass the hosted zone of '${domain}'.`);
  }
}

/**
 * The region of a certificate ARN, or undefined when it cannot be known at synth (the ARN, or its region field, is a
 * token). Never falls back to the stack's region.
 */
export function certificateRegion(arn: string | undefined): string | undefined {
  if (arn === undefined || Token.isUnresolved(arn)) return undefined;
  const region = arn.split(':')[3];
  return region === undefined || region === '' || Token.isUnresolved(region) ? undefined : region;
}

/**
 * A certificate in `expected` (e.g. us-east-1 for CloudFront, the load balancer's region for an ALB). A certificate
 * whose ARN is a token passes; so does a concrete certificate when `expected` is a token (an environment-agnostic stack).
 */
export function checkCertificateRegion(construct: string, prop: string, arn: string | undefined, expected: string, why: string): void {
  const region = certificateRegion(arn);
  if (region === undefined || Token.isUnresolved(expected)) return;
  if (region !== expected) {
    propError(construct, prop, `the certificate ${arn} is in ${region}, but ${why} needs one in ${expected}`,
      `Request or import a certificate in ${expected} for the same names.`);
  }
}

/** An ECR repository name (2-256 characters, lower case, `/`-separated path components) without tag or digest. */
export function checkEcrRepositoryName(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  const at = value.indexOf('@');
  const lastSlash = value.lastIndexOf('/');
  const colon = value.indexOf(':', lastSlash + 1);
  if (at >= 0 || colon >= 0) {
    const repo = value.slice(0, at >= 0 ? at : colon);
    propError(construct, prop, `'${value}' has a ${at >= 0 ? 'digest' : 'tag'} in it`,
      `Give the repository name only ('${repo}') and the ${at >= 0 ? 'digest' : 'tag'} in the tag prop.`);
  }
  if (!/^(?=.{2,256}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(value)) {
    propError(construct, prop, `'${value}' is not an ECR repository name`,
      'Use 2 to 256 lower-case letters, digits and . _ - / (each part starting with a letter or digit), e.g. \'team/app\'.');
  }
}

/** An image tag: 1-128 characters of letters, digits, `_ . -`, not starting with `.` or `-` (tokens pass; never empty). */
export function checkImageTag(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value === '') {
    propError(construct, prop, 'the tag is empty (it would silently become latest)', 'Give the tag to deploy, e.g. \'1.4.2\', or leave the prop unset for the default.');
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    propError(construct, prop, `'${value}' is not an image tag`, 'Use up to 128 letters, digits and _ . - (not starting with . or -).');
  }
}

/** An ECS service name: 1-255 letters, digits, hyphens and underscores, starting with a letter. */
export function checkEcsServiceName(construct: string, prop: string, value: string | undefined): void {
  checkPattern(construct, prop, value, /^[A-Za-z][A-Za-z0-9_-]{0,254}$/,
    'an ECS service name (1-255 letters, digits, hyphens and underscores, starting with a letter)');
}

/** An ElastiCache node type of the shape `cache.<family>.<size>`, e.g. cache.t4g.micro (tokens pass). */
export function checkCacheNodeType(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!/^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value)) {
    const fix = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value) ? `Use 'cache.${value}'.` : 'Use a node type such as cache.t4g.micro.';
    propError(construct, prop, `'${value}' is not an ElastiCache node type`, fix);
  }
}

/**
 * ECS deployment percentages that let a rolling deployment progress: minimum 0..100, maximum 100..200, and not both
 * at 100 (ECS could then neither start a new task nor stop an old one). Tokens pass.
 */
export function checkHealthyPercents(construct: string, minProp: string, min: number | undefined, maxProp: string, max: number | undefined): void {
  checkInteger(construct, minProp, min);
  checkRange(construct, minProp, min, 0, 100);
  checkInteger(construct, maxProp, max);
  checkRange(construct, maxProp, max, 100, 200);
  if (min === undefined || max === undefined || Token.isUnresolved(min) || Token.isUnresolved(max)) return;
  if (min >= 100 && max <= 100) {
    propError(construct, maxProp, `${minProp} ${min} with ${maxProp} ${max} leaves no room to start or stop a task, so a deployment never progresses`,
      `Raise ${maxProp} above 100 (e.g. 200), or lower ${minProp} below 100 (e.g. 50).`);
  }
}

/**
 * Target group health check timing: interval 5..300 s and timeout 2..120 s, both whole seconds, timeout shorter than
 * the interval (tokens pass).
 */
export function checkHealthCheckTiming(construct: string, prefix: string, interval: Duration | undefined, timeout: Duration | undefined): void {
  checkWholeDuration(construct, `${prefix}interval`, interval, 'seconds', 5, 300);
  checkWholeDuration(construct, `${prefix}timeout`, timeout, 'seconds', 2, 120);
  if (interval === undefined || timeout === undefined || interval.isUnresolved() || timeout.isUnresolved()) return;
  if (timeout.toSeconds() >= interval.toSeconds()) {
    propError(construct, `${prefix}timeout`, `the timeout (${timeout.toHumanString()}) is not shorter than the interval (${interval.toHumanString()})`,
      `Use a timeout below ${interval.toHumanString()}, or a longer interval.`);
  }
}

/** An HTTP path for a CloudFront invalidation: starts with `/`, URL-encoded (no spaces or control characters). */
export function checkInvalidationPath(construct: string, prop: string, value: string | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!value.startsWith('/')) {
    propError(construct, prop, `'${value}' does not start with '/'`, `Use '/${value}'.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f"<>^`{|}]/.test(value)) {
    propError(construct, prop, `'${value}' has characters that must be URL-encoded`,
      `Encode them, e.g. '${value.split('*').map((part) => encodeURI(part)).join('*')}'.`);
  }
}

/** A trimmed string that is not empty (tokens pass). Catches `undefined` passed where JavaScript callers skip the type. */
export function checkRequired(construct: string, prop: string, value: unknown, fix: string): void {
  if (typeof value === 'string' && Token.isUnresolved(value)) return;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    propError(construct, prop, value === undefined || value === null ? 'it is missing' : 'it is empty', fix);
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'object') {
    propError(construct, prop, `${String(value)} is a ${typeof value}`, fix);
  }
}

/** Tag values (AWS: at most 256 characters): the value shortened to fit, keeping its end (the distinctive part of a path). */
export function fitTagValue(value: string, max = 256): string {
  if (Token.isUnresolved(value) || value.length <= max) return value;
  return `...${value.slice(value.length - (max - 3))}`;
}

/** A string shortened for messages. */
function shorten(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/**
 * A rule shared with a deploy-time handler (see validation-rules.ts): `rule` returns what is wrong, or undefined.
 * Tokens pass.
 */
export function checkRule(construct: string, prop: string, value: unknown, rule: (v: unknown) => string | undefined, fix: string): void {
  if (typeof value === 'string' && Token.isUnresolved(value)) return;
  const problem = rule(value);
  if (problem !== undefined) {
    propError(construct, prop, problem.startsWith('\'') ? problem : `the value ${problem}`, fix);
  }
}
