import type { Stage } from '../types.ts';

/** Sends the call, with the arguments as the stages before left them, to the upstream server. */
export const forwardStage: Stage = {
  name: 'forward',
  run: (ctx) => ctx.forward(ctx.arguments),
};
