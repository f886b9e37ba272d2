export * from './fastify-fargate-api';
