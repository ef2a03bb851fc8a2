import { isolationSuite } from './isolation.suite.ts';

// The full-app isolation suite on PostgreSQL (a private schema per run).
isolationSuite({ postgres: true });
