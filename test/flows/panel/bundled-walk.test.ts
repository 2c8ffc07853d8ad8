/**
 * `station flows test` over the bundled flows, in both languages: the panel's rules (paging, back
 * asking before it ends) must leave every step and transition reachable (docs/flows.md, "The panel").
 */
import t from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import { walkFlow } from '../../../flows/engine/flow-walker.js'
import { FLOWS_DIR } from '../../support/station-rig.js'

t.test('every bundled flow is walked to 100% of steps and transitions in Vietnamese and English', async (t) => {
  const { flows } = await loadFlowsDir(FLOWS_DIR, { capabilities: { identitySources: ['cccd_qr', 'mrz'] } })
  t.equal(flows.size, 9)
  for (const flow of flows.values()) {
    for (const language of ['vi', 'en'] as const) {
      const result = await walkFlow(flow, { language })
      t.strictSame(result.failures, [], `${flow.id} (${language}): no failing path`)
      t.strictSame(result.steps.missing, [], `${flow.id} (${language}): every step`)
      t.strictSame(result.transitions.missing, [], `${flow.id} (${language}): every transition`)
    }
  }
})
