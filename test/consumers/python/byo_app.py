"""Bring your own, from Python: a platform team that already runs a VPC, an ECS cluster, an HTTPS listener, an RDS
instance, an Aurora cluster, a hosted zone, certificates, an SNS topic, a KMS key and task roles imports all of them by
attributes (no lookups, so no AWS credentials) and uses every construct of org_analytics_constructs with them.

``build_byo(app, stack_id, env)`` adds one stack; ``env=None`` gives an environment-agnostic stack. ``test_byo.py``
synthesizes both kinds and asserts on the templates. The same app in TypeScript is test/bring-your-own.test.ts.
"""
from dataclasses import dataclass
from typing import Optional

import aws_cdk as cdk
from aws_cdk import (
    aws_certificatemanager as acm,
    aws_ec2 as ec2,
    aws_ecr as ecr,
    aws_ecs as ecs,
    aws_elasticloadbalancingv2 as elbv2,
    aws_iam as iam,
    aws_kms as kms,
    aws_rds as rds,
    aws_route53 as route53,
    aws_secretsmanager as secretsmanager,
    aws_sns as sns,
)
from org_analytics_constructs import (
    ApiImage,
    DatabaseSource,
    DistributionMonitoringOptions,
    FastifyFargateApi,
    Ingress,
    MonitoringDefaults,
    ObservabilityBundle,
    OpenReplayPlatform,
    SiteAnalyticsOrigin,
    SiteApiOrigin,
    StaticCdnSite,
    UmamiService,
    UmamiWebsite,
)

# What the team already has: identifiers as its other stacks export them.
EXISTING = {
    "account": "111111111111",
    "region": "eu-west-1",
    "vpc_id": "vpc-0a1b2c3d4e5f00001",
    "vpc_cidr": "10.20.0.0/16",
    "availability_zones": ["eu-west-1a", "eu-west-1b"],
    "public_subnet_ids": ["subnet-0a1b2c3d4e5f6a001", "subnet-0a1b2c3d4e5f6b001"],
    "private_subnet_ids": ["subnet-0a1b2c3d4e5f6a002", "subnet-0a1b2c3d4e5f6b002"],
    "isolated_subnet_ids": ["subnet-0a1b2c3d4e5f6a003", "subnet-0a1b2c3d4e5f6b003"],
    "cluster_name": "platform",
    "listener_arn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/platform/50dc6c495c0c9188/f2f7dc8efc522ab2",
    "listener_security_group_id": "sg-0a1b2c3d4e5f00a1b",
    "instance_endpoint": "apps.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
    "instance_security_group_id": "sg-0a1b2c3d4e5f00db1",
    "instance_admin_secret_arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-apps-AbCdEf",
    "cluster_endpoint": "analytics.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
    "cluster_security_group_id": "sg-0a1b2c3d4e5f00db2",
    "cluster_admin_secret_arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-analytics-GhIjKl",
    "hosted_zone_id": "Z0123456789EXAMPLEBYO",
    "zone_name": "example.com",
    "regional_certificate_arn": "arn:aws:acm:eu-west-1:111111111111:certificate/0b2c1d4e-0000-4000-8000-00000000e0e1",
    "global_certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/9a8b7c6d-0000-4000-8000-0000000000e1",
    "topic_arn": "arn:aws:sns:eu-west-1:111111111111:platform-alarms",
    "key_arn": "arn:aws:kms:eu-west-1:111111111111:key/1f2e3d4c-0000-4000-8000-00000000abcd",
    "api_task_role_arn": "arn:aws:iam::111111111111:role/team-api-task",
    "umami_task_role_arn": "arn:aws:iam::111111111111:role/team-umami-task",
}


@dataclass
class Byo:
    stack: cdk.Stack
    api: FastifyFargateApi
    umami: UmamiService
    replay: OpenReplayPlatform
    site: StaticCdnSite
    bundle: ObservabilityBundle


def build_byo(app: cdk.App, stack_id: str, env: Optional[cdk.Environment], site_directory: str) -> Byo:
    e = EXISTING
    zone_name = e["zone_name"]
    stack = cdk.Stack(app, stack_id, env=env)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc",
        vpc_id=e["vpc_id"],
        vpc_cidr_block=e["vpc_cidr"],
        availability_zones=e["availability_zones"],
        public_subnet_ids=e["public_subnet_ids"],
        private_subnet_ids=e["private_subnet_ids"],
        isolated_subnet_ids=e["isolated_subnet_ids"],
    )
    cluster = ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name=e["cluster_name"], vpc=vpc, security_groups=[])
    listener = elbv2.ApplicationListener.from_application_listener_attributes(
        stack, "Listener",
        listener_arn=e["listener_arn"],
        security_group=ec2.SecurityGroup.from_security_group_id(
            stack, "ListenerSg", e["listener_security_group_id"], allow_all_outbound=False),
    )
    instance = rds.DatabaseInstance.from_database_instance_attributes(
        stack, "Instance",
        instance_identifier="apps",
        instance_endpoint_address=e["instance_endpoint"],
        port=5432,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "InstanceSg", e["instance_security_group_id"])],
        engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17),
    )
    instance_admin = secretsmanager.Secret.from_secret_complete_arn(stack, "InstanceAdmin", e["instance_admin_secret_arn"])
    aurora = rds.DatabaseCluster.from_database_cluster_attributes(
        stack, "Aurora",
        cluster_identifier="analytics",
        cluster_endpoint_address=e["cluster_endpoint"],
        port=5432,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "AuroraSg", e["cluster_security_group_id"])],
    )
    aurora_admin = secretsmanager.Secret.from_secret_complete_arn(stack, "AuroraAdmin", e["cluster_admin_secret_arn"])
    zone = route53.HostedZone.from_hosted_zone_attributes(stack, "Zone", hosted_zone_id=e["hosted_zone_id"], zone_name=zone_name)
    regional_certificate = acm.Certificate.from_certificate_arn(stack, "RegionalCertificate", e["regional_certificate_arn"])
    global_certificate = acm.Certificate.from_certificate_arn(stack, "GlobalCertificate", e["global_certificate_arn"])
    topic = sns.Topic.from_topic_arn(stack, "Topic", e["topic_arn"])
    key = kms.Key.from_key_arn(stack, "Key", e["key_arn"])

    # The listener serves the team's names with its certificate; the library's rules go onto it.
    listener.add_certificates("TeamHosts", [elbv2.ListenerCertificate.from_certificate_manager(regional_certificate)])

    api = FastifyFargateApi(
        stack, "Api",
        cluster=cluster,
        image=ApiImage.from_ecr_repository(ecr.Repository.from_repository_name(stack, "ApiRepo", "team/api"), "v1.4.2"),
        database=DatabaseSource.from_instance(instance, instance_admin),
        database_name="api",
        ingress=Ingress.listener_rule(listener, priority=10, host_headers=[f"api.{zone_name}"]),
        task_role=iam.Role.from_role_arn(stack, "ApiTaskRole", e["api_task_role_arn"], mutable=False),
        log_encryption_key=key,
        open_telemetry=True,
    )
    umami = UmamiService(
        stack, "Umami",
        cluster=cluster,
        database=DatabaseSource.from_cluster(aurora, aurora_admin),
        ingress=Ingress.listener_rule(listener, priority=20, host_headers=[f"analytics.{zone_name}"]),
        task_role=iam.Role.from_role_arn(stack, "UmamiTaskRole", e["umami_task_role_arn"], mutable=False),
        log_encryption_key=key,
        open_telemetry=True,
        websites=[UmamiWebsite(name="Marketing", domain=f"www.{zone_name}")],
    )
    replay = OpenReplayPlatform(
        stack, "Replay",
        cluster=cluster,
        domain_name=f"replay.{zone_name}",
        hosted_zone=zone,
        certificate=regional_certificate,
        ingress=Ingress.listener_rule(listener, priority=30, host_headers=[f"replay.{zone_name}"]),
        database=DatabaseSource.from_instance(instance, instance_admin),
        log_encryption_key=key,
    )
    site = StaticCdnSite(
        stack, "Site",
        source_directory=site_directory,
        domain_names=[f"www.{zone_name}"],
        hosted_zone=zone,
        certificate=global_certificate,
        api_origin=SiteApiOrigin(domain_name=f"api.{zone_name}"),
        analytics_origin=SiteAnalyticsOrigin(domain_name=f"analytics.{zone_name}", tracker_script_path="/stats.js"),
        csp_connect_sources=[replay.url],
        runtime_config={"apiUrl": "/api", "umamiWebsiteId": umami.website_id(f"www.{zone_name}")},
    )
    bundle = ObservabilityBundle(
        stack, "Observability",
        existing_topic=topic,
        dashboard_name=f"{stack_id}-platform",
        # The site's metrics live in us-east-1: graphs on this dashboard, alarms from a bundle in a us-east-1 stack.
        defaults=MonitoringDefaults(distribution=DistributionMonitoringOptions(cross_region_metrics=True)),
    )
    bundle.monitor(api)
    bundle.monitor(umami)
    bundle.monitor(replay.gateway)
    bundle.monitor(site)
    bundle.monitor_database_instance(instance)
    bundle.monitor_database(aurora)
    bundle.apply_log_retention(stack)
    return Byo(stack, api, umami, replay, site, bundle)
