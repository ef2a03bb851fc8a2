import type { Notifier } from '../notifier.ts';

/**
 * The console's channel. Requests are always in the web queue (REST API), and every state
 * change reaches the console's live stream through the service's change feed, which
 * LISTEN/NOTIFY fills on every instance; so there is nothing to send here beyond recording
 * that the queue has it.
 */
export function createWebNotifier(): Notifier {
  return {
    channel: 'web',
    async notify() {
      return undefined;
    },
    async update() {},
  };
}
