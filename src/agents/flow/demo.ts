/**
 * The demo flow (the demo agent's behaviour): greet, offer the menu, hand off to billing
 * or support or end contained; silence re-prompts once, then hands off to the agent's
 * default destination with reason `no_input`.
 */

/** Menu text of the demo flow. */
const MENU = 'Press 1 for billing, 2 for support, 3 to finish here.';

/** The demo flow, as it would be written in YAML (validate with `parseFlow`). */
export const DEMO_FLOW = {
  start: 'greet',
  steps: {
    greet: { say: 'Welcome to Agentline.', next: 'menu' },
    menu: {
      collect: {
        prompt: { say: MENU },
        reprompt: { say: `Sorry, I did not get that. ${MENU}` },
        into: 'choice',
        minDigits: 1,
        maxDigits: 1,
        valid: ['1', '2', '3'],
        timeoutMs: 5000,
        interDigitTimeoutMs: 3000,
        retries: 1,
        onNoInput: 'no_input',
        onInvalid: 'invalid_input',
      },
      next: 'route',
    },
    route: { branch: { on: { '1': 'billing', '2': 'support', '3': 'goodbye' }, default: 'invalid_input' } },
    billing: { handoff: { destination: 'billing', reason: 'billing question' } },
    support: { handoff: { destination: 'support', reason: 'support request' } },
    goodbye: { say: 'Thank you for calling. Goodbye.', next: 'done' },
    done: { end: { data: { resolved: true } } },
    no_input: { handoff: { reason: 'no_input' } },
    invalid_input: { handoff: { reason: 'invalid_input' } },
  },
} as const;

/** The demo agent's config for kind `flow`. */
export const DEMO_FLOW_CONFIG: Readonly<Record<string, unknown>> = { flow: DEMO_FLOW };
