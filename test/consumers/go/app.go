// Command consumer is a small Go CDK app on the jsii Go bindings of @org/analytics-constructs: OpenReplay (grouped
// layout, external Valkey, on a shared load balancer and Aurora cluster) in eu-west-1, and a StaticCdnSite in
// us-east-1, each monitored by an ObservabilityBundle. Fixed account and regions, no lookups, no Docker.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	oac "github.com/org/analytics-constructs-go/organalyticsconstructs"
)

const (
	account = "111111111111"
	domain  = "example.com"
	zoneID  = "Z0123456789ABC"
)

// Consumer holds what the tests assert on.
type Consumer struct {
	App        awscdk.App
	Platform   awscdk.Stack
	SiteStack  awscdk.Stack
	Replay     oac.OpenReplayPlatform
	Site       oac.StaticCdnSite
	Bundle     oac.ObservabilityBundle
	SiteBundle oac.ObservabilityBundle
}

func zone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zoneID),
		ZoneName:     jsii.String(domain),
	})
}

// BuildApp builds the stacks (without synthesizing them) into an app writing to outdir.
func BuildApp(outdir string) *Consumer {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})

	platform := awscdk.NewStack(app, jsii.String("GoConsumer-Platform"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
	})
	vpc := awsec2.NewVpc(platform, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	cluster := awsecs.NewCluster(platform, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: vpc})
	certificate := awscertificatemanager.NewCertificate(platform, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
		DomainName: jsii.String("*." + domain),
		Validation: awscertificatemanager.CertificateValidation_FromDns(zone(platform)),
	})
	alb := oac.NewHardenedLoadBalancer(platform, jsii.String("Alb"), &oac.HardenedLoadBalancerProps{Vpc: vpc, Certificate: certificate})
	aurora := oac.NewAuroraPostgresCluster(platform, jsii.String("Postgres"), &oac.AuroraPostgresClusterProps{
		Vpc:                vpc,
		MaxCapacity:        jsii.Number(4),
		DeletionProtection: jsii.Bool(false),
		RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
	})
	replay := oac.NewOpenReplayPlatform(platform, jsii.String("Replay"), &oac.OpenReplayPlatformProps{
		Cluster:            cluster,
		DomainName:         jsii.String("replay." + domain),
		Ingress:            oac.Ingress_ListenerRule(alb.Listener(), &oac.ListenerRuleOptions{Priority: jsii.Number(30), HostHeaders: jsii.Strings("replay." + domain)}),
		Database:           oac.DatabaseSource_FromCluster(aurora.Cluster(), aurora.AdminSecret(), &oac.ExistingDatabaseOptions{ConnectionLimit: jsii.Number(25)}),
		Layout:             oac.OpenReplayLayout_GROUPED,
		RedisUrl:           jsii.String("rediss://valkey.internal.example.com:6379"),
		RecordingRetention: awscdk.Duration_Days(jsii.Number(60)),
		OrganizationName:   jsii.String("Go Consumers"),
		RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
	})
	bundle := oac.NewObservabilityBundle(platform, jsii.String("Observability"), &oac.ObservabilityBundleProps{
		DashboardName: jsii.String("go-consumer-platform"),
		AlarmEmails:   jsii.Strings("oncall@example.com"),
		Defaults: &oac.MonitoringDefaults{
			Database: &oac.DatabaseMonitoringOptions{ConnectionsHigh: jsii.Number(150)},
			// OpenReplay's session-assets distribution: its metrics are in us-east-1, so graphs only from eu-west-1.
			Distribution: &oac.DistributionMonitoringOptions{CrossRegionMetrics: jsii.Bool(true)},
		},
	})
	bundle.MonitorScope(platform)

	siteStack := awscdk.NewStack(app, jsii.String("GoConsumer-Site"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("us-east-1")},
	})
	site := oac.NewStaticCdnSite(siteStack, jsii.String("Site"), &oac.StaticCdnSiteProps{
		// The built site comes from elsewhere (e.g. a pipeline artifact): an inline index.html here.
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Data(jsii.String("index.html"), jsii.String("<!doctype html><title>go</title>"), nil)},
		DomainNames:       jsii.Strings(domain),
		HostedZone:        zone(siteStack),
		RedirectWwwToApex: jsii.Bool(true),
		ApiOrigin:         &oac.SiteApiOrigin{DomainName: jsii.String("api." + domain), PathPattern: jsii.String("/v1/*")},
		CspConnectSources: jsii.Strings("https://replay." + domain),
		RuntimeConfig:     &map[string]*string{"openReplayIngestPoint": jsii.String("https://replay." + domain + "/ingest")},
	})
	siteBundle := oac.NewObservabilityBundle(siteStack, jsii.String("Observability"), &oac.ObservabilityBundleProps{
		DashboardName: jsii.String("go-consumer-site"),
		Defaults: &oac.MonitoringDefaults{
			Distribution: &oac.DistributionMonitoringOptions{Error5xxRatePercent: jsii.Number(2)},
		},
	})
	siteBundle.Monitor(site)

	return &Consumer{App: app, Platform: platform, SiteStack: siteStack, Replay: replay, Site: site, Bundle: bundle, SiteBundle: siteBundle}
}

func main() {
	defer jsii.Close()
	outdir := "cdk.out"
	if len(os.Args) > 1 {
		outdir = os.Args[1]
	}
	assembly := BuildApp(outdir).App.Synth(nil)
	fmt.Printf("go consumer: synthesized %d stacks to %s\n", len(*assembly.Stacks()), *assembly.Directory())
}
