import { isolationSuite } from './isolation.suite.ts';

// The full-app isolation suite on PGlite (isolation-postgres.test.ts: the same on PostgreSQL).
isolationSuite({ postgres: false });
