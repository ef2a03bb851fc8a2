export { wireSiem, type Siem } from './wire.ts';
export { SiemConfigSchema, type SiemConfig, type SinkConfig } from './siem.config.ts';
export { createSiemDelivery, backoffDelay, type SiemDelivery } from './delivery.ts';
export { sinkStatuses, summarize, type SinkOrgStatus, type SinkSummary } from './status.ts';
export { sinkFromConfig, createWebhookSink, createAlertmanagerSink, createHecSink, createSyslogSink } from './sinks/index.ts';
export type { SiemEvent, SiemSink, SinkFilter } from './siem.types.ts';
