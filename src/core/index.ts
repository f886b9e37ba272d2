// Building blocks shared by every construct of the library, exported so that users can build their own services
// with the same guarantees. Helpers that are not part of the public API stay unexported.
export { FargateServiceOptions, HardenedFargateService, HardenedFargateServiceProps } from './fargate-service';
export {
  HardenedLoadBalancer, HardenedLoadBalancerProps, Ingress, IngressBinding, IngressTarget, ListenerRuleOptions, NewLoadBalancerOptions,
} from './ingress';
export { PlatformProps } from './platform';
