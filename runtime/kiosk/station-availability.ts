/**
 * What the station can do for a resident now, from its devices' health and the link to central, and
 * why a procedure cannot be offered (flows/engine/flow-needs.ts). Pure: the kiosk machine reads it
 * as an input at the moment a resident picks a procedure (docs/flows.md, "The panel").
 */
import { flowNeeds } from '../../flows/engine/flow-needs.js'
import type { FlowDefinition } from '../../flows/engine/flow-types.js'
import type { IdentitySource } from '../../flows/engine/identity.js'
import type { Health } from '../core/health.js'

export interface StationAvailability {
  /** The broker link is up: requests and waits can reach central. */
  central: boolean
  /** The printer can print now (not out of paper, cover closed, online). */
  printer: boolean
  /** Identity sources a working reader delivers. */
  sources: readonly IdentitySource[]
}

/** Everything works: for a kiosk that is told nothing of the station. */
export const FULLY_AVAILABLE: StationAvailability = { central: true, printer: true, sources: ['cccd_qr', 'mrz', 'nfc', 'chip', 'wiegand'] }

/** The reader device (runtime/devices/) that delivers each source. */
const READER_OF: Record<IdentitySource, string> = { cccd_qr: 'scanner', mrz: 'scanner', nfc: 'nfc', chip: 'nfc', wiegand: 'wiegand' }

/** A device that works now; degraded counts (a slow poll, paper near its end) unless it cannot print. */
function works(health: Health | undefined): boolean {
  return health !== undefined && (health.state === 'ok' || (health.state === 'degraded' && health.lastErrorCode !== 'E_PRINTER_NOT_READY'))
}

export function stationAvailability(devices: Readonly<Record<string, Health>>, centralReachable: boolean): StationAvailability {
  const sources = (Object.keys(READER_OF) as IdentitySource[]).filter((source) => works(devices[READER_OF[source]]))
  return { central: centralReachable, printer: works(devices['printer']), sources }
}

export type MissingNeed = 'central' | 'printer' | 'reader'

/**
 * What `flow` needs that the station lacks now, the most telling first; undefined when it can be
 * finished. A card read before the flow was chosen stands for the reader when the flow accepts it.
 */
export function missingNeed(flow: FlowDefinition, available: StationAvailability, heldSource: IdentitySource | null): MissingNeed | undefined {
  const needs = flowNeeds(flow)
  const identified = heldSource !== null && needs.identitySources.includes(heldSource)
  if (needs.identitySources.length > 0 && !identified && !needs.identitySources.some((source) => available.sources.includes(source))) return 'reader'
  if (needs.central && !available.central) return 'central'
  if (needs.printer && !available.printer) return 'printer'
  return undefined
}
