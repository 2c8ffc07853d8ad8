import type { Receipt } from '../../drivers/printer/receipt.js'
import type { FlowEffects } from '../../flows/engine/flow-effects.js'
import type { FlowValue } from '../../flows/engine/flow-types.js'
import type { Screen } from '../../flows/engine/screen.js'

/** What a request or wait effect was called with. */
export interface RecordedCall {
  name: string
  fields: Record<string, FlowValue>
  timeoutMs: number
  signal: AbortSignal
}

/** A promise that rejects with the signal's reason when it aborts, and otherwise never settles. */
function untilAborted<T>(signal: AbortSignal): Promise<T> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/**
 * A FlowEffects that records everything; submit, print, request and waitFor answer as the test tells
 * them to. A test that needs a station without request or waitFor deletes them (`delete effects.request`).
 */
export class RecordingEffects implements FlowEffects {
  screens: Screen[] = []
  receipts: Receipt[] = []
  submissions: Array<{ flow: string; flowVersion: number; data: Record<string, unknown> }> = []
  events: Array<{ type: string; fields: Record<string, string | number | boolean> }> = []
  requests: RecordedCall[] = []
  waits: RecordedCall[] = []
  submitWith: () => Promise<{ id: string; reference: string }>
  printWith: () => Promise<void> = async () => {}
  /** Default: an empty reply at once. */
  requestWith: (call: RecordedCall) => Promise<unknown> = async () => ({})
  /** Default: no event ever comes; the wait ends only when aborted. */
  waitWith: (call: RecordedCall) => Promise<Record<string, unknown>> = (call) => untilAborted(call.signal)

  constructor(submissionId = 'sub-1') {
    this.submitWith = async () => ({ id: submissionId, reference: 'K7QX-M2PA' })
  }

  show(screen: Screen): void {
    this.screens.push(screen)
  }
  print(receipt: Receipt): Promise<void> {
    this.receipts.push(receipt)
    return this.printWith()
  }
  submit(request: { flow: string; flowVersion: number; data: Record<string, unknown> }): Promise<{ id: string; reference: string }> {
    this.submissions.push(request)
    return this.submitWith()
  }
  event(type: string, fields: Record<string, string | number | boolean>): void {
    this.events.push({ type, fields })
  }
  request?: NonNullable<FlowEffects['request']> = (method, body, options) => {
    const call = { name: method, fields: body, ...options }
    this.requests.push(call)
    return this.requestWith(call)
  }
  waitFor?: NonNullable<FlowEffects['waitFor']> = (event, match, options) => {
    const call = { name: event, fields: match, ...options }
    this.waits.push(call)
    return this.waitWith(call)
  }
  get screen(): Screen {
    const last = this.screens[this.screens.length - 1]
    if (!last) throw new Error('nothing shown yet')
    return last
  }
  types(): string[] {
    return this.events.map((event) => event.type)
  }
}
