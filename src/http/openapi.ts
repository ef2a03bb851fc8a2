import type { FastifySchema } from 'fastify';
import { ErrorCodes } from '../lib/errors.ts';
import type { RouteAuth } from './identity.kit.ts';

export interface RouteDoc {
  method: string;
  url: string;
  schema: FastifySchema & { summary?: string; tags?: string[] };
  auth: RouteAuth | undefined;
}

const SECURITY: Record<RouteAuth['kind'], unknown[]> = {
  public: [],
  mfa: [{ session: [] }],
  user: [{ session: [] }],
  org: [{ session: [] }, { apiKey: [] }],
};

/** Builds the OpenAPI 3.1 document from the routes as registered (their JSON schemas are the source). */
export function buildOpenApi(routes: RouteDoc[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = (r.schema.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
    const op: Record<string, unknown> = {
      summary: r.schema.summary,
      tags: r.schema.tags,
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: SECURITY[r.auth?.kind ?? 'public'],
      ...(r.auth?.kind === 'org' ? { 'x-permission': r.auth.perm } : {}),
      parameters: Object.entries(params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...(r.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.schema.body } } } } : {}),
      responses: {
        '2XX': { description: 'Success' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'FlowLink API', version: '1', description: 'People, organizations, agents and API keys. Cookie sessions send the CSRF token (cookie fl_csrf) in the x-csrf-token header on state-changing requests.' },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'fl_session' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'fl_key_… (organization routes only)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: Object.keys(ErrorCodes) }, message: { type: 'string' }, data: { type: 'object' } } } },
        },
      },
    },
  };
}
