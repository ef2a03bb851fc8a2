import type { Standard, StandardId } from '../compliance.types.ts';
import { SOC2 } from './soc2.ts';
import { OWASP_MCP } from './owasp-mcp.ts';
import { GOST_57580 } from './gost-57580.ts';
import { FSTEC } from './fstec.ts';

/** Every standard FlowLink reports on, in report order. */
export const STANDARDS: Record<StandardId, Standard> = { soc2: SOC2, 'owasp-mcp': OWASP_MCP, 'gost-57580': GOST_57580, fstec: FSTEC };
