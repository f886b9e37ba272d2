import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DOMAIN, HOSTED_ZONE_ID, Profile } from './config';
import { managedWebAcl } from './waf';

export interface EdgeStackProps extends StackProps {
  readonly profile: Profile;
}

/** us-east-1: the certificate CloudFront requires for the site's custom domain, and (prod) the site's web ACL. */
export class EdgeStack extends Stack {
  public readonly siteCertificate: acm.Certificate;
  /** ARN of the CloudFront web ACL, in prod. */
  public readonly webAclArn?: string;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: HOSTED_ZONE_ID, zoneName: DOMAIN });
    this.siteCertificate = new acm.Certificate(this, 'SiteCertificate', {
      domainName: `www.${DOMAIN}`,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    if (props.profile === 'prod') {
      // A CLOUDFRONT web ACL logs in us-east-1, where the platform's log key (a regional key) is not: a key of its own.
      const logKey = new kms.Key(this, 'LogKey', {
        description: 'Encrypts the site web ACL log group',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      logKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
      this.webAclArn = managedWebAcl(this, 'SiteWebAcl', 'CLOUDFRONT', logKey).attrArn;
    }
  }
}
