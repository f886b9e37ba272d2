import { Duration, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { StaticCdnSiteProps } from './props';
import { propError } from '../core/validation';

/** The limit CloudFront puts on the Content-Security-Policy value of a response headers policy. */
const MAX_CSP_LENGTH = 1783;

/** Parses a CSP into directive -> source list (lower-case directive names). */
export function parseCsp(csp: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const tokens = part.trim().split(/\s+/).filter((t) => t !== '');
    if (tokens.length === 0) continue;
    const name = tokens[0].toLowerCase();
    if (!directives.has(name)) directives.set(name, tokens.slice(1));
  }
  return directives;
}

/** Whether a CSP source list allows `source` (`'self'` or an https origin such as `https://a.example.com`). */
export function allows(sources: string[], source: string): boolean {
  const list = sources.map((s) => s.toLowerCase().replace(/\/+$/, ''));
  if (list.includes('\'none\'')) return false;
  if (list.includes('*') || list.includes('https:')) return true;
  if (source === '\'self\'') return list.includes('\'self\'');
  const host = source.toLowerCase().replace(/^https:\/\//, '').replace(/\/.*$/, '');
  return list.some((s) => {
    const h = s.replace(/^https:\/\//, '');
    if (/^[a-z]+:\/\//.test(h)) return false;
    if (h === host) return true;
    return h.startsWith('*.') && host.endsWith(h.slice(1));
  });
}

/** The effective source list of `directive` (falling back to default-src), or undefined when nothing restricts it. */
export function effectiveSources(csp: Map<string, string[]>, directive: string): string[] | undefined {
  return csp.get(directive) ?? csp.get('default-src');
}

export function buildContentSecurityPolicy(where: string, props: StaticCdnSiteProps): string {
  const connect = props.cspConnectSources ?? [];
  const script = props.cspScriptSources ?? [];
  for (const [prop, list] of [['cspConnectSources', connect], ['cspScriptSources', script]] as const) {
    for (const s of list) {
      if (!Token.isUnresolved(s) && (/[\s;,]/.test(s) || s === '')) {
        propError(where, prop, `'${s}' is not a single CSP source`, 'Give one origin per entry, e.g. \'https://analytics.example.com\'.');
      }
    }
  }
  let csp: string;
  if (props.contentSecurityPolicy === undefined) {
    csp = [
      'default-src \'self\'',
      ['script-src', '\'self\'', ...script].join(' '),
      'style-src \'self\' \'unsafe-inline\'',
      'img-src \'self\' data: blob:',
      'font-src \'self\' data:',
      ['connect-src', '\'self\'', ...connect].join(' '),
      'worker-src \'self\' blob:',
      'manifest-src \'self\'',
      'object-src \'none\'',
      'base-uri \'self\'',
      'form-action \'self\'',
      'frame-ancestors \'none\'',
      'upgrade-insecure-requests',
    ].join('; ');
  } else {
    csp = props.contentSecurityPolicy.trim();
    if (Token.isUnresolved(csp)) return csp;
    if (csp === '') {
      propError(where, 'contentSecurityPolicy', 'the policy is empty', 'Give a policy, or leave contentSecurityPolicy unset for the default.');
    }
    const parsed = parseCsp(csp);
    const need: Array<[string, string, string]> = []; // directive, source, why
    if (props.analyticsOrigin) {
      need.push(['script-src', '\'self\'', `the analytics tracker script (${props.analyticsOrigin.trackerScriptPath ?? '/stats/script.js'}, analyticsOrigin)`]);
      need.push(['connect-src', '\'self\'', `the analytics collect endpoint (${props.analyticsOrigin.collectPath ?? '/api/send'}, analyticsOrigin)`]);
    }
    if (props.apiOrigin) need.push(['connect-src', '\'self\'', `the API (${props.apiOrigin.pathPattern ?? '/api/*'}, apiOrigin)`]);
    for (const s of connect) if (!Token.isUnresolved(s)) need.push(['connect-src', s, `${s} (cspConnectSources)`]);
    for (const s of script) if (!Token.isUnresolved(s)) need.push(['script-src', s, `${s} (cspScriptSources)`]);
    for (const [directive, source, why] of need) {
      const list = effectiveSources(parsed, directive);
      if (list !== undefined && !allows(list, source)) {
        propError(where, 'contentSecurityPolicy', `the policy blocks ${why}: ${directive} (or default-src) does not allow ${source}`,
          `Add ${source} to ${directive} of the policy, or leave contentSecurityPolicy unset for a default that allows it.`);
      }
    }
  }
  if (csp.length > MAX_CSP_LENGTH) {
    propError(where, 'contentSecurityPolicy', `the policy is ${csp.length} characters long`,
      `CloudFront accepts at most ${MAX_CSP_LENGTH} characters: shorten it (e.g. use default-src for shared sources).`);
  }
  return csp;
}

/**
 * The response headers policy of the site: HSTS (two years, subdomains, optional preload), the content security
 * policy `csp`, nosniff, DENY framing, a strict referrer policy and a Permissions-Policy.
 */
export function createSecurityHeaders(scope: Construct, where: string, props: StaticCdnSiteProps, csp: string): cloudfront.ResponseHeadersPolicy {
  const hstsPreload = props.hstsPreload ?? false;
  return new cloudfront.ResponseHeadersPolicy(scope, 'SecurityHeaders', {
    comment: `Security headers of ${where}`.slice(0, 128),
    securityHeadersBehavior: {
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(730),
        includeSubdomains: true,
        preload: hstsPreload,
        override: true,
      },
      contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
    },
    customHeadersBehavior: {
      customHeaders: [{
        header: 'Permissions-Policy',
        value: props.permissionsPolicy
          ?? 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
        override: true,
      }],
    },
  });
}
