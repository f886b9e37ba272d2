export * from './openreplay-platform';
