"""Synthesizes app.py with the installed wheel and asserts on the templates with aws_cdk.assertions, from Python."""
import json
import pathlib

import pytest
import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk.assertions import Match, Template

from app import ACCOUNT, ConsumerApp, build_app
from org_analytics_constructs import ApiImage, FastifyFargateApi


@pytest.fixture(scope="module")
def consumer(tmp_path_factory) -> ConsumerApp:
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<!doctype html><html><head><title>site</title></head><body></body></html>")
    (site / "assets").mkdir()
    (site / "assets" / "app.3f9c2a.js").write_text("console.log('hello');")
    return build_app(str(site), outdir=str(tmp_path_factory.mktemp("cdk.out")))


@pytest.fixture(scope="module")
def platform(consumer: ConsumerApp) -> Template:
    return Template.from_stack(consumer.platform)


@pytest.fixture(scope="module")
def site(consumer: ConsumerApp) -> Template:
    return Template.from_stack(consumer.site_stack)


def containers(template: Template) -> dict:
    """Container definitions by container name, in template order (a name may repeat: OpenReplay has an "api" too)."""
    out = {}
    for task in template.find_resources("AWS::ECS::TaskDefinition").values():
        for c in task["Properties"]["ContainerDefinitions"]:
            out.setdefault(c["Name"], []).append(c)
    return out


def env_of(container: dict) -> dict:
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def test_the_app_synthesizes_to_a_cloud_assembly(consumer: ConsumerApp):
    assembly = consumer.app.synth()
    assert sorted(s.stack_name for s in assembly.stacks) == ["PyConsumer-Platform", "PyConsumer-Site"]
    for s in assembly.stacks:
        assert s.environment.account == ACCOUNT
    assert pathlib.Path(assembly.directory, "manifest.json").is_file()


def test_fastify_api_from_ecr_on_a_listener_rule(consumer: ConsumerApp, platform: Template):
    platform.has_resource_properties("AWS::ElasticLoadBalancingV2::ListenerRule", {
        "Priority": 10,
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
    })
    [api] = [c for c in containers(platform)["api"] if json.dumps(c["Image"]).endswith('"/team/api:v1.4.2"]]}')]
    env = env_of(api)
    assert env["NODE_ENV"] == "production"
    assert env["LOG_LEVEL"] == "warn"
    assert env["FEATURE_FLAGS"] == "beta"
    platform.has_resource_properties("AWS::ECS::TaskDefinition", {
        "Cpu": "512",
        "Memory": "1024",
        "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
        "ContainerDefinitions": [Match.object_like({"Name": "api", "Environment": Match.array_with([{"Name": "FEATURE_FLAGS", "Value": "beta"}])})],
    })
    platform.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 2, "MaxCapacity": 6})
    # The API's own ALB was not created: the shared one is the only load balancer.
    platform.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
    assert consumer.api.load_balancer is None  # no ALB of its own with a listener rule
    assert consumer.api.service is not None and consumer.api.target_group is not None


def test_umami_in_the_shared_aurora_cluster(consumer: ConsumerApp, platform: Template):
    platform.resource_count_is("AWS::RDS::DBCluster", 1)  # no cluster of Umami's own
    platform.has_resource_properties("Custom::PostgresDatabase", {"DatabaseName": "umami", "ConnectionLimit": "64", "SslMode": "verify-full"})
    platform.has_resource_properties("Custom::PostgresDatabase", {"DatabaseName": "openreplay", "ConnectionLimit": "40"})
    umami = containers(platform)["umami"][0]
    assert umami["Image"] == "ghcr.io/umami-software/umami:3.1.0"
    assert env_of(umami)["TRACKER_SCRIPT_NAME"] == "stats.js"
    assert {"DATABASE_URL", "APP_SECRET"} <= {s["Name"] for s in umami["Secrets"]}
    platform.has_resource_properties("AWS::ElasticLoadBalancingV2::ListenerRule", {
        "Priority": 20,
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["analytics.example.com"]}}],
    })
    platform.resource_count_is("Custom::UmamiAdminBootstrap", 1)
    assert consumer.umami.admin_secret is not None
    assert consumer.umami.user_secret("product") is not None
    assert cdk.Token.is_unresolved(consumer.umami.website_id("www.example.com"))


def test_openreplay_one_service_per_task_with_external_redis(consumer: ConsumerApp, platform: Template):
    services = sorted(consumer.replay.services.keys())
    assert len(services) == 19 and "gateway" in services and "clickhouse" in services
    # 19 OpenReplay services + the API + Umami, all on the one cluster.
    platform.resource_count_is("AWS::ECS::Service", 21)
    platform.resource_count_is("AWS::ECS::Cluster", 1)
    platform.resource_count_is("AWS::ElastiCache::ReplicationGroup", 0)
    db = containers(platform)["db"][0]
    assert env_of(db)["REDIS_STRING"] == "rediss://valkey.internal.example.com:6379"
    platform.has_resource_properties("AWS::ElasticLoadBalancingV2::ListenerRule", {
        "Priority": 30,
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["replay.example.com"]}}],
    })
    platform.resource_count_is("Custom::OpenReplayBootstrap", 1)
    # Schema migrations run as a one-off task at deployment (a custom resource starts it), before the services that
    # use the database start.
    resources = platform.to_json()["Resources"]
    migration_tasks = [k for k, r in resources.items() if r["Type"] == "AWS::ECS::TaskDefinition"
                       and {c["Name"] for c in r["Properties"]["ContainerDefinitions"]} == {"postgres", "clickhouse", "database-ca"}]
    assert len(migration_tasks) == 1
    runners = [k for k, r in resources.items()
               if r["Type"].startswith("Custom::") and r["Properties"].get("TaskDefinition") == {"Ref": migration_tasks[0]}]
    assert len(runners) == 1
    uses_postgres = {k for k, r in resources.items() if r["Type"] == "AWS::ECS::TaskDefinition" and k != migration_tasks[0]
                     and any(s["Name"] == "POSTGRES_STRING" for c in r["Properties"]["ContainerDefinitions"] for s in c.get("Secrets", []))}
    assert len(uses_postgres) >= 5
    for r in resources.values():
        if r["Type"] == "AWS::ECS::Service" and r["Properties"]["TaskDefinition"]["Ref"] in uses_postgres:
            assert runners[0] in r.get("DependsOn", []), r["Properties"]["TaskDefinition"]
    # Session files of sink/storage on EFS in this layout.
    platform.has_resource_properties("AWS::EFS::AccessPoint", {"PosixUser": {"Uid": "1001", "Gid": "1001"}})
    platform.has_resource_properties("AWS::S3::Bucket", {
        "LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 14, "Status": "Enabled"})])},
    })
    assert consumer.replay.url == "https://replay.example.com"


def test_static_cdn_site_in_us_east_1_with_runtime_config(consumer: ConsumerApp, site: Template):
    site.has_resource_properties("AWS::CertificateManager::Certificate", {"DomainName": "www.example.com", "ValidationMethod": "DNS"})
    site.has_resource_properties("AWS::CloudFront::Distribution", {
        "DistributionConfig": Match.object_like({
            "Aliases": ["www.example.com"],
            "HttpVersion": "http2and3",
            "ViewerCertificate": Match.object_like({"MinimumProtocolVersion": "TLSv1.2_2021"}),
            "CacheBehaviors": Match.array_with([Match.object_like({"PathPattern": "/stats.js"}), Match.object_like({"PathPattern": "/api/*"})]),
        }),
    })
    site.resource_count_is("AWS::Route53::RecordSet", 2)  # A and AAAA
    # Hashed assets immutable; HTML and config.json no-cache, with the Umami website id from the eu-west-1 stack.
    site.has_resource_properties("Custom::CDKBucketDeployment", {"SystemMetadata": {"cache-control": "public, max-age=31536000, immutable"}})
    site.has_resource_properties("Custom::CDKBucketDeployment", {
        "SystemMetadata": {"cache-control": "no-cache"},
        "SourceMarkers": Match.array_with([Match.object_like({})]),
    })
    site.resource_count_is("Custom::CrossRegionExportReader", 1)
    Template.from_stack(consumer.platform).resource_count_is("Custom::CrossRegionExportWriter", 1)
    site.has_resource_properties("AWS::S3::Bucket", {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        },
        "VersioningConfiguration": {"Status": "Enabled"},
    })
    assert consumer.site.url == "https://www.example.com"


def test_observability_bundle_monitors_the_others(consumer: ConsumerApp, platform: Template, site: Template):
    platform.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "py-consumer-platform"})
    platform.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    platform.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"})
    platform.has_resource_properties("AWS::Budgets::Budget", {
        "Budget": Match.object_like({"BudgetLimit": {"Amount": 300, "Unit": "USD"}, "CostFilters": {"TagKeyValue": ["user:Project$analytics"]}}),
    })
    platform.resource_count_is("AWS::CloudWatch::CompositeAlarm", 1)
    # The CPU threshold of `defaults` applies to every monitored service: the API, Umami and the OpenReplay gateway.
    cpu = platform.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "CPUUtilization", "Namespace": "AWS/ECS"}})
    assert len(cpu) == 3 and {a["Properties"]["Threshold"] for a in cpu.values()} == {75}
    platform.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "ACUUtilization", "Namespace": "AWS/RDS"})
    assert len(consumer.bundle.critical_alarms) >= 4
    assert len(consumer.bundle.alarms) == len(platform.find_resources("AWS::CloudWatch::Alarm"))
    # The services keep their own 30 days; apply_log_retention gives a Lambda function that had no log group one of 2 weeks.
    retention = [r["Properties"].get("RetentionInDays") for r in platform.find_resources("AWS::Logs::LogGroup").values()]
    assert 14 in retention and 30 in retention and None not in retention
    # In us-east-1 the distribution gets a real alarm.
    site.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "5xxErrorRate", "Namespace": "AWS/CloudFront", "Threshold": 5})
    # Monitoring twice is a no-op.
    before = len(consumer.site_bundle.alarms)
    consumer.site_bundle.monitor(consumer.site)
    assert len(consumer.site_bundle.alarms) == before


def test_bad_props_fail_with_the_libraries_message():
    app = cdk.App()
    stack = cdk.Stack(app, "Bad", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    # The library's validation errors reach Python as RuntimeError with the construct path, the prop and the fix.
    with pytest.raises(RuntimeError) as err:
        FastifyFargateApi(
            stack, "Api",
            image=ApiImage.from_ecr_repository(ecr.Repository.from_repository_name(stack, "Repo", "team/api"), "v1"),
            cpu=256,
            memory_limit_mib=4096,
        )
    assert "Bad/Api/Fargate: invalid 'memoryLimitMiB'" in str(err.value)
    assert "use cpu 512" in str(err.value)
