import type { HardwareConfig } from '../config/schema.js'
import type { ParseFlowOptions } from '../flows/engine/flow-validate.js'

/**
 * Identity sources this station's readers decode: flows asking for another are refused at load time.
 * The NFC reader reads card UIDs and CCCD chips (docs/emrtd.md, "In the station").
 */
function identitySourcesRead(hardware: HardwareConfig): string[] {
  return ['cccd_qr', 'mrz', ...(hardware.nfc.enabled ? ['chip', 'nfc'] : []), ...(hardware.wiegand.enabled ? ['wiegand'] : [])]
}

/**
 * The checks a station's flows get: what its hardware can read and the size of its display. Also
 * what `npm run build` caches the bundled flows for (scripts/build-flows-cache.mjs), so the keys match.
 */
export function stationFlowOptions(hardware: HardwareConfig): ParseFlowOptions {
  return {
    capabilities: { identitySources: identitySourcesRead(hardware) },
    display: { cols: hardware.display.cols, rows: hardware.display.rows },
  }
}
