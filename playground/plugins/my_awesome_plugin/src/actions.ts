/** What an action returns. */
export type ActionResult = Record<string, unknown>;

/** Run one of the guide's actions: ping, echo or count. */
export function executeAction(action: string, parameters: Record<string, unknown>, actionCount: number): ActionResult {
  switch (action) {
    case 'ping':
      return { message: 'pong', timestamp: new Date().toISOString() };
    case 'echo':
      return { echo: typeof parameters.message === 'string' ? parameters.message : 'Hello, World!' };
    case 'count':
      return { current_count: actionCount };
    default:
      throw new Error(`Unknown action: ${action}`);
  }
}
