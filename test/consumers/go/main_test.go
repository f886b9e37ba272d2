package main

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/jsii-runtime-go"

	oac "github.com/org/analytics-constructs-go/organalyticsconstructs"
)

var (
	consumer *Consumer
	platform assertions.Template
	site     assertions.Template
)

func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "go-consumer-cdk.out")
	if err != nil {
		panic(err)
	}
	consumer = BuildApp(outdir)
	platform = assertions.Template_FromStack(consumer.Platform, nil)
	site = assertions.Template_FromStack(consumer.SiteStack, nil)
	code := m.Run()
	jsii.Close()
	os.RemoveAll(outdir)
	os.Exit(code)
}

// check turns the panic of a failed CDK assertion (a JavaScript error) into a test failure with its message.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%v", r)
		}
	}()
	assertion()
}

type obj = map[string]interface{}

func TestSynthesizesTwoStacks(t *testing.T) {
	assembly := consumer.App.Synth(nil)
	if n := len(*assembly.Stacks()); n != 2 {
		t.Fatalf("expected 2 stacks, got %d", n)
	}
	if _, err := os.Stat(*assembly.Directory() + "/manifest.json"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenReplayGroupedWithExternalRedis(t *testing.T) {
	check(t, func() {
		platform.ResourceCountIs(jsii.String("AWS::ElastiCache::ReplicationGroup"), jsii.Number(0))
		platform.ResourceCountIs(jsii.String("AWS::RDS::DBCluster"), jsii.Number(1))
		platform.HasResourceProperties(jsii.String("Custom::PostgresDatabase"), obj{"DatabaseName": "openreplay", "ConnectionLimit": "25"})
		platform.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), obj{
			"Priority":   30,
			"Conditions": []interface{}{obj{"Field": "host-header", "HostHeaderConfig": obj{"Values": []interface{}{"replay.example.com"}}}},
		})
		platform.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj{
			"LifecycleConfiguration": obj{"Rules": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&obj{"ExpirationInDays": 60})})},
		})
		platform.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), obj{
			"ContainerDefinitions": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&obj{
				"Name":        "db",
				"Environment": assertions.Match_ArrayWith(&[]interface{}{obj{"Name": "REDIS_STRING", "Value": "rediss://valkey.internal.example.com:6379"}}),
			})}),
		})
		platform.ResourceCountIs(jsii.String("Custom::OpenReplayBootstrap"), jsii.Number(1))
	})
	// Grouped layout: four tasks (web with the gateway, workers, assist, ClickHouse), not one per service.
	services := *consumer.Replay.Services()
	for _, group := range []string{"web", "workers", "assist", "clickhouse"} {
		if _, ok := services[group]; !ok {
			t.Errorf("grouped layout: no %q task group in %v", group, keys(services))
		}
	}
	if len(services) != 4 {
		t.Errorf("grouped layout: expected 4 task groups, got %v", keys(services))
	}
	check(t, func() { platform.ResourceCountIs(jsii.String("AWS::ECS::Service"), jsii.Number(4)) })
	if got := *consumer.Replay.Url(); got != "https://replay.example.com" {
		t.Fatalf("url: %s", got)
	}
}

func TestStaticCdnSiteInUsEast1(t *testing.T) {
	check(t, func() {
		site.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), obj{
			"DomainName":              "example.com",
			"SubjectAlternativeNames": []interface{}{"www.example.com"},
			"ValidationMethod":        "DNS",
		})
		site.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj{
			"DistributionConfig": assertions.Match_ObjectLike(&obj{
				"Aliases":        []interface{}{"example.com", "www.example.com"},
				"CacheBehaviors": []interface{}{assertions.Match_ObjectLike(&obj{"PathPattern": "/v1/*"})},
			}),
		})
		site.ResourceCountIs(jsii.String("AWS::Route53::RecordSet"), jsii.Number(4))
		site.HasResourceProperties(jsii.String("Custom::CDKBucketDeployment"), obj{"SystemMetadata": obj{"cache-control": "no-cache"}})
	})
	if got := *consumer.Site.Url(); got != "https://example.com" {
		t.Fatalf("url: %s", got)
	}
}

func TestObservabilityBundles(t *testing.T) {
	check(t, func() {
		platform.HasResourceProperties(jsii.String("AWS::CloudWatch::Dashboard"), obj{"DashboardName": "go-consumer-platform"})
		platform.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{"MetricName": "DatabaseConnections", "Threshold": 150})
		platform.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{"MetricName": "CPUUtilization", "Namespace": "AWS/ECS"})
		platform.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), obj{"Protocol": "email", "Endpoint": "oncall@example.com"})
		platform.ResourceCountIs(jsii.String("AWS::CloudWatch::CompositeAlarm"), jsii.Number(1))
		site.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{"MetricName": "5xxErrorRate", "Namespace": "AWS/CloudFront", "Threshold": 2})
	})
	alarms := platform.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil)
	if got, want := len(*consumer.Bundle.Alarms()), len(*alarms); got != want || got == 0 {
		t.Fatalf("bundle alarms %d, template alarms %d", got, want)
	}
	// monitorScope found the OpenReplay task groups: one running-tasks alarm per ECS service.
	services := platform.FindResources(jsii.String("AWS::ECS::Service"), nil)
	critical := 0
	for _, a := range *consumer.Bundle.CriticalAlarms() {
		if a != nil {
			critical++
		}
	}
	if critical < len(*services) {
		t.Fatalf("expected at least one critical alarm per ECS service (%d), got %d", len(*services), critical)
	}
}

func TestBadPropsFailWithTheLibrarysMessage(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
	})
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(strings.TrimSpace(toString(r)), "Bad/Api/Fargate: invalid 'memoryLimitMiB'") {
			t.Fatalf("expected the library's validation error, got %v", r)
		}
	}()
	oac.NewFastifyFargateApi(stack, jsii.String("Api"), &oac.FastifyFargateApiProps{
		Image:          oac.ApiImage_FromEcrRepository(awsecr.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("team/api")), jsii.String("v1")),
		Cpu:            jsii.Number(256),
		MemoryLimitMiB: jsii.Number(4096),
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func toString(v interface{}) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
