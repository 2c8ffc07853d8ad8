/**
 * What a station can do for a flow, and the check that refuses a flow needing more (FLOW_CAPABILITY).
 * A flow that passes may still meet a station without an effect at run time (an older station, a
 * capability list that was not given): the session then takes the step's failure path. Pure.
 */
import type { Diagnostic } from './diagnostic.js'
import type { DraftFlow } from './flow-read.js'

/** Effects a flow step may need beyond show, submit and event, which every station has. */
export type FlowEffectName = 'request' | 'waitFor' | 'print'

/**
 * What the station provides. Each list that is present restricts flows to it; an absent list
 * restricts nothing (unknown is not refused).
 */
export interface FlowCapabilities {
  /** Methods central answers through the request effect (`bill.lookup`, …). */
  requestMethods?: readonly string[]
  /** Optional effects the station implements. */
  effects?: readonly FlowEffectName[]
  /** Identity sources the station can read (chip, cccd_qr, mrz, nfc, wiegand). */
  identitySources?: readonly string[]
}

/** FLOW_CAPABILITY errors for every step of `draft` that needs something `capabilities` lacks. */
export function checkCapabilities(draft: DraftFlow, capabilities: FlowCapabilities, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const report = (step: string, line: number, message: string): void => {
    diagnostics.push({ code: 'FLOW_CAPABILITY', severity: 'error', message: `steps.${step}: ${message}`, file, line, step })
  }
  for (const step of draft.steps.values()) {
    for (const use of step.uses) {
      switch (use.kind) {
        case 'effect':
          if (capabilities.effects && !capabilities.effects.includes(use.effect)) {
            report(step.id, use.line, `this station has no '${use.effect}' effect (it has: ${listed(capabilities.effects)})`)
          }
          break
        case 'method':
          if (capabilities.requestMethods && !capabilities.requestMethods.includes(use.method)) {
            report(step.id, use.line, `central offers no request method '${use.method}' here (known: ${listed(capabilities.requestMethods)})`)
          }
          break
        case 'identity': {
          const available = capabilities.identitySources
          // One readable source is enough: the resident brings whichever document the station reads.
          if (available && !use.sources.some((source) => available.includes(source))) {
            report(step.id, use.line, `this station reads none of ${use.sources.join(', ')} (it reads: ${listed(available)})`)
          }
          break
        }
      }
    }
  }
  return diagnostics
}

function listed(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ')
}
