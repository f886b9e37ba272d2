'use strict';
// The quick start's migration step: a real API would apply its schema to DATABASE_URL here.
console.log(process.env.DATABASE_URL ? 'migrate: database configured, nothing to apply' : 'migrate: no DATABASE_URL');
