export * from './props';
export * from './static-site';
export * from './web-acl';
