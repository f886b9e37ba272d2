// Building blocks shared by every construct of the library, exported so that users can build their own services
// with the same guarantees. Modules with internal helpers (validation, nag, default-platform, custom-resource
// handlers) are not exported.
export * from './fargate-service-props';
export * from './fargate-service';
export * from './ingress';
export * from './platform';
export * from './postgres';
export * from './observable';
