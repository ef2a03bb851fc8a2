import type { CallContext, Stage } from './types.ts';
import type { JsonRpcResponse } from '../gateway/jsonrpc.ts';
import { errorResponse } from '../gateway/jsonrpc.ts';
import { toFlowLinkError, type FlowLinkError } from '../lib/errors.ts';

/** Runs the stages in order; a stage that throws stops the call (fail closed) with its typed error. */
export function runPipeline(stages: readonly Stage[], ctx: CallContext): Promise<JsonRpcResponse> {
  const step = (i: number): Promise<JsonRpcResponse> => {
    const stage = stages[i];
    if (!stage) return Promise.resolve(errorResponse(ctx.requestId, -32603, 'pipeline has no forward stage'));
    return stage.run(ctx, () => step(i + 1));
  };
  return step(0).catch((err: unknown) => denial(ctx, toFlowLinkError(err)));
}

/** The JSON-RPC error an agent gets when a stage stops its call. */
export function denial(ctx: CallContext, err: FlowLinkError): JsonRpcResponse {
  return errorResponse(ctx.requestId, err.rpc, err.message, { code: err.code, ...err.data });
}
