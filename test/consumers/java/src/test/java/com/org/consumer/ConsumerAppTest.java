package com.org.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.org.analytics.constructs.ApiImage;
import com.org.analytics.constructs.FastifyFargateApi;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.services.ecr.Repository;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumerAppTest {
    @TempDir
    static Path outdir;

    private ConsumerApp consumer;
    private Template template;

    @BeforeAll
    void synthesize() {
        consumer = new ConsumerApp(outdir.toString());
        template = Template.fromStack(consumer.stack);
    }

    @Test
    void synthesizesACloudAssembly() {
        CloudAssembly assembly = consumer.app.synth();
        assertEquals(1, assembly.getStacks().size());
        assertTrue(Files.isRegularFile(Path.of(assembly.getDirectory(), "manifest.json")));
    }

    @Test
    void fastifyApiFromEcrOnAPathRule() {
        template.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Map.of(
                "Priority", 10,
                "Conditions", List.of(Map.of("Field", "path-pattern", "PathPatternConfig", Map.of("Values", List.of("/api/*"))))));
        template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Map.of("MinCapacity", 2, "MaxCapacity", 8));
        template.hasResourceProperties("AWS::ECS::TaskDefinition", Map.of(
                "RuntimePlatform", Map.of("CpuArchitecture", "ARM64", "OperatingSystemFamily", "LINUX"),
                "ContainerDefinitions", List.of(Match.objectLike(Map.of(
                        "Name", "api",
                        "Image", Match.objectLike(Map.of("Fn::Join", List.of("", Match.arrayWith(List.of("/team/api:v2.0.1"))))),
                        "Environment", Match.arrayWith(List.of(Map.of("Name", "FEATURE_FLAGS", "Value", "java"))))))));
        template.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
        assertNull(consumer.api.getLoadBalancer());
        assertNotNull(consumer.api.getService());
    }

    @Test
    void umamiInTheSharedCluster() {
        template.resourceCountIs("AWS::RDS::DBCluster", 1);
        template.resourceCountIs("AWS::ECS::Service", 2);
        template.hasResourceProperties("Custom::PostgresDatabase", Map.of("DatabaseName", "umami", "ConnectionLimit", "45", "SslMode", "verify-full"));
        template.hasResourceProperties("AWS::ECS::TaskDefinition", Map.of(
                "ContainerDefinitions", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Name", "umami",
                        "Image", "ghcr.io/umami-software/umami:3.1.0",
                        "Secrets", Match.arrayWith(List.of(Match.objectLike(Map.of("Name", "DATABASE_URL"))))))))));
        template.resourceCountIs("Custom::UmamiAdminBootstrap", 1);
        assertNotNull(consumer.umami.getAdminSecret());
        assertNotNull(consumer.umami.userSecret("analyst"));
    }

    @Test
    void observabilityBundleMonitorsTheOthers() {
        template.hasResourceProperties("AWS::CloudWatch::Dashboard", Map.of("DashboardName", "java-consumer"));
        template.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));
        template.resourceCountIs("AWS::CloudWatch::CompositeAlarm", 1);
        Map<String, Map<String, Object>> memory = template.findResources("AWS::CloudWatch::Alarm", Map.of(
                "Properties", Map.of("MetricName", "MemoryUtilization", "Namespace", "AWS/ECS", "Threshold", 85)));
        assertEquals(2, memory.size(), "memory alarm at the defaults' 85% for the API and Umami");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "ACUUtilization"));
        assertEquals(template.findResources("AWS::CloudWatch::Alarm").size(), consumer.bundle.getAlarms().size());
        assertTrue(consumer.bundle.getCriticalAlarms().size() >= 4);
    }

    @Test
    void badPropsFailWithTheLibrarysMessage() {
        Stack stack = new Stack(new App(), "Bad", StackProps.builder()
                .env(Environment.builder().account(ConsumerApp.ACCOUNT).region(ConsumerApp.REGION).build()).build());
        RuntimeException e = assertThrows(RuntimeException.class, () -> FastifyFargateApi.Builder.create(stack, "Api")
                .image(ApiImage.fromEcrRepository(Repository.fromRepositoryName(stack, "Repo", "team/api"), "v1"))
                .cpu(256)
                .memoryLimitMiB(4096)
                .build());
        assertTrue(e.getMessage().contains("Bad/Api/Fargate: invalid 'memoryLimitMiB'"), e.getMessage());
    }
}
