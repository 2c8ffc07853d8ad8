import type { FlowDefinition } from './flow-types.js'
import type { IdentitySource } from './identity.js'

/** True when some scan_id step of `flow` accepts identities from `source`. */
export function acceptsIdentitySource(flow: FlowDefinition, source: IdentitySource): boolean {
  for (const step of flow.steps.values()) {
    if (step.kind === 'scan_id' && step.accept.includes(source)) return true
  }
  return false
}
