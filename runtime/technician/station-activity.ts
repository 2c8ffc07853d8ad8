import type { Printer, PrinterStatus } from '../../drivers/printer/printer.js'
import type { EventBus } from '../bus/event-bus.js'
import type { StationEvents } from '../bus/events.js'
import type { Clock, TimerHandle } from '../core/clock.js'
import { assertNoIdentity } from '../mqtt/payloads.js'
import type { DeviceCounters, PrinterPaper, RecentEvent } from '../tui/tui-snapshot.js'

/** Events kept for the technician's screen. */
const EVENTS_KEPT = 50
/** Which reader delivered a card of each kind. */
const READER_OF_KIND: Readonly<Record<string, string>> = { cccd: 'scanner', mrz: 'scanner', nfc: 'nfc', wiegand: 'wiegand' }
const FAULT_STATES = new Set(['degraded', 'faulty', 'absent'])
/** How long before local midnight the delivered count is sampled for the day's end. */
const DAY_SAMPLE_LEAD_MS = 1000

export interface StationActivityDeps {
  clock: Clock
  bus: EventBus<StationEvents>
}

/**
 * What the station did since it started, counted for the technician (`station tui`): reads,
 * prints, retries and faults per device, the link's reconnects, deliveries today, the recent
 * events and when the running flow began. Counts only; nothing a resident typed or showed.
 */
export class StationActivity {
  readonly #clock: Clock
  readonly #counters = new Map<string, DeviceCounters>()
  readonly #lastStates = new Map<string, string>()
  #events: RecentEvent[] = []
  #paper: PrinterPaper | undefined
  #connectedSinceMs: number | null = null
  #connects = 0
  #day = ''
  #deliveredAtDayStart = 0
  #deliveredSeen = 0
  #deliveredTotal: (() => number) | null = null
  #dayTimer: TimerHandle | null = null

  constructor(deps: StationActivityDeps) {
    this.#clock = deps.clock
    const { bus } = deps
    bus.on('key.pressed', () => this.#count('keypad', 'reads'))
    bus.on('card.presented', ({ kind }) => this.#count(READER_OF_KIND[kind] ?? 'scanner', 'reads'))
    bus.on('card.unreadable', ({ device }) => this.#count(device, 'reads'))
    bus.on('device.health', ({ device, health }) => {
      // 'starting' and 'stopped' pass by during each retry: they neither end a fault nor begin one.
      if (health.state === 'starting' || health.state === 'stopped') return
      const previous = this.#lastStates.get(device)
      this.#lastStates.set(device, health.state)
      if (FAULT_STATES.has(health.state) && (previous === undefined || !FAULT_STATES.has(previous))) this.#count(device, 'faults')
    })
    bus.on('station.event', ({ type, fields }) => this.#event(type, fields))
  }

  counters(device: string): DeviceCounters {
    return { ...(this.#counters.get(device) ?? zero()) }
  }

  /** The supervisor scheduled a restart of `device` after a failure. */
  countRetry(device: string): void {
    this.#count(device, 'retries')
  }

  /** The same printer, counting finished receipts and keeping its last paper and cover state. */
  countingPrinter(printer: Printer): Printer {
    printer.onStatusChange((status) => (this.#paper = paperOf(status)))
    return {
      print: async (receipt) => {
        await printer.print(receipt)
        this.#count('printer', 'prints')
      },
      status: async () => {
        const status = await printer.status()
        this.#paper = paperOf(status)
        return status
      },
      onStatusChange: (listener) => printer.onStatusChange(listener),
    }
  }

  get printerPaper(): PrinterPaper | undefined {
    return this.#paper
  }

  watchLink(link: { onStateChange(listener: (connected: boolean) => void): unknown }): void {
    link.onStateChange((connected) => {
      if (connected) {
        this.#connects += 1
        this.#connectedSinceMs = this.#clock.now()
      } else {
        this.#connectedSinceMs = null
      }
    })
  }

  get connectedSinceMs(): number | null {
    return this.#connectedSinceMs
  }

  /** Connections after the first one. */
  get reconnects(): number {
    return Math.max(0, this.#connects - 1)
  }

  /**
   * Follows the drain's delivered count since start without waking every second: it is sampled now,
   * on each read of `deliveredToday`, and one second before each local midnight, so the day's zero
   * is exact to a second. Returns the stop.
   */
  trackDelivered(total: () => number): () => void {
    this.#deliveredTotal = total
    this.sampleDelivered(total())
    this.#scheduleDaySample(total)
    return () => {
      this.#deliveredTotal = null
      if (this.#dayTimer) this.#clock.clearTimeout(this.#dayTimer)
      this.#dayTimer = null
    }
  }

  #scheduleDaySample(total: () => number): void {
    const nowMs = this.#clock.now()
    const today = new Date(nowMs)
    let dueMs = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1).getTime() - DAY_SAMPLE_LEAD_MS
    // Within the last second of the day already: the next one.
    if (dueMs <= nowMs) dueMs = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 2).getTime() - DAY_SAMPLE_LEAD_MS
    this.#dayTimer = this.#clock.setTimeout(() => {
      this.#dayTimer = null
      this.sampleDelivered(total())
      this.#scheduleDaySample(total)
    }, dueMs - nowMs)
  }

  /**
   * The drain's delivered count since start: the count at the last sample before a new local day
   * is that day's zero.
   */
  sampleDelivered(total: number): void {
    const day = localDay(this.#clock.now())
    if (day !== this.#day) {
      this.#day = day
      this.#deliveredAtDayStart = this.#deliveredSeen
    }
    this.#deliveredSeen = total
  }

  get deliveredToday(): number {
    if (this.#deliveredTotal) this.sampleDelivered(this.#deliveredTotal())
    if (localDay(this.#clock.now()) !== this.#day) return 0
    return Math.max(0, this.#deliveredSeen - this.#deliveredAtDayStart)
  }

  /** The newest `limit` events, oldest first. */
  recentEvents(limit: number): RecentEvent[] {
    return limit > 0 ? this.#events.slice(-limit) : []
  }

  #event(type: string, fields: Record<string, string | number | boolean>): void {
    let shown = { ...fields }
    try {
      assertNoIdentity(shown)
    } catch {
      // Such an event is refused on the way to central too; the screen shows that it happened, not what it held.
      shown = { withheld: true }
    }
    this.#events.push({ atMs: this.#clock.now(), type, fields: shown })
    if (this.#events.length > EVENTS_KEPT) this.#events.shift()
  }

  #count(device: string, counter: keyof DeviceCounters): void {
    const counters = this.#counters.get(device) ?? zero()
    counters[counter] += 1
    this.#counters.set(device, counters)
  }
}

function zero(): DeviceCounters {
  return { reads: 0, prints: 0, retries: 0, faults: 0 }
}

function paperOf(status: PrinterStatus): PrinterPaper {
  return {
    paper: status.paperOut ? 'out' : status.paperNearEnd ? 'near-end' : 'ok',
    cover: status.coverOpen ? 'open' : 'closed',
    online: status.online,
  }
}

function localDay(ms: number): string {
  const date = new Date(ms)
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`
}
