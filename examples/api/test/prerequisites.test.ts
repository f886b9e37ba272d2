import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { findPgBin } from './support/postgres.js';

// Counted as a real failure ("# fail 1") when PostgreSQL is missing, rather than
// only as cancelled tests of the suites whose before() hook cannot start it.
it('PostgreSQL server binaries are installed (apt-get install -y postgresql)', () => {
  const bin = findPgBin(); // throws with the install hint
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) assert.ok(existsSync(join(bin, tool)), `${tool} missing in ${bin}`);
});
