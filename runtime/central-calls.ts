import type { FlowValue } from '../flows/engine/flow-types.js'
import { StationError } from './errors.js'
import type { CentralCalls } from './kiosk/kiosk.js'
import type { MqttLink } from './mqtt/mqtt-link.js'

/**
 * Flows' calls to central over the MQTT link: requests by MQTT 5 request/response, waits on the
 * inbound notify topic. Without a broker every call fails at once, so a procedure that needs
 * central takes its failure path instead of waiting out its timeout.
 */
export function centralCalls(link: MqttLink | null): CentralCalls {
  if (!link) {
    const offline = () =>
      Promise.reject(new StationError('E_MQTT_UNAVAILABLE', 'no broker is configured: central cannot be reached'))
    return { request: offline, waitFor: offline }
  }
  return {
    request: (method, body, { timeoutMs, signal }) =>
      abortable(link.request(method, body, { timeoutMs }), signal),
    waitFor: (event, match, { timeoutMs, signal }) =>
      link.waitForNotify(event, asStrings(match), { timeoutMs, signal }),
  }
}

/** Notify payloads carry strings; a flow may match on numbers (an amount), compared as text. */
function asStrings(match: Record<string, FlowValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(match).map(([key, value]) => [key, String(value)]))
}

/** Settles with the call, or rejects as soon as the resident leaves the step. */
function abortable<T>(call: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StationError('E_CANCELED', 'the resident left the step'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StationError('E_CANCELED', 'the resident left the step'))
    signal.addEventListener('abort', onAbort, { once: true })
    call.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
