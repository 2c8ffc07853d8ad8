import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config, KeyName } from '../config/schema.js'
import { Hd44780Display } from '../drivers/display/hd44780-display.js'
import { Mpr121Keypad } from '../drivers/keypad/mpr121-keypad.js'
import { Pn532Reader } from '../drivers/nfc/pn532-reader.js'
import { EscPosPrinter } from '../drivers/printer/escpos-printer.js'
import type { Printer, PrinterStatus } from '../drivers/printer/printer.js'
import { SerialQrScanner } from '../drivers/scanner/qr-scanner.js'
import type { SerialLink } from '../drivers/serial/serial-link.js'
import { loadFlowsDir } from '../flows/engine/flow-validate.js'
import type { FlowDefinition } from '../flows/engine/flow-types.js'
import { EventBus } from './bus/event-bus.js'
import type { StationEvents } from './bus/events.js'
import type { Clock, TimerHandle } from './clock.js'
import { isStationError, messageOf, StationError } from './errors.js'
import { centralCalls } from './central-calls.js'
import { ControlServer, isSocketAnswering } from './control/control-server.js'
import { controlSocketPath } from './control/socket-path.js'
import { loadOrCreateKey } from './crypto/key-file.js'
import { DeviceService } from './device-service.js'
import type { Hardware } from './hardware.js'
import { Kiosk } from './kiosk/kiosk.js'
import type { Logger } from './log.js'
import { MqttLink } from './mqtt/mqtt-link.js'
import { OutboxDrain } from './mqtt/outbox-drain.js'
import { openJournalOutbox, type JournalOutbox } from './outbox/journal-outbox.js'
import { openStationState } from './state/station-state.js'
import { simControlHandlers } from './sim-control.js'
import { statusReport, type StatusReport } from './status-report.js'
import type { Service } from './supervisor/service.js'
import { TelemetryService } from './telemetry.js'
import { Supervisor } from './supervisor/supervisor.js'

/** Identity documents this station reads: the scanner delivers CCCD QR codes and MRZ lines. */
const IDENTITY_SOURCES_READ = ['cccd_qr', 'mrz'] as const

/** Printer status between jobs, as protocols.md 10 suggests (every 2-5 s when idle). */
const PRINTER_IDLE_POLL_MS = 3000
/** A display write that failed is retried this often until it succeeds (the driver re-initialises). */
const DISPLAY_RETRY_MS = 1000
/** How often driver-reported health is compared with what central last heard. */
const HEALTH_WATCH_MS = 1000

export interface StationDeps {
  config: Config
  hardware: Hardware
  clock: Clock
  log: Logger
  version: string
  /** Broker to report to, or null to run offline with submissions kept in the outbox. */
  brokerUrl: string | null
  /** Broker password read from config.mqtt.passwordFile by the caller. */
  brokerPassword?: string
  /** Resident set size of the process, for telemetry (read by the composition root). */
  rssBytes?: () => number
}

/** Where the kernel reports the SoC temperature on a Raspberry Pi (millidegrees Celsius). */
const THERMAL_ZONE_PATH = '/sys/class/thermal/thermal_zone0/temp'

export interface RunningStation {
  readonly socketPath: string
  status(): StatusReport
  /** Reads the flows folder again; new sessions use the result, running ones finish as they began. */
  reloadFlows(): Promise<{ flows: Array<{ id: string; version: number }>; errors: number }>
  stop(): Promise<void>
}

/**
 * Opens the station's storage, wires drivers, flows, outbox, MQTT and the control socket, and
 * starts them under the supervisor. Everything it opens, `stop()` closes in reverse order.
 */
export async function startStation(deps: StationDeps): Promise<RunningStation> {
  const { config, hardware, clock, log } = deps
  const bootId = randomUUID()
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  // Two stations on one data dir would write one journal from two processes: refuse the second.
  const socketPath = controlSocketPath(config.dataDir, config.control.socketPath)
  if (await isSocketAnswering(socketPath)) {
    throw new StationError('E_CONTROL_REQUEST', `another station is already running with data dir ${config.dataDir}`, {
      path: socketPath,
    })
  }
  // Flows first: a missing or unreadable flows folder fails before any storage is opened.
  const flowLog = log.child({ component: 'flows' })
  const loadFlows = async (): Promise<{ flows: FlowDefinition[]; errors: number }> => {
    const loaded = await loadFlowsDir(config.flows.dir, {
      // Flows asking for an identity source this station cannot read are refused at load time.
      capabilities: { identitySources: [...IDENTITY_SOURCES_READ] },
      display: { cols: config.hardware.display.cols, rows: config.hardware.display.rows },
    })
    for (const diagnostic of loaded.diagnostics) {
      const level = diagnostic.severity === 'error' ? 'error' : 'warn'
      flowLog[level]({ code: diagnostic.code, file: diagnostic.file, line: diagnostic.line, step: diagnostic.step }, diagnostic.message)
    }
    const result = [...loaded.flows.values()]
    flowLog.info({ flows: result.map((flow) => `${flow.id}@${flow.version}`) }, 'flows loaded')
    return { flows: result, errors: loaded.diagnostics.filter((d) => d.severity === 'error').length }
  }
  // Replaced whole on reload: the menu reads it for each new session, while a session in progress
  // keeps the definition it started with, so it finishes on that version.
  let flows: FlowDefinition[] = (await loadFlows()).flows
  const reloadFlows = async () => {
    const reloaded = await loadFlows()
    flows = reloaded.flows
    bus.emit('station.event', { type: 'flows.reloaded', fields: { flows: flows.length, errors: reloaded.errors } })
    return { flows: flows.map((flow) => ({ id: flow.id, version: flow.version })), errors: reloaded.errors }
  }

  const state = await openStationState(join(config.dataDir, 'state.json'), {
    bootCount: 0,
    receiptSeq: 0,
    maintenance: false,
  })
  const bootCount = await state.recordBoot()
  const key = await loadOrCreateKey(config.storage.keyFile)
  const outbox = await openJournalOutbox({
    dir: join(config.dataDir, 'outbox'),
    key,
    clock,
    maxBytes: config.storage.outboxMaxBytes,
    log,
  })

  const bus = new EventBus<StationEvents>(log.child({ component: 'runtime.bus' }))
  const devices = createDevices(deps, bus)

  const link = deps.brokerUrl
    ? new MqttLink({
        url: deps.brokerUrl,
        stationId: config.station.id,
        topicPrefix: config.mqtt.topicPrefix,
        keepaliveS: config.mqtt.keepaliveS,
        reconnectMinMs: config.mqtt.reconnectMinMs,
        reconnectMaxMs: config.mqtt.reconnectMaxMs,
        connectTimeoutMs: config.mqtt.connectTimeoutMs,
        ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
        ...(deps.brokerPassword ? { password: deps.brokerPassword } : {}),
        version: deps.version,
        bootId,
        flows: () => flows.map((flow) => flow.id),
        clock,
        log,
      })
    : null
  const drain = link
    ? new OutboxDrain({
        outbox,
        link,
        clock,
        log,
        retryMinMs: config.mqtt.reconnectMinMs,
        retryMaxMs: config.mqtt.reconnectMaxMs,
        stopWaitMs: config.mqtt.connectTimeoutMs,
      })
    : null

  const eventLog = log.child({ component: 'runtime.events' })
  bus.on('station.event', ({ type, fields }) => {
    eventLog.info({ event: type, ...fields }, 'event')
    link?.publishEvent(type, fields)
  })
  // Central hears of a device going bad and of it coming back; start-up and shutdown are not news.
  const troubled = new Map<string, string>()
  bus.on('device.health', ({ device, health }) => {
    const bad = health.state === 'faulty' || health.state === 'absent' || health.state === 'degraded'
    if (bad) {
      // A device retried while still absent reports the same fault each attempt: central hears it once.
      if (troubled.get(device) === `${health.state}:${health.lastError ?? ''}`) return
      troubled.set(device, `${health.state}:${health.lastError ?? ''}`)
      bus.emit('station.event', {
        type: 'device.fault',
        fields: {
          device,
          state: health.state,
          ...(health.lastError ? { reason: health.lastError } : {}),
          ...(health.lastErrorCode ? { code: health.lastErrorCode } : {}),
        },
      })
    } else if (health.state === 'ok' && troubled.delete(device)) {
      bus.emit('station.event', { type: 'device.recovered', fields: { device } })
    }
  })

  const kiosk = new Kiosk({
    clock,
    log: log.child({ component: 'runtime.kiosk' }),
    showRows: (rows) => devices.showRows(rows),
    printer: devices.printer,
    outbox,
    central: centralCalls(link),
    flows: () => flows,
    event: (type, fields) => bus.emit('station.event', { type, fields }),
    isOnline: () => link?.isConnected ?? false,
    defaultLanguage: config.station.defaultLanguage,
    stationId: config.station.id,
    idleTimeoutMs: config.session.idleTimeoutS * 1000,
    endScreenMs: config.session.endScreenS * 1000,
    cols: config.hardware.display.cols,
    rows: config.hardware.display.rows,
  })
  bus.on('key.pressed', ({ key }) => kiosk.key(key))
  bus.on('card.presented', (card) => kiosk.card(card))
  bus.on('card.unreadable', ({ device, reason }) => {
    bus.emit('station.event', { type: 'card.unreadable', fields: { device, reason } })
    kiosk.unreadable()
  })
  link?.onStateChange(() => kiosk.refresh())

  let ready = false
  let supervisor: Supervisor | null = null
  const report = (): StatusReport =>
    statusReport({
      ready,
      config,
      version: deps.version,
      bootId,
      bootCount,
      nowMs: clock.now(),
      outbox,
      link,
      brokerUrl: deps.brokerUrl,
      health: supervisor?.health() ?? {},
      kiosk,
      flows: flows,
    })
  const control = new ControlServer(
    socketPath,
    {
      status: () => report(),
      'flows.reload': () => reloadFlows(),
      ...simControlHandlers({ hardware, config, clock, bus }),
    },
    log.child({ component: 'runtime.control' }),
  )

  let kioskRunning = false
  const kioskService: Service = {
    name: 'kiosk',
    start: async () => {
      kiosk.start()
      kioskRunning = true
    },
    stop: async () => {
      kioskRunning = false
      kiosk.stop()
    },
    health: () => ({ state: kioskRunning ? 'ok' : 'stopped', detail: { phase: kiosk.phase } }),
  }
  const telemetry = link
    ? new TelemetryService({
        sources: {
          devices: () => supervisor?.health() ?? {},
          outbox: () => ({ depth: outbox.depth(), oldestCreatedAtMs: outbox.oldestCreatedAtMs() }),
          linkConnected: () => link.isConnected,
          rssBytes: deps.rssBytes ?? (() => 0),
          dataDir: config.dataDir,
          ...(config.hardware.simulated ? {} : { thermalZonePath: THERMAL_ZONE_PATH }),
        },
        publish: (sample) => link.publishTelemetry({ ...sample }),
        clock,
        intervalMs: config.mqtt.telemetryIntervalS * 1000,
        log: log.child({ component: 'runtime.telemetry' }),
      })
    : null
  const services: Service[] = [
    ...devices.services,
    ...(link ? [link] : []),
    ...(drain ? [drain] : []),
    ...(telemetry ? [telemetry] : []),
    kioskService,
    control,
  ]
  supervisor = new Supervisor(services, { clock, log: log.child({ component: 'runtime.supervisor' }) })
  await supervisor.start()
  // Drivers also change health on their own (a keypad whose polls start failing): look every
  // second, so central hears of those too. Repeats are filtered where events are made.
  const lastStates = new Map<string, string>()
  let healthTimer: TimerHandle | null = null
  const watchHealth = () => {
    for (const device of devices.services) {
      const health = supervisor?.health()[device.name]
      if (!health || health.state === 'starting' || health.state === 'stopped') continue
      if (lastStates.get(device.name) === health.state) continue
      lastStates.set(device.name, health.state)
      bus.emit('device.health', { device: device.name, health })
    }
    healthTimer = clock.setTimeout(watchHealth, HEALTH_WATCH_MS)
  }
  watchHealth()
  ready = true
  log.info({ station: config.station.id, bootCount, socket: socketPath, broker: deps.brokerUrl !== null }, 'station ready')

  return {
    socketPath,
    status: report,
    reloadFlows,
    async stop() {
      ready = false
      if (healthTimer) clock.clearTimeout(healthTimer)
      await supervisor?.stop()
      await outbox.close()
      await hardware.close()
      log.info('station stopped')
    },
  }
}

interface Devices {
  services: DeviceService[]
  showRows(rows: string[]): void
  printer: Printer
}

/** Drivers on the chosen transports, each wrapped as a supervised service that reports health. */
function createDevices(deps: StationDeps, bus: EventBus<StationEvents>): Devices {
  const { config, hardware, clock, log } = deps
  const onHealth = (device: string) => (health: import('./supervisor/service.js').Health) =>
    bus.emit('device.health', { device, health })

  const display = new Hd44780Display({ bus: hardware.i2c, clock }, config.hardware.display)
  // The display keeps what it should show, so it can repaint after the driver restarts.
  let wantedRows: string[] = []
  let displayReady = false
  let painting: Promise<void> = Promise.resolve()
  let repaintTimer: TimerHandle | null = null
  const paint = () => {
    const rows = wantedRows
    painting = painting
      .then(async () => {
        if (!displayReady) return
        await display.show(rows)
        if (displayService.health().state !== 'ok') displayService.report({ state: 'ok' })
      })
      .catch((error: unknown) => {
        displayService.report({
          state: 'degraded',
          lastError: messageOf(error),
          ...(isStationError(error) ? { lastErrorCode: error.code } : {}),
        })
        // Keep trying: a resident may be standing in front of a blank screen.
        if (displayReady && !repaintTimer) {
          repaintTimer = clock.setTimeout(() => {
            repaintTimer = null
            paint()
          }, DISPLAY_RETRY_MS)
        }
      })
  }
  const displayService = new DeviceService({
    name: 'display',
    open: async () => {
      await display.start()
      displayReady = true
      paint()
    },
    close: async () => {
      displayReady = false
      if (repaintTimer) clock.clearTimeout(repaintTimer)
      repaintTimer = null
      await display.stop()
    },
    onHealth: onHealth('display'),
  })

  const keypad = new Mpr121Keypad(
    { bus: hardware.i2c, clock, log: log.child({ component: 'driver.keypad' }) },
    config.hardware.keypad,
  )
  keypad.onKey((key: KeyName) => bus.emit('key.pressed', { key }))
  const keypadService = new DeviceService({
    name: 'keypad',
    open: async (context) => {
      const off = keypad.onFault((error: unknown) => context.fail(error))
      context.signal.addEventListener('abort', off, { once: true })
      await keypad.start()
    },
    close: () => keypad.stop(),
    driverHealth: () => keypad.health(),
    onHealth: onHealth('keypad'),
  })

  let scanner: SerialQrScanner | null = null
  let scannerLink: SerialLink | null = null
  const scannerService = new DeviceService({
    name: 'scanner',
    open: async (context) => {
      const link = await hardware.openScannerLink()
      scannerLink = link
      const reader = new SerialQrScanner(link, { clock })
      reader.onScan((scan) => bus.emit('card.presented', { kind: scan.kind, text: scan.text }))
      reader.onGarbage((reason) => bus.emit('card.unreadable', { device: 'scanner', reason }))
      link.onClose((error) => {
        if (error) context.fail(error)
      })
      reader.start()
      scanner = reader
    },
    close: async () => {
      scanner?.stop()
      scanner = null
      await scannerLink?.close()
      scannerLink = null
    },
    onHealth: onHealth('scanner'),
  })

  let printerLink: SerialLink | null = null
  let driver: EscPosPrinter | null = null
  // The kiosk holds this facade; the driver underneath is replaced when the link is reopened.
  const printer: Printer = {
    print: (receipt) => {
      if (!driver) return Promise.reject(new StationError('E_DEVICE_ABSENT', 'printer is not connected'))
      return driver.print(receipt)
    },
    status: () => {
      if (!driver) return Promise.reject(new StationError('E_DEVICE_ABSENT', 'printer is not connected'))
      return driver.status()
    },
    onStatusChange: (listener) => {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
  }
  const statusListeners = new Set<(status: PrinterStatus) => void>()
  const printerService = new DeviceService({
    name: 'printer',
    open: async (context) => {
      const link = await hardware.openPrinterLink()
      printerLink = link
      const next = new EscPosPrinter({
        link,
        clock,
        profile: config.hardware.printer,
        statusTimeoutMs: config.hardware.printer.statusTimeoutMs,
      })
      next.onStatusChange((status) => {
        for (const listener of statusListeners) listener(status)
      })
      link.onClose((error) => {
        if (error) context.fail(error)
      })
      driver = next
      const status = await next.status()
      for (const listener of statusListeners) listener(status)
      next.startIdlePolling(PRINTER_IDLE_POLL_MS)
    },
    close: async () => {
      const current = driver
      driver = null
      await current?.stop()
      await printerLink?.close()
      printerLink = null
    },
    onHealth: onHealth('printer'),
  })
  printer.onStatusChange((status) => {
    if (status.paperOut || status.coverOpen || !status.online) {
      printerService.report({
        state: 'degraded',
        lastError: status.paperOut ? 'paper out' : status.coverOpen ? 'cover open' : 'offline',
        lastErrorCode: 'E_PRINTER_NOT_READY',
      })
    } else if (status.paperNearEnd) {
      printerService.report({ state: 'degraded', lastError: 'paper near end' })
    } else {
      printerService.report({ state: 'ok' })
    }
  })

  // The NFC reader reports card UIDs only; the kiosk treats them as a card without personal data.
  let nfcReader: Pn532Reader | null = null
  const nfcConfig = config.hardware.nfc
  const nfcService = nfcConfig.enabled
    ? new DeviceService({
        name: 'nfc',
        open: async (context) => {
          const transport = await hardware.openNfcTransport(clock)
          const reader = new Pn532Reader(
            { transport, clock, log: log.child({ component: 'driver.nfc' }) },
            { pollIntervalMs: nfcConfig.pollIntervalMs, holdMs: nfcConfig.holdMs },
          )
          reader.onCard((card) => bus.emit('card.presented', { kind: 'nfc', text: card.uid }))
          const off = reader.onFault((error) => context.fail(error))
          context.signal.addEventListener('abort', off, { once: true })
          await reader.start()
          nfcReader = reader
        },
        close: async () => {
          await nfcReader?.stop()
          nfcReader = null
        },
        driverHealth: () => nfcReader?.health(),
        onHealth: onHealth('nfc'),
      })
    : null

  return {
    services: [displayService, keypadService, scannerService, printerService, ...(nfcService ? [nfcService] : [])],
    showRows(rows) {
      wantedRows = rows
      bus.emit('display.changed', { rows })
      paint()
    },
    printer,
  }
}
