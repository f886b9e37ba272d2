import * as ecs from 'aws-cdk-lib/aws-ecs';
import { HardenedFargateService } from '../core/fargate-service';

/** Log driver of an init container in a service's log group (as HardenedFargateService's own containers). */
export function initLogging(service: HardenedFargateService, prefix: string): ecs.LogDriver {
  return ecs.LogDrivers.awsLogs({ logGroup: service.logGroup, streamPrefix: prefix, mode: ecs.AwsLogDriverMode.NON_BLOCKING });
}
