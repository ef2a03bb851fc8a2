/**
 * What the MCP conformance server suite (@modelcontextprotocol/conformance@0.2.0-alpha.12, `--spec-version`
 * 2025-11-25 and 2026-07-28) reports for FlowLink's `/mcp/everything`, with server-everything over stdio
 * as the upstream. Keys are `scenario/check-id` as written in the suite's `checks.json`.
 *
 * conformance.test.ts asserts the run matches this file exactly:
 *   - every check in PASS is SUCCESS;
 *   - the set of FAILURE checks equals FAIL (each with its reason);
 *   - the INFO checks ("not applicable", counted neither passed nor failed) equal INFO.
 * Measured on 2026-11-26; see docs/conformance.md for the comparison with mcp-proxy and the direct server.
 */
import type { Era } from './suite.ts';

/** scenario → check ids */
type ChecksByScenario = Record<string, string[]>;

const flatten = (m: ChecksByScenario): string[] => Object.entries(m).flatMap(([s, cs]) => cs.map((c) => `${s}/${c}`));

// ---------- reasons ----------

const DIRECT = 'fails identically against server-everything directly and through mcp-proxy';
const tool = (name: string) => `calls the suite's own fixture tool \`${name}\`; server-everything has no such tool (answers isError "Tool ${name} not found"), ${DIRECT}`;
const prompt = (name: string) => `gets the suite's own fixture prompt \`${name}\`; server-everything has no such prompt (-32602 "Prompt ${name} not found"), ${DIRECT}`;
const resource = (uri: string) => `reads the suite's own fixture resource \`${uri}\`; server-everything serves demo://… resources only (-32602 "Resource ${uri} not found"), ${DIRECT}`;

/** Expected FAILURE checks, shared by both eras where the scenario exists in both. */
const FAIL_BOTH: Record<string, string> = {
  'completion-complete/completion-complete': `asks completion/complete for the fixture prompt \`test_prompt_with_arguments\`; server-everything has no such prompt, ${DIRECT}`,
  'prompts-get-simple/prompts-get-simple': prompt('test_simple_prompt'),
  'prompts-get-with-args/prompts-get-with-args': prompt('test_prompt_with_arguments'),
  'prompts-get-embedded-resource/prompts-get-embedded-resource': prompt('test_prompt_with_embedded_resource'),
  'prompts-get-with-image/prompts-get-with-image': prompt('test_prompt_with_image'),
  'resources-read-text/resources-read-text': resource('test://static-text'),
  'resources-read-binary/resources-read-binary': resource('test://static-binary'),
  'resources-templates-read/resources-templates-read': resource('test://template/123/data'),
  'tools-call-image/tools-call-image': tool('test_image_content'),
  'tools-call-audio/tools-call-audio': tool('test_audio_content'),
  'tools-call-embedded-resource/tools-call-embedded-resource': tool('test_embedded_resource'),
  'tools-call-mixed-content/tools-call-mixed-content': tool('test_multiple_content_types'),
  'tools-call-with-progress/tools-call-with-progress': tool('test_tool_with_progress'),
};

/** Scenarios the suite runs only for the session-based era (removed in 2026-07-28). */
const FAIL_2025_ONLY: Record<string, string> = {
  'tools-call-with-logging/tools-call-with-logging': tool('test_tool_with_logging'),
  'tools-call-sampling/tools-call-sampling': tool('test_sampling'),
  'tools-call-elicitation/tools-call-elicitation': tool('test_elicitation'),
  'elicitation-sep1034-defaults/elicitation-sep1034-general': tool('test_elicitation_sep1034_defaults'),
  'elicitation-sep1330-enums/elicitation-sep1330-general': tool('test_elicitation_sep1330_enums'),
};

export interface InfoExpectation {
  reason: string;
  /** A documented FlowLink gap that a pending fix turns into SUCCESS; the test then accepts SUCCESS too (and says so). */
  mayPass?: boolean;
}

export interface EraExpectation {
  pass: string[];
  fail: Record<string, string>;
  info: Record<string, InfoExpectation>;
  /** The suite's own "Total: N passed, M failed" line (INFO checks count in neither). */
  totals: { passed: number; failed: number };
}

export const EXPECTED: Record<Era, EraExpectation> = {
  '2025-11-25': {
    pass: flatten({
    'completion-complete': ['wire-schema-valid'],
    'dns-rebinding-protection': ['localhost-host-rebinding-rejected', 'localhost-host-valid-accepted'],
    'elicitation-sep1034-defaults': ['wire-schema-valid'],
    'elicitation-sep1330-enums': ['wire-schema-valid'],
    'logging-set-level': ['logging-set-level', 'wire-schema-valid'],
    ping: ['ping', 'wire-schema-valid'],
    'prompts-get-embedded-resource': ['wire-schema-valid'],
    'prompts-get-simple': ['wire-schema-valid'],
    'prompts-get-with-args': ['wire-schema-valid'],
    'prompts-get-with-image': ['wire-schema-valid'],
    'prompts-list': ['prompts-list', 'wire-schema-valid'],
    'resources-list': ['resources-list', 'wire-schema-valid'],
    'resources-read-binary': ['wire-schema-valid'],
    'resources-read-text': ['wire-schema-valid'],
    'resources-subscribe': ['resources-subscribe', 'wire-schema-valid'],
    'resources-templates-read': ['wire-schema-valid'],
    'resources-unsubscribe': ['resources-unsubscribe', 'wire-schema-valid'],
    'server-initialize': ['server-initialize', 'server-session-id-visible-ascii', 'wire-schema-valid'],
    'server-session-lifecycle': ['server-session-initialized-accepted', 'server-session-delete-accepted', 'server-session-terminated-returns-404'],
    'server-sse-multiple-streams': ['server-accepts-multiple-post-streams'],
    'tools-call-audio': ['wire-schema-valid'],
    'tools-call-elicitation': ['wire-schema-valid'],
    'tools-call-embedded-resource': ['wire-schema-valid'],
    'tools-call-error': ['tools-call-error', 'wire-schema-valid'],
    'tools-call-image': ['wire-schema-valid'],
    'tools-call-mixed-content': ['wire-schema-valid'],
    'tools-call-sampling': ['wire-schema-valid'],
    'tools-call-simple-text': ['tools-call-simple-text', 'wire-schema-valid'],
    'tools-call-with-logging': ['wire-schema-valid'],
    'tools-call-with-progress': ['wire-schema-valid'],
    'tools-list': ['tools-list', 'tools-name-format', 'wire-schema-valid'],
    }),
    fail: { ...FAIL_BOTH, ...FAIL_2025_ONLY },
    info: {
      'server-sse-multiple-streams/server-sse-streams-functional': {
        reason:
          'FlowLink answers a POSTed request with application/json unless a progress/log/server request must go out first (ResponseChannel in src/gateway/sse.ts), ' +
          'which the spec allows; the suite then records INFO "SSE streams optional". mcp-proxy (SDK transport) always opens an SSE stream and gets SUCCESS. ' +
          'Open the SSE stream up front for legacy POSTs that accept text/event-stream to turn this into SUCCESS (see docs/conformance.md).',
        mayPass: true,
      },
    },
    totals: { passed: 46, failed: 18 },
  },
  '2026-07-28': {
    pass: flatten({
    'completion-complete': ['wire-schema-valid'],
    'dns-rebinding-protection': ['localhost-host-rebinding-rejected', 'localhost-host-valid-accepted'],
    'prompts-get-embedded-resource': ['wire-schema-valid'],
    'prompts-get-simple': ['wire-schema-valid'],
    'prompts-get-with-args': ['wire-schema-valid'],
    'prompts-get-with-image': ['wire-schema-valid'],
    'prompts-list': ['prompts-list', 'wire-schema-valid'],
    'resources-list': ['resources-list', 'wire-schema-valid'],
    'resources-read-binary': ['wire-schema-valid'],
    'resources-read-text': ['wire-schema-valid'],
    'resources-templates-read': ['wire-schema-valid'],
    'server-sse-multiple-streams': ['server-accepts-multiple-post-streams'],
    'tools-call-audio': ['wire-schema-valid'],
    'tools-call-embedded-resource': ['wire-schema-valid'],
    'tools-call-error': ['tools-call-error', 'wire-schema-valid'],
    'tools-call-image': ['wire-schema-valid'],
    'tools-call-mixed-content': ['wire-schema-valid'],
    'tools-call-simple-text': ['tools-call-simple-text', 'wire-schema-valid'],
    'tools-call-with-progress': ['wire-schema-valid'],
    'tools-list': ['tools-list', 'tools-name-format', 'tools-list-deterministic-order', 'wire-schema-valid'],
    }),
    fail: { ...FAIL_BOTH },
    info: {
      'server-sse-multiple-streams/server-sse-streams-functional': {
        reason: 'stateless tools/list is answered with application/json (allowed); INFO "SSE streams optional" for mcp-proxy too',
      },
    },
    totals: { passed: 28, failed: 13 },
  },
};

/**
 * Reference: what mcp-proxy 6.7.19 (`mcp-proxy --server stream -- node server-everything stdio`) passes with the
 * same suite, measured the same way (46 passed / 19 failed for 2025-11-25, 27 / 14 for 2026-07-28).
 * The test checks, without running mcp-proxy, that FlowLink's PASS list covers all of these,
 * or that the difference is documented in INFO with mayPass.
 */
export const MCP_PROXY_PASS: Record<Era, string[]> = {
  '2025-11-25': flatten({
    'completion-complete': ['wire-schema-valid'],
    'dns-rebinding-protection': ['localhost-host-valid-accepted'],
    'elicitation-sep1034-defaults': ['wire-schema-valid'],
    'elicitation-sep1330-enums': ['wire-schema-valid'],
    'logging-set-level': ['logging-set-level', 'wire-schema-valid'],
    ping: ['ping', 'wire-schema-valid'],
    'prompts-get-embedded-resource': ['wire-schema-valid'],
    'prompts-get-simple': ['wire-schema-valid'],
    'prompts-get-with-args': ['wire-schema-valid'],
    'prompts-get-with-image': ['wire-schema-valid'],
    'prompts-list': ['prompts-list', 'wire-schema-valid'],
    'resources-list': ['resources-list', 'wire-schema-valid'],
    'resources-read-binary': ['wire-schema-valid'],
    'resources-read-text': ['wire-schema-valid'],
    'resources-subscribe': ['resources-subscribe', 'wire-schema-valid'],
    'resources-templates-read': ['wire-schema-valid'],
    'resources-unsubscribe': ['resources-unsubscribe', 'wire-schema-valid'],
    'server-initialize': ['server-initialize', 'server-session-id-visible-ascii', 'wire-schema-valid'],
    'server-session-lifecycle': ['server-session-initialized-accepted', 'server-session-delete-accepted', 'server-session-terminated-returns-404'],
    'server-sse-multiple-streams': ['server-accepts-multiple-post-streams', 'server-sse-streams-functional'],
    'tools-call-audio': ['wire-schema-valid'],
    'tools-call-elicitation': ['wire-schema-valid'],
    'tools-call-embedded-resource': ['wire-schema-valid'],
    'tools-call-error': ['tools-call-error', 'wire-schema-valid'],
    'tools-call-image': ['wire-schema-valid'],
    'tools-call-mixed-content': ['wire-schema-valid'],
    'tools-call-sampling': ['wire-schema-valid'],
    'tools-call-simple-text': ['tools-call-simple-text', 'wire-schema-valid'],
    'tools-call-with-logging': ['wire-schema-valid'],
    'tools-call-with-progress': ['wire-schema-valid'],
    'tools-list': ['tools-list', 'tools-name-format', 'wire-schema-valid'],
  }),
  '2026-07-28': flatten({
    'completion-complete': ['wire-schema-valid'],
    'dns-rebinding-protection': ['localhost-host-valid-accepted'],
    'prompts-get-embedded-resource': ['wire-schema-valid'],
    'prompts-get-simple': ['wire-schema-valid'],
    'prompts-get-with-args': ['wire-schema-valid'],
    'prompts-get-with-image': ['wire-schema-valid'],
    'prompts-list': ['prompts-list', 'wire-schema-valid'],
    'resources-list': ['resources-list', 'wire-schema-valid'],
    'resources-read-binary': ['wire-schema-valid'],
    'resources-read-text': ['wire-schema-valid'],
    'resources-templates-read': ['wire-schema-valid'],
    'server-sse-multiple-streams': ['server-accepts-multiple-post-streams'],
    'tools-call-audio': ['wire-schema-valid'],
    'tools-call-embedded-resource': ['wire-schema-valid'],
    'tools-call-error': ['tools-call-error', 'wire-schema-valid'],
    'tools-call-image': ['wire-schema-valid'],
    'tools-call-mixed-content': ['wire-schema-valid'],
    'tools-call-simple-text': ['tools-call-simple-text', 'wire-schema-valid'],
    'tools-call-with-progress': ['wire-schema-valid'],
    'tools-list': ['tools-list', 'tools-name-format', 'tools-list-deterministic-order', 'wire-schema-valid'],
  }),
};
