export * from './core';
export * from './fastify-api';
export * from './umami';
export * from './static-site';
export * from './openreplay';
export * from './observability';
