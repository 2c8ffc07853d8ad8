/**
 * Requests to central by MQTT 5 request/response: each request gets fresh correlation data, and the
 * answer on `<base>/rpc/response` carrying the same bytes settles it. Open requests fail at once
 * when their session closes; a reply refused by the inbound check rejects its request at once
 * (docs/mqtt.md). Knows nothing of the wire beyond a Session.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import { StationError } from '../core/errors.js'
import type { Session } from './broker-connection.js'

export interface RpcRequest {
  method: string
  topic: string
  responseTopic: string
  payload: Buffer
  timeoutMs: number
}

interface OpenRequest {
  method: string
  resolve: (reply: unknown) => void
  reject: (error: StationError) => void
}

export class RpcClient {
  readonly #clock: Clock
  /** Open requests by hex correlation data. */
  readonly #open = new Map<string, OpenRequest>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  get openRequests(): number {
    return this.#open.size
  }

  /** True when `correlationHex` belongs to a request still waiting. */
  isOpen(correlationHex: string): boolean {
    return this.#open.has(correlationHex)
  }

  /**
   * Publishes the request on `session` and resolves with the reply given to `settle`. Rejects with
   * E_MQTT_UNAVAILABLE after timeoutMs or when the session closes or the publish fails.
   */
  request(session: Session, request: RpcRequest, publishError: (error: Error) => StationError): Promise<unknown> {
    const correlationData = randomBytes(16)
    const key = correlationData.toString('hex')
    const { method, timeoutMs } = request
    return new Promise<unknown>((resolve, reject) => {
      const finish = (settle: () => void) => {
        this.#clock.clearTimeout(timer)
        session.onClose.delete(onClose)
        this.#open.delete(key)
        settle()
      }
      const timer = this.#clock.setTimeout(() => {
        finish(() =>
          reject(
            new StationError('E_MQTT_UNAVAILABLE', `no answer to ${method} within ${timeoutMs} ms`, { method, timeoutMs }),
          ),
        )
      }, timeoutMs)
      const onClose = (error: StationError) => finish(() => reject(error))
      session.onClose.add(onClose)
      this.#open.set(key, {
        method,
        resolve: (reply) => finish(() => resolve(reply)),
        reject: (error) => finish(() => reject(error)),
      })
      session.client.publish(
        request.topic,
        request.payload,
        { qos: 1, properties: { responseTopic: request.responseTopic, correlationData } },
        (error) => {
          if (error) finish(() => reject(publishError(error)))
        },
      )
    })
  }

  /** Resolves the open request for `correlationHex` with `reply`; false when none is open. */
  settle(correlationHex: string, reply: unknown): boolean {
    const open = this.#open.get(correlationHex)
    if (!open) return false
    open.resolve(reply)
    return true
  }

  /** Rejects the open request for `correlationHex` with `error`; false when none is open. */
  fail(correlationHex: string, error: (method: string) => StationError): boolean {
    const open = this.#open.get(correlationHex)
    if (!open) return false
    open.reject(error(open.method))
    return true
  }
}
