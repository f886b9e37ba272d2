export * from './props';
export * from './openreplay-platform';
