export * from './umami-service';
