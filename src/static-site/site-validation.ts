import * as fs from 'fs';
import { Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { StaticCdnSiteProps } from './props';
import {
  certificateRegion as arnRegion, checkDomainName, checkHeaderValue, checkInvalidationPath, checkPattern, checkWholeDuration, propError,
} from '../core/validation';

const ORIGIN_HOST = /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/i;

export function validateSources(where: string, props: StaticCdnSiteProps) {
  if (props.sourceDirectory !== undefined && props.sources !== undefined) {
    propError(where, 'sources', 'both sourceDirectory and sources were given', 'Give one of them: sourceDirectory for a local build, sources otherwise.');
  }
  if (props.sourceDirectory !== undefined && !Token.isUnresolved(props.sourceDirectory)) {
    if (!fs.existsSync(props.sourceDirectory) || !fs.statSync(props.sourceDirectory).isDirectory()) {
      propError(where, 'sourceDirectory', `'${props.sourceDirectory}' is not a directory`,
        'Build the site first (e.g. npm run build) and pass the path of its output directory (e.g. dist/).');
    }
  }
  for (const pattern of props.noCacheFiles ?? []) {
    if (pattern.startsWith('/')) {
      propError(where, 'noCacheFiles', `'${pattern}' starts with '/'`, `Use patterns relative to the site root, e.g. '${pattern.replace(/^\/+/, '')}'.`);
    }
  }
  (props.distributionPaths ?? []).forEach((p, i) => checkInvalidationPath(where, `distributionPaths[${i}]`, p));
}

/** Header values, durations and other props with a rule AWS enforces at deploy time. */
export function validateSiteProps(where: string, props: StaticCdnSiteProps) {
  checkHeaderValue(where, 'contentSecurityPolicy', props.contentSecurityPolicy);
  checkHeaderValue(where, 'permissionsPolicy', props.permissionsPolicy);
  checkHeaderValue(where, 'apiOrigin.originVerifyToken', props.apiOrigin?.originVerifyToken);
  checkHeaderValue(where, 'analyticsOrigin.originVerifyToken', props.analyticsOrigin?.originVerifyToken);
  checkHeaderValue(where, 'comment', props.comment);
  // CloudFront: origin response timeout 1..60 whole seconds (more needs a quota increase).
  const readTimeout = props.apiOrigin?.readTimeout;
  const seconds = readTimeout && !readTimeout.isUnresolved() ? readTimeout.toSeconds({ integral: false }) : undefined;
  if (seconds !== undefined && (seconds < 1 || seconds > 60)) {
    propError(where, 'apiOrigin.readTimeout', `${readTimeout!.toHumanString()} is outside 1..60 seconds`,
      'Use a timeout from 1 to 60 seconds (longer needs a CloudFront quota increase and is not supported here).');
  }
  checkWholeDuration(where, 'apiOrigin.readTimeout', readTimeout, 'seconds');
  // S3 lifecycle expirations are whole days.
  checkWholeDuration(where, 'logRetention', props.logRetention, 'days', 1);
  checkWholeDuration(where, 'noncurrentVersionExpiration', props.noncurrentVersionExpiration, 'days', 1);
}

/** A CloudFront path pattern: starts with '/', no whitespace, query or fragment. */
export function checkPathPattern(where: string, prop: string, value: string): string {
  if (!Token.isUnresolved(value) && (!value.startsWith('/') || /[\s?#]/.test(value) || value === '/*')) {
    propError(where, prop, `'${value}' is not a path pattern under the site`,
      `Use a pattern that starts with '/' and is not '/*' (the site itself), e.g. '/${value.replace(/^\/*/, '').replace(/[\s?#].*$/, '') || 'api/*'}'.`);
  }
  return value;
}

export function checkOriginHost(where: string, prop: string, value: string) {
  if (!Token.isUnresolved(value) && /^[a-z]+:\/\//i.test(value)) {
    propError(where, prop, `'${value}' is a URL, not a host name`, `Use the host name only, e.g. '${value.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '')}'.`);
  }
  checkPattern(where, prop, value, ORIGIN_HOST, 'a host name such as api.example.com');
}

export function resolveDomainNames(where: string, props: StaticCdnSiteProps): string[] {
  const names = [...(props.domainNames ?? [])];
  names.forEach((name, i) => {
    if (typeof name === 'string' && name.startsWith('*.')) {
      checkDomainName(where, `domainNames[${i}]`, name.slice(2));
    } else {
      checkDomainName(where, `domainNames[${i}]`, name);
    }
  });
  if (props.hostedZone && names.length === 0) {
    propError(where, 'hostedZone', 'a hosted zone was given without domain names', 'Set domainNames too (names inside the zone), or remove hostedZone.');
  }
  if (props.certificate && names.length === 0) {
    propError(where, 'certificate', 'a certificate was given without domain names', 'Set domainNames to the names the certificate covers, or remove certificate.');
  }
  if (names.length > 0 && !props.certificate && !props.hostedZone) {
    propError(where, 'domainNames', `${names.join(', ')} need a certificate, and there is neither a certificate nor a hosted zone to create one`,
      'Pass certificate (an ACM certificate in us-east-1 covering the names), or hostedZone with the stack in us-east-1.');
  }
  if (props.redirectWwwToApex) {
    if (names.length === 0) {
      propError(where, 'redirectWwwToApex', 'there is no domain name to redirect to', 'Set domainNames (the apex first, e.g. [\'example.com\']), or remove redirectWwwToApex.');
    }
    const apex = names[0];
    if (!Token.isUnresolved(apex) && (apex.toLowerCase().startsWith('www.') || apex.startsWith('*.'))) {
      propError(where, 'redirectWwwToApex', `the first domain name '${apex}' is not an apex name`, 'Put the name to redirect to first in domainNames, e.g. [\'example.com\'].');
    }
    const www = `www.${apex}`;
    if (!names.some((n) => n.toLowerCase() === www.toLowerCase())) names.push(www);
  }
  const zoneName = props.hostedZone && !Token.isUnresolved(props.hostedZone.zoneName) ? props.hostedZone.zoneName.replace(/\.$/, '').toLowerCase() : undefined;
  if (zoneName) {
    for (const name of names) {
      const n = name.toLowerCase().replace(/^\*\./, '');
      if (!Token.isUnresolved(name) && n !== zoneName && !n.endsWith(`.${zoneName}`)) {
        propError(where, 'domainNames', `'${name}' is not inside the hosted zone ${zoneName}`,
          'Use names inside the zone, or pass the zone that holds them.');
      }
    }
  }
  if (names.length > 0 && new Set(names.map((n) => n.toLowerCase())).size !== names.length) {
    propError(where, 'domainNames', `${names.join(', ')} has duplicates`, 'List each domain name once.');
  }
  return names;
}

export function checkCertificateRegion(where: string, certificate: acm.ICertificate) {
  const region = certificateRegion(certificate);
  if (region !== undefined && region !== 'us-east-1') {
    propError(where, 'certificate', `the certificate is in ${region}, but CloudFront accepts only certificates in us-east-1`,
      'Create the certificate in a us-east-1 stack (acm.Certificate with crossRegionReferences: true on both stacks) and pass it here.');
  }
}

/**
 * The region of a certificate when it is known at synth time: from its ARN, else (for a certificate created in this
 * app, whose ARN is a token) from the stack it is created in. An imported certificate whose ARN is a token (e.g. a
 * CfnParameter) has no known region: it passes, never falling back to the importing stack's region.
 */
export function certificateRegion(certificate: acm.ICertificate): string | undefined {
  const arn = certificate.certificateArn;
  if (!Token.isUnresolved(arn)) return arnRegion(arn);
  if (!(certificate.node.defaultChild instanceof acm.CfnCertificate)) return undefined;
  const region = certificate.env.region;
  return Token.isUnresolved(region) ? undefined : region;
}
