"""A small Python CDK app that uses every construct of org_analytics_constructs, as a Python team would.

``build_app`` builds the stacks without synthesizing them; ``test_app.py`` asserts on their templates. Everything is
explicit: fixed account and regions, a hosted zone from attributes, no context lookups, no Docker (the API's image
is in ECR), so synthesis needs neither AWS credentials nor network.
"""
from dataclasses import dataclass
from typing import Optional

import aws_cdk as cdk
from aws_cdk import (
    aws_certificatemanager as acm,
    aws_ec2 as ec2,
    aws_ecr as ecr,
    aws_ecs as ecs,
    aws_route53 as route53,
)
from org_analytics_constructs import (
    ApiImage,
    AuroraPostgresCluster,
    DatabaseSource,
    FargateServiceMonitoringOptions,
    FastifyFargateApi,
    HardenedLoadBalancer,
    Ingress,
    MonitoringDefaults,
    ObservabilityBundle,
    OpenReplayLayout,
    OpenReplayPlatform,
    SiteAnalyticsOrigin,
    SiteApiOrigin,
    StaticCdnSite,
    UmamiService,
    UmamiUser,
    UmamiWebsite,
)

ACCOUNT = "111111111111"
REGION = "eu-west-1"
DOMAIN = "example.com"
ZONE_ID = "Z0123456789ABC"


@dataclass
class ConsumerApp:
    app: cdk.App
    platform: cdk.Stack
    site_stack: cdk.Stack
    aurora: AuroraPostgresCluster
    load_balancer: HardenedLoadBalancer
    api: FastifyFargateApi
    umami: UmamiService
    replay: OpenReplayPlatform
    site: StaticCdnSite
    bundle: ObservabilityBundle
    site_bundle: ObservabilityBundle


def _zone(scope: cdk.Stack) -> route53.IHostedZone:
    return route53.HostedZone.from_hosted_zone_attributes(scope, "Zone", hosted_zone_id=ZONE_ID, zone_name=DOMAIN)


def build_app(site_directory: str, outdir: Optional[str] = None) -> ConsumerApp:
    app = cdk.App(outdir=outdir)

    # eu-west-1: one VPC, cluster, load balancer and PostgreSQL shared by the API, Umami and OpenReplay.
    platform = cdk.Stack(app, "PyConsumer-Platform", env=cdk.Environment(account=ACCOUNT, region=REGION))
    zone = _zone(platform)
    vpc = ec2.Vpc(platform, "Vpc", max_azs=2, nat_gateways=1)
    cluster = ecs.Cluster(platform, "Cluster", vpc=vpc)
    certificate = acm.Certificate(
        platform, "Certificate",
        domain_name=f"*.{DOMAIN}",
        validation=acm.CertificateValidation.from_dns(zone),
    )
    load_balancer = HardenedLoadBalancer(platform, "Alb", vpc=vpc, certificate=certificate)
    aurora = AuroraPostgresCluster(
        platform, "Postgres",
        vpc=vpc,
        min_capacity=0.5,
        max_capacity=4,
        deletion_protection=False,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )

    api = FastifyFargateApi(
        platform, "Api",
        cluster=cluster,
        image=ApiImage.from_ecr_repository(ecr.Repository.from_repository_name(platform, "ApiRepo", "team/api"), "v1.4.2"),
        ingress=Ingress.listener_rule(load_balancer.listener, priority=10, host_headers=[f"api.{DOMAIN}"]),
        cpu=512,
        memory_limit_mib=1024,
        min_capacity=2,
        max_capacity=6,
        environment={"FEATURE_FLAGS": "beta"},
        log_level="warn",
    )

    umami = UmamiService(
        platform, "Umami",
        cluster=cluster,
        database=DatabaseSource.from_cluster(aurora.cluster, aurora.admin_secret, connection_limit=64),
        ingress=Ingress.listener_rule(load_balancer.listener, priority=20, host_headers=[f"analytics.{DOMAIN}"]),
        tracker_script_name="stats.js",
        websites=[UmamiWebsite(name="Marketing", domain=f"www.{DOMAIN}")],
        users=[UmamiUser(username="product", role="view-only")],
        max_capacity=3,
    )

    replay = OpenReplayPlatform(
        platform, "Replay",
        cluster=cluster,
        domain_name=f"replay.{DOMAIN}",
        ingress=Ingress.listener_rule(load_balancer.listener, priority=30, host_headers=[f"replay.{DOMAIN}"]),
        database=aurora.database(connection_limit=40),
        layout=OpenReplayLayout.SERVICE_PER_TASK,
        redis_url="rediss://valkey.internal.example.com:6379",
        recording_retention=cdk.Duration.days(14),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )

    bundle = ObservabilityBundle(
        platform, "Observability",
        dashboard_name="py-consumer-platform",
        alarm_emails=["oncall@example.com"],
        monthly_budget_usd=300,
        cost_allocation_tag_value="analytics",
        log_retention=cdk.aws_logs.RetentionDays.TWO_WEEKS,
        defaults=MonitoringDefaults(fargate_service=FargateServiceMonitoringOptions(cpu_high_percent=75)),
    )
    bundle.monitor(api)
    bundle.monitor(umami)
    bundle.monitor(load_balancer)
    bundle.monitor(aurora)
    bundle.monitor(replay.gateway)
    bundle.apply_log_retention(platform)  # 2 weeks for log groups that have no retention of their own

    # us-east-1: the site, its DNS-validated certificate, and a bundle where CloudFront's metrics (and alarms) live.
    site_stack = cdk.Stack(
        app, "PyConsumer-Site",
        env=cdk.Environment(account=ACCOUNT, region="us-east-1"),
        cross_region_references=True,  # umami.website_id(...) comes from the eu-west-1 stack
    )
    site = StaticCdnSite(
        site_stack, "Site",
        source_directory=site_directory,
        domain_names=[f"www.{DOMAIN}"],
        hosted_zone=_zone(site_stack),
        api_origin=SiteApiOrigin(domain_name=f"api.{DOMAIN}"),
        analytics_origin=SiteAnalyticsOrigin(domain_name=f"analytics.{DOMAIN}", tracker_script_path="/stats.js"),
        csp_connect_sources=[f"https://replay.{DOMAIN}"],
        runtime_config={"apiUrl": "/api", "umamiWebsiteId": umami.website_id(f"www.{DOMAIN}")},
    )
    site_bundle = ObservabilityBundle(site_stack, "Observability", dashboard_name="py-consumer-site")
    site_bundle.monitor(site)

    return ConsumerApp(app, platform, site_stack, aurora, load_balancer, api, umami, replay, site, bundle, site_bundle)


if __name__ == "__main__":
    import tempfile
    import pathlib

    with tempfile.TemporaryDirectory() as d:
        pathlib.Path(d, "index.html").write_text("<!doctype html><title>site</title>")
        assembly = build_app(d).app.synth()
        print(f"synthesized {len(assembly.stacks)} stacks to {assembly.directory}")
