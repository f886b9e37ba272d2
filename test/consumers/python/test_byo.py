"""Synthesizes byo_app.py (every construct on imported infrastructure) with the installed wheel, in a stack with a fixed
environment and in an environment-agnostic stack, and asserts on the templates with aws_cdk.assertions."""
import json
import os
import re
import shutil
import subprocess

import pytest
import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template

from byo_app import EXISTING, build_byo

E = EXISTING

CASES = {
    "env-bound": cdk.Environment(account=E["account"], region=E["region"]),
    "env-agnostic": None,
}

# cfn-lint warnings accepted here, each with its reason (errors are never accepted).
CFN_LINT_ALLOWED = [
    ("W3005", re.compile(r"dependency already enforced by a '(GetAtt|Ref)'"),
     "a DependsOn that a reference already implies: harmless; aws-cdk-lib writes one from every Lambda function to its role"),
    ("W3045", re.compile(r"'AccessControl' is a legacy property"),
     "aws-cdk-lib gives a bucket that receives S3 server access logs the LogDeliveryWrite ACL unless the app sets "
     "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy (Bucket.allowLogDelivery), which an app without cdk.json does not"),
]


@pytest.fixture(scope="module", params=sorted(CASES))
def byo(request, tmp_path_factory):
    site = tmp_path_factory.mktemp("byo-site")
    (site / "index.html").write_text("<!doctype html><html><head><title>site</title></head><body></body></html>")
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("byo-cdk.out")))
    out = build_byo(app, "PyByo", CASES[request.param], str(site))
    # The whole app synthesizes (aspects, validations), not only the template.
    app.synth()
    return request.param, out, Template.from_stack(out.stack)


def values(template: Template, type_: str) -> list:
    return [r["Properties"] for r in template.find_resources(type_).values()]


def env_of(container: dict) -> dict:
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def test_synthesizes_without_error_annotations(byo):
    name, out, _ = byo
    assert cdk.Token.is_unresolved(out.stack.region) == (name == "env-agnostic")
    assert Annotations.from_stack(out.stack).find_error("*", Match.any_value()) == []


def test_creates_nothing_the_team_brings(byo):
    _, _, t = byo
    for type_ in [
        "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::ECS::Cluster",
        "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Route53::HostedZone",
        "AWS::CertificateManager::Certificate", "AWS::SNS::Topic",
    ]:
        assert (type_, len(t.find_resources(type_))) == (type_, 0)


def test_the_imported_listener_gets_one_rule_per_service(byo):
    _, _, t = byo
    rules = sorted((r["ListenerArn"], r["Priority"], r["Conditions"][0]["HostHeaderConfig"]["Values"])
                   for r in values(t, "AWS::ElasticLoadBalancingV2::ListenerRule"))
    assert rules == [
        (E["listener_arn"], 10, ["api.example.com"]),
        (E["listener_arn"], 20, ["analytics.example.com"]),
        (E["listener_arn"], 30, ["replay.example.com"]),
    ]
    t.has_resource_properties("AWS::ElasticLoadBalancingV2::ListenerCertificate", {
        "ListenerArn": E["listener_arn"], "Certificates": [{"CertificateArn": E["regional_certificate_arn"]}],
    })
    egress = [p for p in values(t, "AWS::EC2::SecurityGroupEgress") if p["GroupId"] == E["listener_security_group_id"]]
    ingress = [p for p in values(t, "AWS::EC2::SecurityGroupIngress")
               if p.get("SourceSecurityGroupId") == E["listener_security_group_id"]]
    assert len(egress) >= 3 and len(ingress) >= 3


def test_each_application_gets_its_own_database_with_string_ports(byo):
    _, _, t = byo
    setups = sorted((p["DatabaseName"], p["Host"], p["Port"], p["AdminSecretArn"], p["SslMode"])
                    for p in values(t, "Custom::PostgresDatabase"))
    assert setups == sorted([
        ("api", E["instance_endpoint"], "5432", E["instance_admin_secret_arn"], "verify-full"),
        ("openreplay", E["instance_endpoint"], "5432", E["instance_admin_secret_arn"], "verify-full"),
        ("umami", E["cluster_endpoint"], "5432", E["cluster_admin_secret_arn"], "verify-full"),
    ])
    ingress = values(t, "AWS::EC2::SecurityGroupIngress")
    for sg in (E["instance_security_group_id"], E["cluster_security_group_id"]):
        rules = [p for p in ingress if p["GroupId"] == sg]
        assert len(rules) >= 2
        assert all(p["FromPort"] == 5432 and p["ToPort"] == 5432 and p["IpProtocol"] == "tcp" for p in rules)


def test_every_container_environment_value_is_a_string(byo):
    _, _, t = byo
    containers = [c for task in values(t, "AWS::ECS::TaskDefinition") for c in task["ContainerDefinitions"]]
    bad = [f'{c["Name"]}: {v["Name"]}={v["Value"]!r}' for c in containers for v in c.get("Environment", [])
           if not isinstance(v["Value"], (str, dict))]
    assert bad == []
    pg_ports = {env_of(c)["pg_port"] for c in containers if "pg_port" in env_of(c)}
    assert pg_ports == {"5432"}
    assert {env_of(c)["pg_host"] for c in containers if "pg_host" in env_of(c)} == {E["instance_endpoint"]}


def test_api_and_umami_use_the_imported_cluster_and_task_roles(byo):
    _, out, t = byo
    services = values(t, "AWS::ECS::Service")
    assert len(services) >= 5 and all(s["Cluster"] == E["cluster_name"] for s in services)
    for container, role_arn in (("api", E["api_task_role_arn"]), ("umami", E["umami_task_role_arn"])):
        tasks = [p for p in values(t, "AWS::ECS::TaskDefinition") if p.get("TaskRoleArn") == role_arn]
        assert len(tasks) == 1, container
        names = {c["Name"] for c in tasks[0]["ContainerDefinitions"]}
        assert {container, "otel-collector", "database-ca"} <= names
        main = next(c for c in tasks[0]["ContainerDefinitions"] if c["Name"] == container)
        assert "DATABASE_URL" in {s["Name"] for s in main["Secrets"]}
        assert env_of(main)["PGSSLROOTCERT"] == "/etc/ssl/database/ca.pem"
    # Roles CDK may not change get no policy; a warning per service names the prop and the statements instead.
    assert [p for p in values(t, "AWS::IAM::Policy") if re.search(r"team-(api|umami)-task", json.dumps(p.get("Roles", [])))] == []
    warnings = Annotations.from_stack(out.stack).find_warning("*", Match.string_like_regexp("openTelemetryTaskRoleImmutable"))
    assert sorted(w.id for w in warnings) == ["/PyByo/Api/Fargate", "/PyByo/Umami/Fargate"]


def test_log_groups_use_the_imported_key(byo):
    _, _, t = byo
    keys = [p["KmsKeyId"] for p in values(t, "AWS::Logs::LogGroup") if "KmsKeyId" in p]
    assert len(keys) >= 3 and set(map(json.dumps, keys)) == {json.dumps(E["key_arn"])}


def test_the_site_uses_the_us_east_1_certificate_and_the_imported_zone(byo):
    _, _, t = byo
    t.has_resource_properties("AWS::CloudFront::Distribution", {
        "DistributionConfig": Match.object_like({
            "Aliases": ["www.example.com"],
            "ViewerCertificate": Match.object_like({
                "AcmCertificateArn": E["global_certificate_arn"], "MinimumProtocolVersion": "TLSv1.2_2021",
            }),
        }),
    })
    records = sorted((r["HostedZoneId"], r["Name"], r["Type"]) for r in values(t, "AWS::Route53::RecordSet"))
    assert records == [(E["hosted_zone_id"], "www.example.com.", "A"), (E["hosted_zone_id"], "www.example.com.", "AAAA")]


def test_the_bundle_alarms_to_the_imported_topic(byo):
    _, _, t = byo
    alarms = values(t, "AWS::CloudWatch::Alarm")
    assert len(alarms) > 5
    assert {json.dumps(a) for alarm in alarms for a in alarm.get("AlarmActions", [])} == {json.dumps(E["topic_arn"])}
    dims = {f'{d["Name"]}={d["Value"]}' for alarm in alarms for d in alarm.get("Dimensions", [])}
    assert {"DBInstanceIdentifier=apps", "DBClusterIdentifier=analytics"} <= dims
    t.has_resource_properties("AWS::CloudWatch::CompositeAlarm", {"AlarmActions": [E["topic_arn"]]})


def test_cfn_lint_reports_no_error_and_only_allowlisted_warnings(byo, tmp_path):
    _, out, t = byo
    command = os.environ.get("CFN_LINT", "cfn-lint")
    assert shutil.which(command), f"{command} is not on PATH (pip install cfn-lint==1.58.0)"
    path = tmp_path / f"{out.stack.stack_name}.template.json"
    path.write_text(json.dumps(t.to_json()))
    result = subprocess.run([command, "--format", "json", "--", str(path)], capture_output=True, text=True)
    assert result.returncode != 1, result.stderr  # 1: cfn-lint itself failed
    matches = json.loads(result.stdout) if result.stdout.strip() else []
    text = [f'{m["Rule"]["Id"]} {"/".join(map(str, (m.get("Location") or {}).get("Path", [])[:2]))}: {m["Message"]}' for m in matches]
    print("\n".join(text))
    assert [s for s, m in zip(text, matches) if m["Level"] == "Error"] == []
    unexpected = [s for s, m in zip(text, matches) if m["Level"] != "Error"
                  and not any(m["Rule"]["Id"] == rule and pattern.search(m["Message"]) for rule, pattern, _ in CFN_LINT_ALLOWED)]
    assert unexpected == []
