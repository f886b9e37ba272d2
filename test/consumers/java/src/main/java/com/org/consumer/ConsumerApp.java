package com.org.consumer;

import java.util.List;
import java.util.Map;

import com.org.analytics.constructs.ApiImage;
import com.org.analytics.constructs.AuroraPostgresCluster;
import com.org.analytics.constructs.DatabaseSource;
import com.org.analytics.constructs.ExistingDatabaseOptions;
import com.org.analytics.constructs.FargateServiceMonitoringOptions;
import com.org.analytics.constructs.FastifyFargateApi;
import com.org.analytics.constructs.HardenedLoadBalancer;
import com.org.analytics.constructs.Ingress;
import com.org.analytics.constructs.ListenerRuleOptions;
import com.org.analytics.constructs.MonitoringDefaults;
import com.org.analytics.constructs.ObservabilityBundle;
import com.org.analytics.constructs.UmamiService;
import com.org.analytics.constructs.UmamiUser;
import com.org.analytics.constructs.UmamiWebsite;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.certificatemanager.CertificateValidation;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.IHostedZone;

/**
 * A small Java CDK app on com.org:analytics-constructs: a Fastify API from ECR and Umami (in a shared Aurora cluster)
 * behind one hardened load balancer, monitored by an ObservabilityBundle. Fixed account and region, no lookups.
 */
public final class ConsumerApp {
    public static final String ACCOUNT = "111111111111";
    public static final String REGION = "eu-west-1";

    public final App app;
    public final Stack stack;
    public final FastifyFargateApi api;
    public final UmamiService umami;
    public final ObservabilityBundle bundle;

    public ConsumerApp(final String outdir) {
        app = new App(AppProps.builder().outdir(outdir).build());
        stack = new Stack(app, "JavaConsumer", StackProps.builder()
                .env(Environment.builder().account(ACCOUNT).region(REGION).build())
                .build());

        IHostedZone zone = HostedZone.fromHostedZoneAttributes(stack, "Zone", HostedZoneAttributes.builder()
                .hostedZoneId("Z0123456789ABC").zoneName("example.com").build());
        Vpc vpc = Vpc.Builder.create(stack, "Vpc").maxAzs(2).natGateways(1).build();
        Cluster cluster = Cluster.Builder.create(stack, "Cluster").vpc(vpc).build();
        Certificate certificate = Certificate.Builder.create(stack, "Certificate")
                .domainName("*.example.com")
                .validation(CertificateValidation.fromDns(zone))
                .build();
        HardenedLoadBalancer alb = HardenedLoadBalancer.Builder.create(stack, "Alb").vpc(vpc).certificate(certificate).build();
        AuroraPostgresCluster aurora = AuroraPostgresCluster.Builder.create(stack, "Postgres")
                .vpc(vpc)
                .maxCapacity(4)
                .deletionProtection(false)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();

        api = FastifyFargateApi.Builder.create(stack, "Api")
                .cluster(cluster)
                .image(ApiImage.fromEcrRepository(Repository.fromRepositoryName(stack, "ApiRepo", "team/api"), "v2.0.1"))
                .ingress(Ingress.listenerRule(alb.getListener(), ListenerRuleOptions.builder()
                        .priority(10).pathPatterns(List.of("/api/*")).build()))
                .minCapacity(2)
                .maxCapacity(8)
                .environment(Map.of("FEATURE_FLAGS", "java"))
                .build();

        umami = UmamiService.Builder.create(stack, "Umami")
                .cluster(cluster)
                .database(DatabaseSource.fromCluster(aurora.getCluster(), aurora.getAdminSecret(),
                        ExistingDatabaseOptions.builder().connectionLimit(45).build()))
                .ingress(Ingress.listenerRule(alb.getListener(), ListenerRuleOptions.builder()
                        .priority(20).hostHeaders(List.of("analytics.example.com")).build()))
                .websites(List.of(UmamiWebsite.builder().name("Docs").domain("docs.example.com").build()))
                .users(List.of(UmamiUser.builder().username("analyst").role("view-only").build()))
                .build();

        bundle = ObservabilityBundle.Builder.create(stack, "Observability")
                .dashboardName("java-consumer")
                .alarmEmails(List.of("oncall@example.com"))
                .defaults(MonitoringDefaults.builder()
                        .fargateService(FargateServiceMonitoringOptions.builder().memoryHighPercent(85).build())
                        .build())
                .build();
        bundle.monitor(api);
        bundle.monitor(umami);
        bundle.monitor(alb);
        bundle.monitor(aurora);
    }

    public static void main(final String[] args) {
        ConsumerApp consumer = new ConsumerApp(args.length > 0 ? args[0] : "cdk.out");
        System.out.println("java consumer: synthesized to " + consumer.app.synth().getDirectory());
    }
}
