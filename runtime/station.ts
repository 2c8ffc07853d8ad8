import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config/schema.js'
import { EventBus } from './bus/event-bus.js'
import type { StationEvents } from './bus/events.js'
import type { Clock } from './core/clock.js'
import { StationError } from './core/errors.js'
import { centralCalls } from './central-calls.js'
import { ControlServer } from './control/control-server.js'
import { DeviceHealthWatch } from './device-health-watch.js'
import { MaintenanceMode } from './maintenance.js'
import { DeviceFaultEvents } from './device-fault-events.js'
import { stationDevices } from './devices/station-devices.js'
import { finishResidents } from './finish-residents.js'
import type { Hardware } from './hardware/hardware.js'
import type { SimRig } from './hardware/sim-rig.js'
import { BuzzerPolicy } from './indicators/buzzer-policy.js'
import { StatusLedPolicy } from './indicators/status-led-policy.js'
import { Kiosk } from './kiosk/kiosk.js'
import { stationAvailability } from './kiosk/station-availability.js'
import type { Logger } from './core/logger.js'
import { MqttLink } from './mqtt/mqtt-link.js'
import { OutboxDrain } from './mqtt/outbox-drain.js'
import { centralVerifier } from './ops/central-verifier.js'
import { stationCommandHandlers } from './ops/command-handlers.js'
import { CommandService } from './ops/command-service.js'
import { freeBytesOf, StorageWatch } from './state/storage-watch.js'
import { HeldEvents } from './held-events.js'
import { reportStorageFaults } from './storage-fault-events.js'
import { loadDesiredAtStart } from './ops/desired-config.js'
import { RemoteConfigService } from './ops/remote-config-service.js'
import { simControlHandlers } from './sim-control.js'
import { HardwareTests } from './technician/hardware-tests.js'
import type { LogRing } from './technician/log-ring.js'
import { StationActivity } from './technician/station-activity.js'
import { technicianControlHandlers } from './technician/technician-control.js'
import { tlsIdentityReader } from './technician/tls-identity.js'
import { openStationFlows } from './station-flows.js'
import { claimDataDir, loadStationTrust, openStationStorage } from './station-storage.js'
import { chipReader } from './chip/chip-reader-service.js'
import { loadChipTrust } from './chip/chip-trust.js'
import { outboxStorageReport, statusReport, type StatusReport } from './status-report.js'
import type { Service } from './supervisor/service.js'
import { TelemetryService } from './telemetry.js'
import { Supervisor } from './supervisor/supervisor.js'

export interface StationDeps {
  config: Config
  hardware: Hardware
  /** The simulated chips under a `--sim` station (openHardware's `sim`), for the `station sim` commands. */
  sim?: SimRig
  clock: Clock
  log: Logger
  version: string
  /** Broker to report to, or null to run offline with submissions kept in the outbox. */
  brokerUrl: string | null
  /** Broker password read from config.mqtt.passwordFile by the caller. */
  brokerPassword?: string
  /** Resident set size of the process, for telemetry (read by the composition root). */
  rssBytes?: () => number
  /** The last redacted log lines, fed by the logger (`station tui`'s log tail); absent: an empty tail. */
  logRing?: LogRing
}

/** Where the kernel reports the SoC temperature on a Raspberry Pi (millidegrees Celsius). */
const THERMAL_ZONE_PATH = '/sys/class/thermal/thermal_zone0/temp'
/** The Pi firmware's throttling register (hex, no 0x), decoded in telemetry by drivers/platform/pi-health.ts. */
const THROTTLED_PATH = '/sys/devices/platform/soc/soc:firmware/get_throttled'

export interface RunningStation {
  readonly socketPath: string
  status(): StatusReport
  /** Reads the flows folder again; new sessions use the result, running ones finish as they began. */
  reloadFlows(): Promise<{ flows: Array<{ id: string; version: number }>; errors: number }>
  /**
   * Before a stop (docs/deployment.md): serves nobody new, waits until the resident being served
   * is done, at most session.stopGraceS or until `cutShort` aborts, and shows the restarting
   * screen. `residentCutOff`: the wait ended with the resident still there.
   */
  finishResidents(cutShort?: AbortSignal): Promise<{ waitedMs: number; residentCutOff: boolean }>
  stop(): Promise<void>
}

/**
 * The composition root: claims the data dir and opens the storage (station-storage.ts) and the
 * flows (station-flows.ts), wires devices, kiosk, indicators (indicators/), outbox, MQTT and the
 * control socket, and starts them under the supervisor. Everything it opens, `stop()` closes in
 * reverse order.
 */
export async function startStation(deps: StationDeps): Promise<RunningStation> {
  const { hardware, clock, log } = deps
  const bootId = randomUUID()
  const startedAtMs = clock.now()
  // Operations' desired config, stored in the data dir, over the file config (docs/remote-config.md);
  // one that no longer validates over the file is reported and ignored, never a start failure.
  const startup = await loadDesiredAtStart(deps.config, new Date(clock.now()).toISOString())
  const config = startup.config
  if (config.log.level !== deps.config.log.level) log.level = config.log.level
  const socketPath = await claimDataDir(config)
  // Flows first: a missing or unreadable flows folder fails before any storage is opened.
  const stationFlows = await openStationFlows(config, log)
  const flowsChoice = stationFlows.choice
  const flowOptions = stationFlows.options
  const reloadFlows = async () => {
    const reloaded = await stationFlows.reload()
    bus.emit('station.event', { type: 'flows.reloaded', fields: { flows: reloaded.flows.length, errors: reloaded.errors } })
    return { flows: reloaded.flows.map((flow) => ({ id: flow.id, version: flow.version })), errors: reloaded.errors }
  }
  // Loaded before any storage opens, so an unreadable key file fails cleanly.
  const { centralKeys, opsTrustedKeys } = await loadStationTrust(config, deps.brokerUrl, log)
  const chipTrust = await loadChipTrust(config, deps.sim !== undefined, new Date(clock.now()), log)
  const { state, bootCount, outbox } = await openStationStorage(config, clock, log)

  const bus = new EventBus<StationEvents>(log.child({ component: 'runtime.bus' }))
  const devices = stationDevices({ config, hardware, clock, log, bus })
  // For the technician (`station tui`): counts of what happened, and the device tests that borrow
  // the keypad, the readers or the display from the kiosk for a moment.
  const activity = new StationActivity({ clock, bus })
  const printer = activity.countingPrinter(devices.printer)
  const tests = new HardwareTests({
    clock,
    paint: (rows) => devices.showRows(rows),
    cols: config.hardware.display.cols,
    rows: config.hardware.display.rows,
  })

  const link = deps.brokerUrl
    ? new MqttLink({
        url: deps.brokerUrl,
        stationId: config.station.id,
        topicPrefix: config.mqtt.topicPrefix,
        keepaliveS: config.mqtt.keepaliveS,
        reconnectMinMs: config.mqtt.reconnectMinMs,
        reconnectMaxMs: config.mqtt.reconnectMaxMs,
        reconnectSpreadMs: config.mqtt.reconnectSpreadMs,
        connectTimeoutMs: config.mqtt.connectTimeoutMs,
        ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
        ...(deps.brokerPassword ? { password: deps.brokerPassword } : {}),
        version: deps.version,
        bootId,
        // Grows at every start and survives restarts: central orders births and deaths by it (docs/mqtt.md).
        birthSeq: bootCount,
        ...(config.mqtt.urls && config.mqtt.urls.length > 0 ? { urls: config.mqtt.urls } : {}),
        ...(config.mqtt.tls ? { tls: config.mqtt.tls } : {}),
        flows: () => stationFlows.current().map((flow) => ({ id: flow.id, version: flow.version })),
        clock,
        log,
        verifier: centralVerifier({ stationId: config.station.id, trustedKeys: centralKeys, maxSkewS: config.ops.maxSkewS, clock }),
        onRefused: ({ kind, reason }) => bus.emit('station.event', { type: 'inbound.refused', fields: { kind, reason } }),
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
        ackTimeoutMs: config.central.ackTimeoutS * 1000,
        window: config.central.window,
        maxUnacknowledged: config.central.maxUnacknowledged,
      })
    : null

  const held = new HeldEvents({
    emit: (type, fields) => bus.emit('station.event', { type, fields }),
    isConnected: () => link?.isConnected ?? false,
  })
  reportStorageFaults({ state: state.recovery, outboxRecovery: outbox.recovery, outbox, held, log })
  const eventLog = log.child({ component: 'runtime.events' })
  bus.on('station.event', ({ type, fields }) => {
    eventLog.info({ event: type, ...fields }, 'event')
    link?.publishEvent(type, fields)
  })
  const faultEvents = new DeviceFaultEvents(bus)
  if (startup.ignored) {
    log.warn({ version: startup.ignored.version, reason: startup.ignored.reason, problems: startup.ignored.problems }, 'stored desired config ignored')
    bus.emit('station.event', { type: 'config.desired.ignored', fields: { version: startup.ignored.version ?? 0, reason: startup.ignored.reason } })
  }
  if (flowsChoice.fallback !== undefined) {
    bus.emit('station.event', { type: 'flows.bundle.fallback', fields: { version: flowsChoice.highestVersion } })
  }

  // Made once the supervisor runs; the kiosk's phase changes before that need no look.
  let healthWatch: DeviceHealthWatch | null = null
  const kiosk = new Kiosk({
    clock,
    log: log.child({ component: 'runtime.kiosk' }),
    showRows: (rows) => tests.kioskShows(rows),
    printer,
    outbox,
    central: centralCalls(link, { clock, event: (type, fields) => bus.emit('station.event', { type, fields }) }),
    flows: () => stationFlows.current(),
    event: (type, fields) => bus.emit('station.event', { type, fields }),
    phaseChanged: () => healthWatch?.queue(),
    isOnline: () => link?.isConnected ?? false,
    // Read when a resident picks a procedure: one the station cannot finish now is refused with the reason.
    available: () => stationAvailability(supervisor?.health() ?? {}, link?.isConnected ?? false),
    defaultLanguage: config.station.defaultLanguage,
    stationId: config.station.id,
    site: config.station.site,
    agency: config.station.agency,
    idleTimeoutMs: config.session.idleTimeoutS * 1000,
    endScreenMs: config.session.endScreenS * 1000,
    cols: config.hardware.display.cols,
    rows: config.hardware.display.rows,
    storeFailed: () => void storage.check(),
    ...(devices.nfc ? { readChip: chipReader(devices.nfc, chipTrust, clock) } : {}),
  })
  const storage = new StorageWatch({
    clock,
    freeBytes: () => freeBytesOf(config.dataDir),
    reserveBytes: config.storage.reserveBytes,
    outboxStorage: () => outbox.storage(),
    state,
    onChange: (now) => kiosk.setAccepting(now.state === 'ok'),
    event: (type, fields) => bus.emit('station.event', { type, fields }),
    log: log.child({ component: 'runtime.storage' }),
  })
  const maintenance = new MaintenanceMode({
    state,
    apply: (on) => {
      kiosk.setMaintenance(on)
      link?.setMaintenance(on)
    },
    event: (type, fields) => bus.emit('station.event', { type, fields }),
  })
  // Before anything starts: the retained status must not flap to 'online' after a restart in maintenance.
  maintenance.restore()
  bus.on('tamper.changed', ({ open }) => {
    maintenance.tamper(open).catch((error: unknown) => log.error({ err: error }, 'could not record the tamper change'))
  })
  // The indicators follow the bus: the buzzer its events, the LEDs the station's condition.
  const { buzzer, leds } = devices
  const buzzerPolicy = buzzer ? new BuzzerPolicy({ bus, beep: (name) => buzzer.beep(name), keyClick: config.hardware.buzzer.keyClick }) : null
  const ledPolicy = leds ? new StatusLedPolicy({ bus, show: (ledState) => leds.show(ledState) }) : null
  buzzerPolicy?.start()
  ledPolicy?.start()
  bus.on('key.pressed', ({ key }) => {
    if (!tests.takeKey(key)) kiosk.key(key)
  })
  // The resident's only input: while it is faulty or absent the welcome screen says so. Passing
  // states (starting, stopped during a restart) change nothing.
  bus.on('device.health', ({ device, health }) => {
    if (device !== 'keypad') return
    if (health.state === 'faulty' || health.state === 'absent') kiosk.setKeypadDown(true)
    else if (health.state === 'ok' || health.state === 'degraded') kiosk.setKeypadDown(false)
  })
  bus.on('card.presented', (card) => {
    if (!tests.takeCard(card)) kiosk.card(card)
  })
  bus.on('card.unreadable', ({ device, reason }) => {
    bus.emit('station.event', { type: 'card.unreadable', fields: { device, reason } })
    if (!tests.takeUnreadable(reason)) kiosk.unreadable()
  })
  if (link) activity.watchLink(link)
  link?.onStateChange(() => {
    kiosk.refresh()
    if (link.isConnected) {
      faultEvents.repeat()
      storage.repeat()
      held.connected()
    }
  })

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
      session: kiosk.view(),
      flows: stationFlows.current(),
      maintenance,
      outboxStorage: outboxStorageReport(outbox, storage.current, outbox.recovery.tornBytesDropped),
      ...(deps.sim ? { simBus: deps.sim.bus } : {}),
    })
  const control = new ControlServer(
    socketPath,
    {
      status: () => report(),
      'flows.reload': () => reloadFlows(),
      maintenance: async (args) => {
        if (typeof args.on !== 'boolean') throw new StationError('E_CONTROL_REQUEST', 'maintenance needs on: true or false', { reason: 'bad-args' })
        await maintenance.set(args.on, 'technician')
        return { on: maintenance.on, reason: maintenance.reason }
      },
      ...simControlHandlers({ sim: deps.sim, config, clock, bus, simIssuer: chipTrust.simIssuer }),
      ...technicianControlHandlers({
        clock,
        stationId: config.station.id,
        status: () => report(),
        deviceNames: () => devices.services.map((service) => service.name),
        activity,
        tests,
        logRing: deps.logRing,
        link,
        drain,
        printer,
        restartDevice: async (name) => {
          await supervisor?.restart(name)
          return supervisor?.health()[name]
        },
        ...(link && config.mqtt.tls?.certFile ? { tlsIdentity: tlsIdentityReader(config.mqtt.tls.certFile, () => clock.now()) } : {}),
      }),
    },
    log.child({ component: 'runtime.control' }),
    {
      group: config.control.group,
      mode: config.control.mode,
      idleTimeoutMs: config.control.idleTimeoutMs,
      maxConnections: config.control.maxConnections,
      clock,
    },
  )

  let kioskRunning = false
  const kioskService: Service = {
    name: 'kiosk',
    start: async () => {
      kiosk.start()
      if (maintenance.on) kiosk.setMaintenance(true)
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
          outboxStorage: () => outboxStorageReport(outbox, storage.current, outbox.recovery.tornBytesDropped),
          linkConnected: () => link.isConnected,
          linkBroker: () => link.broker,
          version: deps.version,
          startedAtMs,
          ...(config.hardware.simulated ? {} : { readThrottled: () => readFile(THROTTLED_PATH, 'utf8') }),
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
  // Signed commands from operations (docs/operations.md); after the kiosk, so a command never
  // meets a kiosk that is not running, and stopped before the link, so queued ones get an answer.
  const commands = link
    ? new CommandService({
        link,
        stationId: config.station.id,
        trustedKeys: opsTrustedKeys,
        maxSkewS: config.ops.maxSkewS,
        noncePath: join(config.dataDir, 'ops', 'nonces.json'),
        handlers: stationCommandHandlers({
          clock,
          stationId: config.station.id,
          status: () => report(),
          reloadFlows: () => reloadFlows(),
          maintenance,
          printer,
          deviceNames: () => devices.services.map((service) => service.name),
          restartDevice: async (name) => {
            await supervisor?.restart(name)
            return supervisor?.health()[name]
          },
          ...(drain ? { drainNow: () => drain.drainNow() } : {}),
          // config.set goes through desired config: the same validation, persistence and report.
          setConfig: async (partial) => {
            if (!remoteConfig) throw new StationError('E_CONTROL_REQUEST', 'no remote config without a broker', { reason: 'unsupported' })
            const outcome = await remoteConfig.setFromCommand(partial, 'cmd:config.set')
            if (!outcome.ok) throw new StationError('E_CONFIG_INVALID', outcome.problems.join('; '), { reason: outcome.reason })
            return outcome
          },
          configNeedsRestart: (partial) => remoteConfig?.needsRestart(partial) ?? true,
        }),
        residentPresent: () => kiosk.serving,
        event: (type, fields) => bus.emit('station.event', { type, fields }),
        clock,
        log,
      })
    : null
  const remoteConfig = link
    ? new RemoteConfigService({
        link,
        topics: link.topics,
        stationId: config.station.id,
        dataDir: config.dataDir,
        fileConfig: deps.config,
        startup,
        flows: flowsChoice,
        trustedKeys: opsTrustedKeys,
        flowOptions,
        betweenSessions: () => kiosk.phase === 'welcome' || kiosk.phase === 'maintenance',
        applyLive: (next) => {
          kiosk.setSettings({
            idleTimeoutMs: next.session.idleTimeoutS * 1000,
            endScreenMs: next.session.endScreenS * 1000,
            defaultLanguage: next.station.defaultLanguage,
            site: next.station.site,
            agency: next.station.agency,
          })
          telemetry?.setIntervalMs(next.mqtt.telemetryIntervalS * 1000)
          log.level = next.log.level
        },
        useFlows: async (dir) => {
          stationFlows.useDir(dir)
          const reloaded = await reloadFlows()
          if (reloaded.errors > 0) throw new StationError('E_FLOW_INVALID', `${reloaded.errors} flow errors in ${dir}`, { dir })
        },
        event: (type, fields) => bus.emit('station.event', { type, fields }),
        clock,
        log,
      })
    : null
  const services: Service[] = [
    ...devices.services,
    ...(link ? [link] : []),
    ...(remoteConfig ? [remoteConfig] : []),
    ...(drain ? [drain] : []),
    ...(telemetry ? [telemetry] : []),
    // Before the kiosk, so its first screen already says whether submissions are taken.
    storage,
    kioskService,
    ...(commands ? [commands] : []),
    control,
  ]
  supervisor = new Supervisor(services, {
    clock,
    log: log.child({ component: 'runtime.supervisor' }),
    onRetry: (name) => activity.countRetry(name),
  })
  await supervisor.start()
  // "Delivered today" for the technician, sampled when read and before each midnight, not every second.
  const stopDeliveredTracking = drain ? activity.trackDelivered(() => drain.delivered) : () => undefined
  // Drivers also change health on their own (a keypad whose polls start failing): the supervisor
  // passes each change on, so central hears of those too. Repeats are filtered where events are made.
  const watchedSupervisor = supervisor
  healthWatch = new DeviceHealthWatch({
    clock,
    devices: devices.services.map((device) => device.name),
    health: () => watchedSupervisor.health(),
    onChange: (listener) => watchedSupervisor.onHealthChange(listener),
    changed: (device, health) => bus.emit('device.health', { device, health }),
    // After each look, what the indicators show: runtime/indicators/status-led-policy.ts.
    looked: (anyFault) => bus.emit('station.condition', { anyFault, maintenance: maintenance.on, phase: kiosk.phase }),
  })
  healthWatch.start()
  ready = true
  log.info({ station: config.station.id, bootCount, socket: socketPath, broker: deps.brokerUrl !== null }, 'station ready')

  return {
    socketPath,
    status: report,
    reloadFlows,
    finishResidents: (cutShort) =>
      finishResidents({ kiosk, clock, log, graceS: config.session.stopGraceS, ...(cutShort ? { cutShort } : {}) }),
    async stop() {
      ready = false
      healthWatch?.stop()
      stopDeliveredTracking()
      tests.stop()
      await supervisor?.stop()
      // After the supervisor: what the kiosk says while it stops still sounds, as the buzzer runs until then.
      buzzerPolicy?.stop()
      ledPolicy?.stop()
      await outbox.close()
      await hardware.close()
      log.info('station stopped')
    },
  }
}
