import type { Receipt } from '../../drivers/printer/receipt.js'
import type { FlowEffects } from '../../flows/engine/flow-session.js'
import type { Screen } from '../../flows/engine/screen.js'

/** A FlowEffects that records everything; submit and print answer as the test tells them to. */
export class RecordingEffects implements FlowEffects {
  screens: Screen[] = []
  receipts: Receipt[] = []
  submissions: Array<{ flow: string; flowVersion: number; data: Record<string, unknown> }> = []
  events: Array<{ type: string; fields: Record<string, string | number | boolean> }> = []
  submitWith: () => Promise<{ id: string; reference: string }>
  printWith: () => Promise<void> = async () => {}

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
  get screen(): Screen {
    const last = this.screens[this.screens.length - 1]
    if (!last) throw new Error('nothing shown yet')
    return last
  }
  types(): string[] {
    return this.events.map((event) => event.type)
  }
}
