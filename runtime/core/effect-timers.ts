/**
 * The timers a pure machine asks for by id (`startTimer` / `cancelTimer` effects), held on the
 * injected clock: a fired timer is forgotten before it is reported, so a machine that cancels it in
 * its answer cancels nothing. Shared by the flow session's runner and the kiosk's.
 */
import type { Clock, TimerHandle } from './clock.js'

export class EffectTimers<Id> {
  readonly #handles = new Map<Id, TimerHandle>()

  constructor(
    private readonly clock: Clock,
    private readonly fired: (timer: Id) => void,
  ) {}

  start(timer: Id, ms: number): void {
    this.#handles.set(
      timer,
      this.clock.setTimeout(() => {
        this.#handles.delete(timer)
        this.fired(timer)
      }, ms),
    )
  }

  cancel(timer: Id): void {
    const handle = this.#handles.get(timer)
    this.#handles.delete(timer)
    if (handle) this.clock.clearTimeout(handle)
  }
}
