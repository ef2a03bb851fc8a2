export { createComplianceService, parseStandards, type ComplianceService, type ReportFormat } from './compliance.service.ts';
export { ComplianceConfigSchema, type ComplianceConfig } from './compliance.config.ts';
export { absentProviders, type FactsProviders } from './facts.types.ts';
export { createChromiumPdf, type PdfEngine } from './render/pdf.ts';
export { summarize } from './render/json.ts';
export { STANDARDS } from './catalog/index.ts';
export type { ComplianceReport, Lang, StandardId } from './compliance.types.ts';
