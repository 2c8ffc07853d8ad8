import { controlRequest } from '../control/control-client.js'

const PROBE_TIMEOUT_MS = 1000

/**
 * True when a station answers on its control socket. Doctor then leaves the devices alone: an I2C
 * read or a DLE EOT between the station's own transactions could garble them (docs/deployment.md).
 */
export async function stationIsRunning(socketPath: string): Promise<boolean> {
  try {
    await controlRequest(socketPath, 'status', {}, PROBE_TIMEOUT_MS)
    return true
  } catch {
    return false
  }
}
