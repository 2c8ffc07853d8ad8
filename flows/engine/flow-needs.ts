/**
 * What a flow needs of the station to be finished, read from its steps: central (a request or a
 * wait_for: answers only central gives), the printer (a pay_qr step: the slip is the payment; a
 * receipt's print step has its on_error path, the reference on screen, so it needs no printer),
 * and a reader for one of the identity sources its scan_id steps accept. The kiosk asks this before
 * a resident starts, so nobody scans a card and types a code only to fail at the end (docs/flows.md,
 * "The panel"). Pure.
 */
import type { FlowDefinition } from './flow-types.js'
import type { IdentitySource } from './identity.js'

export interface FlowNeeds {
  central: boolean
  printer: boolean
  /** Sources some scan_id step accepts; empty: the flow never asks for a card. */
  identitySources: IdentitySource[]
}

export function flowNeeds(flow: FlowDefinition): FlowNeeds {
  let central = false
  let printer = false
  const sources = new Set<IdentitySource>()
  for (const step of flow.steps.values()) {
    if (step.kind === 'request' || step.kind === 'wait_for') central = true
    if (step.kind === 'pay_qr') printer = true
    if (step.kind === 'scan_id') for (const source of step.accept) sources.add(source)
  }
  return { central, printer, identitySources: [...sources] }
}
