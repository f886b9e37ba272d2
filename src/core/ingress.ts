import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from './nag';
import { MonitoringTargets, IObservable } from './observable';
import { checkCertificateRegion, checkDomainName, checkInteger, checkInZone, checkRange, checkWholeDuration, fitTagValue, propError } from './validation';

/** Options for a new Application Load Balancer dedicated to one service. */
export interface NewLoadBalancerOptions {
  /**
   * Certificate for the HTTPS listener.
   *
   * @default - a DNS-validated certificate for `domainName` when `domainName` and `hostedZone` are set; otherwise no
   * certificate, and the load balancer serves plain HTTP on port 80 (for development only; synthesis warns)
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Domain name the service is reached at. With `hostedZone`, an alias record (A and AAAA) is created for it and,
   * unless `certificate` is set, a DNS-validated certificate.
   *
   * @default - the load balancer's own DNS name
   */
  readonly domainName?: string;

  /**
   * Hosted zone that holds `domainName`.
   *
   * @default - no DNS record and no certificate are created
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Whether the load balancer is reachable from the internet.
   *
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * TLS policy of the HTTPS listener.
   *
   * @default elbv2.SslPolicy.RECOMMENDED_TLS (TLS 1.3 and 1.2 only)
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * CIDR ranges allowed to connect to the listeners.
   *
   * @default ['0.0.0.0/0'] for an internet-facing load balancer, the VPC CIDR for an internal one
   */
  readonly allowedCidrs?: string[];

  /**
   * Bucket for the access logs. It must use SSE-S3 encryption (load balancers cannot write to SSE-KMS buckets).
   *
   * @default - a new bucket: SSE-S3, SSL only, public access blocked, versioned, objects expired after `accessLogsRetention`
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * How long access logs are kept in the bucket this construct creates.
   *
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;

  /**
   * Whether the load balancer has deletion protection.
   *
   * @default false
   */
  readonly deletionProtection?: boolean;

  /**
   * Idle timeout of connections.
   *
   * @default Duration.seconds(60)
   */
  readonly idleTimeout?: Duration;

  /**
   * ARN of an AWS WAFv2 regional web ACL to associate with the load balancer.
   *
   * @default - no web ACL
   */
  readonly webAclArn?: string;
}

/** Options for a rule on an existing listener, so that several services share one load balancer. */
export interface ListenerRuleOptions {
  /**
   * Priority of the rule on the listener, 1 to 50000, unique on that listener. Lower is evaluated first.
   */
  readonly priority: number;

  /**
   * Host headers to match (e.g. `api.example.com`). At least one of `hostHeaders` and `pathPatterns` is required.
   *
   * @default - any host
   */
  readonly hostHeaders?: string[];

  /**
   * Path patterns to match (e.g. `/api/*`). At least one of `hostHeaders` and `pathPatterns` is required.
   *
   * @default - any path
   */
  readonly pathPatterns?: string[];

  /**
   * Whether the shared listener speaks HTTPS; used to build the service's `url`.
   *
   * @default true
   */
  readonly https?: boolean;
}

/** What a service hands its ingress: the target group that reaches its tasks. */
export interface IngressTarget {
  /** The VPC of the service. */
  readonly vpc: ec2.IVpc;
  /** The target group whose targets are the service's tasks. */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/** What an ingress gives back once bound to a service. */
export interface IngressBinding {
  /** The listener that forwards to the service. */
  readonly listener: elbv2.IApplicationListener;
  /** The load balancer, when the ingress created one. */
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** Base URL of the service, when it is known at synth time. */
  readonly url?: string;
}

/**
 * How a service is reached from outside: a new Application Load Balancer of its own, or a rule on an existing
 * listener (host header and/or path) so that several services share one load balancer.
 */
export abstract class Ingress {
  /** A new Application Load Balancer for this service: HTTPS with an HTTP redirect, access logs, hardened defaults. */
  public static loadBalancer(options: NewLoadBalancerOptions = {}): Ingress {
    return new NewLoadBalancerIngress(options);
  }

  /** A rule on an existing (typically HTTPS) listener that forwards matching requests to this service. */
  public static listenerRule(listener: elbv2.IApplicationListener, options: ListenerRuleOptions): Ingress {
    return new ListenerRuleIngress(listener, options);
  }

  /** Creates the ingress resources in `scope` and routes them to `target`. */
  public abstract bind(scope: Construct, target: IngressTarget): IngressBinding;
}

class NewLoadBalancerIngress extends Ingress {
  constructor(private readonly options: NewLoadBalancerOptions) {
    super();
  }

  public bind(scope: Construct, target: IngressTarget): IngressBinding {
    const lb = new HardenedLoadBalancer(scope, 'Ingress', { ...this.options, vpc: target.vpc, defaultTargetGroup: target.targetGroup });
    return { listener: lb.listener, loadBalancer: lb.loadBalancer, url: lb.url };
  }
}

/** Props of {@link HardenedLoadBalancer}. */
export interface HardenedLoadBalancerProps extends NewLoadBalancerOptions {
  /** The VPC of the load balancer. */
  readonly vpc: ec2.IVpc;

  /**
   * Where the main listener forwards requests that no rule matches.
   *
   * @default - a fixed 404 response (services add rules with `Ingress.listenerRule(lb.listener, ...)`)
   */
  readonly defaultTargetGroup?: elbv2.IApplicationTargetGroup;
}

/**
 * An Application Load Balancer with hardened defaults, dedicated to one service or shared by several (host/path rules
 * through `Ingress.listenerRule(lb.listener, ...)`): HTTPS with a TLS 1.2+ policy and HTTP redirected to it (plain HTTP
 * only without a certificate, with a synth warning), invalid header fields dropped, access logs to an encrypted,
 * SSL-only bucket with a lifecycle, only the listener ports open.
 */
export class HardenedLoadBalancer extends Construct implements IObservable {
  /** The load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The main listener: HTTPS on 443, or HTTP on 80 without a certificate. */
  public readonly listener: elbv2.ApplicationListener;
  /** Security group of the load balancer. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Base URL: `https://domainName`, or the load balancer's DNS name. */
  public readonly url: string;
  /** The access logs bucket, when this construct created it. */
  public readonly accessLogsBucket?: s3.Bucket;

  constructor(scope: Construct, id: string, props: HardenedLoadBalancerProps) {
    super(scope, id);
    const o = props;
    const where = scope.node.path;
    if (o.hostedZone && !o.domainName) {
      propError(where, 'hostedZone', 'a hosted zone was given without a domain name', 'Set domainName too (a name inside the zone), or remove hostedZone.');
    }
    checkDomainName(where, 'domainName', o.domainName);
    checkInZone(where, 'domainName', o.domainName, o.hostedZone?.zoneName);
    checkWholeDuration(where, 'idleTimeout', o.idleTimeout, 'seconds', 1, 4000);
    checkWholeDuration(where, 'accessLogsRetention', o.accessLogsRetention, 'days', 1);
    if (o.certificate) {
      checkCertificateRegion(where, 'certificate', o.certificate.certificateArn, Stack.of(this).region, 'an Application Load Balancer in this stack');
    }
    if (o.webAclArn !== undefined && !Token.isUnresolved(o.webAclArn) && !/^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+/.test(o.webAclArn)) {
      propError(where, 'webAclArn', `'${o.webAclArn}' is not the ARN of a regional WAFv2 web ACL`,
        'Use the ARN of a REGIONAL web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); CloudFront ACLs do not attach to load balancers.');
    }
    const internetFacing = o.internetFacing ?? true;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: o.vpc,
      description: fitTagValue(`Load balancer of ${where}`, 255),
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: o.vpc,
      internetFacing,
      securityGroup: this.securityGroup,
      vpcSubnets: { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      dropInvalidHeaderFields: true,
      deletionProtection: o.deletionProtection ?? false,
      idleTimeout: o.idleTimeout,
    });
    const loadBalancer = this.loadBalancer;

    if (!o.accessLogsBucket) {
      this.accessLogsBucket = createAccessLogsBucket(this, o.accessLogsRetention ?? Duration.days(90));
    }
    loadBalancer.logAccessLogs(o.accessLogsBucket ?? this.accessLogsBucket!, 'alb');

    const certificate = o.certificate ?? (o.domainName && o.hostedZone
      ? new acm.Certificate(this, 'Certificate', {
        domainName: o.domainName,
        validation: acm.CertificateValidation.fromDns(o.hostedZone),
      })
      : undefined);

    const peers = (o.allowedCidrs ?? (internetFacing ? ['0.0.0.0/0'] : [o.vpc.vpcCidrBlock]))
      .map((cidr) => (!Token.isUnresolved(cidr) && cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr)));
    const defaultAction = o.defaultTargetGroup
      ? elbv2.ListenerAction.forward([o.defaultTargetGroup])
      : elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'Not Found' });

    if (certificate) {
      this.listener = loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        sslPolicy: o.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction,
      });
      const redirect = loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: false });
      acknowledgeCompliance(redirect, ['ELBv2ACMCertificateRequired'], 'The port 80 listener only answers with a redirect to HTTPS.');
      for (const peer of peers) {
        this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS');
        this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
      }
    } else {
      this.listener = loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction,
      });
      for (const peer of peers) {
        this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP');
      }
      Annotations.of(scope).addWarningV2('@org/analytics-constructs:insecureHttp',
        'The load balancer has no certificate and serves plain HTTP: for development only. '
        + 'Set certificate, or domainName with hostedZone, to serve HTTPS and redirect HTTP to it.');
    }

    if (o.domainName && o.hostedZone) {
      const aliasTarget = route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(loadBalancer));
      new route53.ARecord(this, 'AliasRecord', { zone: o.hostedZone, recordName: o.domainName, target: aliasTarget });
      new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: o.hostedZone, recordName: o.domainName, target: aliasTarget });
    }

    if (o.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: loadBalancer.loadBalancerArn,
        webAclArn: o.webAclArn,
      });
    } else {
      acknowledgeCompliance(loadBalancer, ['ALBWAFEnabled'],
        'A web ACL is the deployment\'s choice (webAclArn); the load balancer itself drops invalid headers and allows only TLS 1.2+.');
    }
    if (!(o.deletionProtection ?? false)) {
      acknowledgeCompliance(loadBalancer, ['ELBDeletionProtectionEnabled'],
        'The load balancer holds no data and is recreated by the stack; deletion protection is opt-in (deletionProtection).');
    }
    if (internetFacing && o.allowedCidrs === undefined) {
      acknowledgeAwsSolutions(this.securityGroup, ['EC23'],
        'An internet-facing load balancer is the public edge of the service; only its listener ports are open.');
    }

    this.url = `${certificate ? 'https' : 'http'}://${o.domainName ?? loadBalancer.loadBalancerDnsName}`;
  }

  /** What to watch: the load balancer. */
  public monitoringTargets(): MonitoringTargets {
    return { loadBalancers: [{ loadBalancer: this.loadBalancer, title: this.node.path }] };
  }
}

function createAccessLogsBucket(scope: Construct, retention: Duration): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // Load balancers can deliver access logs only to SSE-S3 buckets.
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    lifecycleRules: [{ expiration: retention, noncurrentVersionExpiration: Duration.days(7) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const recursion = 'This bucket receives load balancer access logs; logging its own access would recurse.';
  acknowledgeAwsSolutions(bucket, ['S1'], recursion);
  acknowledgeCompliance(bucket, ['S3BucketLoggingEnabled'], recursion);
  acknowledgeCompliance(bucket, ['S3DefaultEncryptionKMS'], 'Load balancers deliver access logs only to SSE-S3 encrypted buckets.');
  acknowledgeCompliance(bucket, ['S3BucketReplicationEnabled'],
    'Access logs are kept for a limited period in one region; cross-region replication is not worth its cost here.');
  return bucket;
}

/**
 * Priorities used by this library's rules per app and listener ARN (so the same listener imported twice, or used from
 * two stacks, is one listener), to catch a clash at synth time.
 */
const priorities = new WeakMap<object, Map<string, Map<number, string>>>();

function prioritiesOf(scope: Construct, listener: elbv2.IApplicationListener): Map<number, string> {
  const root = scope.node.root;
  const byArn = priorities.get(root) ?? new Map<string, Map<number, string>>();
  priorities.set(root, byArn);
  const used = byArn.get(listener.listenerArn) ?? new Map<number, string>();
  byArn.set(listener.listenerArn, used);
  return used;
}

class ListenerRuleIngress extends Ingress {
  constructor(private readonly listener: elbv2.IApplicationListener, private readonly options: ListenerRuleOptions) {
    super();
  }

  public bind(scope: Construct, target: IngressTarget): IngressBinding {
    const o = this.options;
    const where = scope.node.path;
    checkInteger(where, 'priority', o.priority);
    checkRange(where, 'priority', o.priority, 1, 50000);
    const hosts = o.hostHeaders ?? [];
    const paths = o.pathPatterns ?? [];
    if (hosts.length === 0 && paths.length === 0) {
      propError(where, 'hostHeaders/pathPatterns', 'a rule on a shared listener needs a condition',
        'Set hostHeaders (e.g. [\'api.example.com\']) and/or pathPatterns (e.g. [\'/api/*\']).');
    }
    if (hosts.length + paths.length > 5) {
      propError(where, hosts.length > paths.length ? 'hostHeaders' : 'pathPatterns',
        `${hosts.length} host and ${paths.length} path values add up to ${hosts.length + paths.length}, more than the 5 a listener rule allows`,
        'Use at most 5 values in hostHeaders and pathPatterns together: use a wildcard, or split the service.');
    }
    for (const h of hosts) {
      if (!Token.isUnresolved(h) && !/^[a-z0-9*?.-]{1,128}$/.test(h)) {
        propError(where, 'hostHeaders', `'${h}' is not a host name pattern`,
          `Use a lower-case host name (wildcards * and ? allowed), e.g. '${h.toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/[/:].*$/, '')}'.`);
      }
    }
    for (const p of paths) {
      if (!Token.isUnresolved(p) && !p.startsWith('/')) {
        propError(where, 'pathPatterns', `'${p}' does not start with '/'`, `Use '/${p}'.`);
      }
      if (!Token.isUnresolved(p) && (p.length > 128 || /\s/.test(p))) {
        propError(where, 'pathPatterns', `'${p}' has spaces or more than 128 characters`, 'Use a path pattern of at most 128 characters without spaces.');
      }
    }
    if (!Token.isUnresolved(o.priority)) {
      const used = prioritiesOf(scope, this.listener);
      const other = used.get(o.priority);
      if (other !== undefined) {
        propError(where, 'priority', `priority ${o.priority} is already used on this listener by ${other}`,
          'Give each service a different priority on a shared listener.');
      }
      used.set(o.priority, where);
    }

    const conditions: elbv2.ListenerCondition[] = [];
    if (hosts.length > 0) conditions.push(elbv2.ListenerCondition.hostHeaders(hosts));
    if (paths.length > 0) conditions.push(elbv2.ListenerCondition.pathPatterns(paths));
    new elbv2.ApplicationListenerRule(scope, 'ListenerRule', {
      listener: this.listener,
      priority: o.priority,
      conditions,
      targetGroups: [target.targetGroup],
    });

    const url = hosts.length > 0 && !hosts[0].includes('*')
      ? `${o.https === false ? 'http' : 'https'}://${hosts[0]}`
      : undefined;
    return { listener: this.listener, url };
  }
}
