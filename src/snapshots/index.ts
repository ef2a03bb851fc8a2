export { createSnapshotService, type SnapshotService } from './snapshots.service.ts';
export { SnapshotsConfigSchema, type SnapshotsConfig } from './snapshots.config.ts';
export { diffSnapshots, type SnapshotDiff } from './diff.ts';
export { SNAPSHOT_REASONS, type Snapshot, type SnapshotMeta, type SnapshotReason, type SnapshotContent } from './snapshots.types.ts';
