/** The policy module: schema, compiler, pure evaluation, visibility, Shield combination, versions and simulation. */
export { PoliciesConfigSchema, RuleSchema, type PoliciesConfig, type Rule, type Effect } from './policy.schema.ts';
export { PolicyDocumentSchema, parseDocumentText, validateDocument, formatPolicyIssues, documentChecksum, type PolicyDocument } from './document.ts';
export { compilePolicy, type CompiledPolicy } from './compile.ts';
export { evaluate, explain } from './evaluate.ts';
export { visibleTools, toolVisibility, type VisibilityInput, type ToolVisibility } from './visibility.ts';
export { combine, strictest, type FinalDecision } from './combine.ts';
export { simulate, toRecordedCall, type RecordedCall, type SimulationResult, type DecisionChange } from './simulate.ts';
export { createPolicyService, type PolicyService, type ActivePolicy } from './policy.service.ts';
export type { PolicyInput, PolicyDecision, Explanation, ShieldInput } from './policy.types.ts';
