export * from './options';
export * from './observability-bundle';
