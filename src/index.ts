export * from './core';
export * from './fastify-api';
