/**
 * A whole simulated station talking to the reference central over a private mosquitto, for tests of
 * the bundled procedures that need central (pay-bill, track-dossier, book-exam). Everything runs
 * in-process except the broker; the test drives the station through its control socket as a
 * technician's `station sim` would, and reads the display and the printed paper the same way.
 */
import type { KeyObject } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import type { Config, KeyName, Language } from '../../config/schema.js'
import { systemClock } from '../../runtime/core/clock.js'
import { controlRequest } from '../../runtime/control/control-client.js'
import { openHardware } from '../../runtime/hardware/open-hardware.js'
import { generateKeyPairFiles, loadSigningKey } from '../../runtime/ops/trusted-keys.js'
import { createSilentLogger } from '../../runtime/log.js'
import { runReferenceCentral } from '../../runtime/central/run-central.js'
import type { ReferenceCentral } from '../../runtime/central/reference-responder.js'
import { startStation } from '../../runtime/station.js'
import type { StatusReport } from '../../runtime/status-report.js'
import type { Receipt } from '../../drivers/printer/receipt.js'
import type { Diagnostic } from '../../flows/engine/diagnostic.js'
import { FlowSession, type FlowResult } from '../../flows/engine/flow-session.js'
import type { FlowDefinition } from '../../flows/engine/flow-types.js'
import { parseFlow } from '../../flows/engine/flow-validate.js'
import { currentStep, keysToChoose } from '../../flows/engine/session-machine.js'
import type { Identity } from '../../flows/engine/identity.js'
import { CentralLedger } from '../../runtime/central/central-ledger.js'
import { loadCentralFixtures } from '../../runtime/central/central-fixtures.js'
import { SimClock } from '../../runtime/core/sim-clock.js'
import { startMosquitto, subscribeCollect, type Collector } from './mosquitto.js'
import { RecordingEffects } from './recording-effects.js'
import { ID_NUMBER, NAME, QR } from './sim-residents.js'
import { waitUntil } from './wait-until.js'
import { captureLog } from './capture-log.js'
import { testDir } from './test-dir.js'

/** The rig station's site and agency (config `station.site`, `station.agency`), synthetic, printed at the head of every receipt. */
export const RIG_SITE = 'Trạm DVC - 5 Đường Thử, Quận 9'
export const RIG_AGENCY = 'UBND Phường Thử Nghiệm'

/** The part of a tap Test the rig uses. */
export type RigTest = Pick<Test, 'testdir' | 'teardown' | 'saveFixture'>

export interface ProcedureRigOptions {
  /** The reference central pays a looked-up unpaid bill this long after the lookup; absent: never. */
  autoPayAfterMs?: number
  /** The central receives but answers nothing, as a hung central. Can be changed later with `central.setSilent`. */
  silent?: boolean
  /** Changes the station's config before it starts (another flows folder, an NFC reader …). */
  configure?: (config: Config) => void
  /** Central answers as if it were this time (ms since the epoch) when the rig starts, running on in real time; default now. */
  centralNowMs?: number
}

/** The paper of the last receipt (rendered lines; a QR shows as `[QR] data`) and how many were printed. */
export interface PrintedPaper {
  lines: string[] | null
  count: number
}

export interface ProcedureRig {
  readonly stationId: string
  /** The private broker, for tests that publish as someone else (a forger). */
  readonly brokerUrl: string
  /** The reference central, for its requests, submissions and payBill. */
  readonly central: ReferenceCentral
  /** The reference central's signing key (the station trusts it), for tests that sign as central. */
  readonly centralKey: KeyObject
  /** Every submission published on `cs/v1/+/submissions`. */
  readonly submissions: Collector
  /** Log lines of the station, parsed, to look for events and for personal data. */
  readonly logLines: Array<Record<string, unknown>>
  press(...keys: KeyName[]): Promise<void>
  /** Presents a CCCD QR (default: the synthetic resident of sim-residents.ts). */
  card(qr?: string): Promise<void>
  /** The four display rows joined with newlines (ASCII-folded, as the HD44780 shows them). */
  screen(): Promise<string>
  /**
   * Resolves with the display text once it matches `pattern`, as shown (rows joined by newlines) or
   * flattened (rows trimmed and joined by one space, so a sentence wrapped over rows matches); rejects
   * after `timeoutMs` (default 5000).
   */
  waitForScreen(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Resolves once `check` holds; rejects after `timeoutMs` (default 5000). */
  waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>
  receipt(): Promise<PrintedPaper>
  /** Any control command, as `station sim …` sends it. */
  request(cmd: string, args?: Record<string, unknown>): Promise<unknown>
  status(): Promise<StatusReport>
  /**
   * From the welcome screen to the flow's first step after scan_id, identified by the synthetic
   * resident: in vi a card at the welcome screen opens the menu (default language); in en key 2 picks
   * English, then the procedure, then the card at its scan_id step. Resolves once the flow has left
   * its first step, which must be a scan_id step named `identify`. The menu key is the flow's place
   * in `status().flows` (the menu order). `qr`: another resident's card (default sim-residents.ts's).
   */
  openProcedure(flowId: string, language: Language, qr?: string): Promise<void>
  /**
   * On the menu or a choose step: turns its pages (key 0) until option `key` is on the page showing,
   * then presses it (a number on another page picks nothing; docs/flows.md, "The panel").
   */
  choose(key: KeyName): Promise<void>
  /** Stops the station, the central, the collector and the broker, in that order. Idempotent. */
  teardown(): Promise<void>
}

const FLOWS_DIR = fileURLToPath(new URL('../../flows', import.meta.url))
const STATION_ID = 'lobby-test'
const PREFIX = 'cs/v1'
/** The QR scanner's default hold (2000 ms) plus a margin. */
const SCANNER_HOLD_MS = 2200

/** The display rows as one line: a text the display wrapped reads as written. */
function flatten(text: string): string {
  return text
    .split('\n')
    .map((row) => row.trim())
    .filter((row) => row !== '')
    .join(' ')
}

/** Starts broker, central and station; all are stopped in the test's teardown (or by `teardown()`). */
export async function startProcedureRig(t: RigTest, options: ProcedureRigOptions = {}): Promise<ProcedureRig> {
  // The broker's own teardown is collected here so it runs last, after the clients have left.
  const brokerTeardowns: Array<() => unknown> = []
  const broker = await startMosquitto({ teardown: (fn) => brokerTeardowns.push(fn) })
  const stops: Array<() => Promise<unknown>> = []
  let tornDown: Promise<void> | undefined
  const teardown = (): Promise<void> => {
    tornDown ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {})
      for (const fn of brokerTeardowns) await fn()
    })()
    return tornDown
  }
  t.teardown(teardown)

  const submissions = await subscribeCollect(broker.url, `${PREFIX}/+/submissions`)
  stops.push(() => submissions.close())
  const dir = testDir(t, {})
  await mkdir(join(dir, 'keys'))
  const centralKeyFiles = await generateKeyPairFiles(join(dir, 'keys'), 'central')
  const centralKey = await loadSigningKey(centralKeyFiles.privatePath)
  const central = await runReferenceCentral({
    url: broker.url,
    prefix: PREFIX,
    signingKey: centralKey,
    log: createSilentLogger(),
    ...(options.autoPayAfterMs === undefined ? {} : { autoPayAfterMs: options.autoPayAfterMs }),
    ...(options.centralNowMs === undefined ? {} : { answerNowMs: shiftedNow(options.centralNowMs - Date.now()) }),
  })
  stops.push(() => central.stop())
  if (options.silent === true) central.setSilent(true)

  const config = defaultConfig(join(dir, 'data'), FLOWS_DIR)
  config.central.trustedKeys = [centralKeyFiles.publicPath]
  config.station.id = STATION_ID
  config.station.site = RIG_SITE
  config.station.agency = RIG_AGENCY
  config.mqtt.topicPrefix = PREFIX
  config.session.endScreenS = 1
  options.configure?.(config)
  const { hardware, sim } = await openHardware({ ...config.hardware, simulated: true })
  const { log, lines: logLines } = captureLog('info')
  const station = await startStation({ config, hardware, ...(sim ? { sim } : {}), clock: systemClock, log, version: '0.0.0-test', brokerUrl: broker.url })
  stops.push(() => station.stop())

  let lastCard: { text: string; atMs: number } | undefined
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(station.socketPath, cmd, args)
  const rig: ProcedureRig = {
    stationId: STATION_ID,
    brokerUrl: broker.url,
    central,
    centralKey,
    submissions,
    logLines,
    request,
    async press(...keys) {
      for (const key of keys) await request('sim.press', { key })
    },
    async card(qr = QR) {
      // The scanner ignores the same code again within its hold time (2 s, drivers/scanner/qr-scanner.ts),
      // as a card held in front of it: a second resident with the same card waits it out.
      const sinceMs = Date.now() - (lastCard?.text === qr ? lastCard.atMs : 0)
      if (sinceMs < SCANNER_HOLD_MS) await new Promise((resolve) => setTimeout(resolve, SCANNER_HOLD_MS - sinceMs))
      await request('sim.card', { kind: 'cccd', text: qr })
      lastCard = { text: qr, atMs: Date.now() }
    },
    async screen() {
      const screen = (await request('sim.screen')) as { rows: string[] }
      return screen.rows.join('\n')
    },
    async waitFor(what, check, timeoutMs) {
      await waitUntil(what, check, timeoutMs)
    },
    async waitForScreen(pattern, timeoutMs = 5000) {
      let text = ''
      try {
        await rig.waitFor(
          `${pattern} on the display`,
          async () => {
            text = await rig.screen()
            return pattern.test(text) || pattern.test(flatten(text))
          },
          timeoutMs,
        )
      } catch {
        throw new Error(`timed out waiting for ${pattern} on the display (last: ${JSON.stringify(text)})`)
      }
      return text
    },
    receipt: async () => (await request('sim.receipt')) as PrintedPaper,
    status: async () => (await request('status')) as StatusReport,
    async openProcedure(flowId, language, qr) {
      await rig.waitFor('the link to central', async () => (await rig.status()).link.connected)
      await rig.waitForScreen(/Xin chao/)
      const flows = (await rig.status()).flows
      const index = flows.findIndex((flow) => flow.id === flowId)
      if (index < 0 || index > 8) throw new Error(`${flowId} is not on the menu (${flows.map((flow) => flow.id).join(', ')})`)
      const menuKey = String(index + 1) as KeyName
      if (language === 'vi') {
        await rig.card(qr)
        await rig.waitForScreen(/Chon dich vu/)
        await rig.choose(menuKey)
      } else {
        await rig.press('2')
        await rig.waitForScreen(/Services/)
        await rig.choose(menuKey)
        await rig.waitFor(`${flowId} to start`, async () => (await rig.status()).step?.flow === flowId)
        await rig.card(qr)
      }
      await rig.waitFor(`${flowId} past its scan_id step`, async () => {
        const step = (await rig.status()).step
        return step?.flow === flowId && step.step !== null && step.step !== 'identify'
      })
    },
    async choose(key) {
      const onPage = new RegExp(`^${key} `, 'm')
      for (let turns = 0; turns < 9 && !onPage.test(await rig.screen()); turns++) {
        const before = await rig.screen()
        await rig.press('0')
        await rig.waitFor('the next menu page', async () => (await rig.screen()) !== before)
      }
      await rig.press(key)
    },
    teardown,
  }
  return rig
}

/** The system time shifted by `offsetMs`: a central that answers as on another day. */
function shiftedNow(offsetMs: number): () => number {
  return () => Date.now() + offsetMs
}

/** Synthetic identity of sim-residents.ts as the scanner decodes it (not a real person). */
export const RESIDENT: Identity = {
  source: 'cccd_qr',
  personalId: ID_NUMBER,
  name: NAME,
  birthDate: '15082003',
  sex: 'male',
  address: '12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh',
}

export interface ProcedureSession {
  session: FlowSession
  effects: RecordingEffects
  clock: SimClock
  /** The reference central's memory; `requestWith` answers from it unless the test replaces it. */
  ledger: CentralLedger
  results: FlowResult[]
  press(...keys: KeyName[]): void
  /** At a choose step: key 0 until option `n` (1-based) is on the page showing, then its number. */
  choose(n: number): void
  /** Presses each digit of `digits`. */
  type(digits: string): void
  /** Lets pending promise callbacks (effects) run. */
  settle(): Promise<void>
}

/** Loads a bundled flow (by id, from flows/) and fails the test's setup if it has any diagnostic. */
export async function loadBundledFlow(flowId: string): Promise<{ flow: FlowDefinition; diagnostics: Diagnostic[] }> {
  const file = join(FLOWS_DIR, `${flowId}.yaml`)
  const result = parseFlow(await readFile(file, 'utf8'), file, {
    capabilities: { identitySources: ['cccd_qr', 'mrz'] },
  })
  if (!result.flow) throw new Error(`${flowId}.yaml did not load: ${JSON.stringify(result.diagnostics)}`)
  return { flow: result.flow, diagnostics: result.diagnostics }
}

/**
 * The bundled flow `flowId` for a procedure's test file: loaded once before its tests, and checked
 * first as every procedure is (no diagnostics, the expected version, the resident identifies first).
 * Returns the loaded flow for the tests that follow.
 */
export function bundledFlowUnderTest(t: Test, flowId: string, version: number): () => FlowDefinition {
  let flow: FlowDefinition | undefined
  t.before(async () => {
    flow = (await loadBundledFlow(flowId)).flow
  })
  t.test('the bundled flow validates with no diagnostics and starts by identifying the resident', async (t) => {
    const loaded = await loadBundledFlow(flowId)
    t.strictSame(loaded.diagnostics, [])
    t.equal(loaded.flow.id, flowId)
    t.equal(loaded.flow.version, version)
    t.equal(loaded.flow.steps.get(loaded.flow.start)?.kind, 'scan_id')
  })
  return () => {
    if (!flow) throw new Error(`${flowId}.yaml did not load`)
    return flow
  }
}

/**
 * One FlowSession of `flow` on a SimClock (2026-01-20 14:05 in Vietnam) with RecordingEffects whose
 * requests the reference central's ledger answers at once. Started, with the resident's identity
 * already presented (as after a card at the welcome screen).
 */
export async function startProcedureSession(flow: FlowDefinition, language: Language): Promise<ProcedureSession> {
  const clock = new SimClock(Date.UTC(2026, 0, 20, 7, 5))
  const effects = new RecordingEffects('6f1c2d3e')
  const ledger = new CentralLedger(await loadCentralFixtures())
  effects.requestWith = async (call) => ledger.answer(call.name, call.fields, clock.now())
  const session = new FlowSession({ flow, language, effects, clock, identity: RESIDENT, stationId: STATION_ID })
  const results: FlowResult[] = []
  session.onEnd((result) => results.push(result))
  const press = (...keys: KeyName[]) => keys.forEach((key) => session.key(key))
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  session.start()
  await settle()
  const choose = (n: number) => {
    const step = currentStep(flow, session.state)
    if (step?.kind !== 'choose') throw new Error(`not at a choose step (at ${session.currentStepId})`)
    press(...keysToChoose(step, session.state, clock.now(), n - 1))
  }
  return { session, effects, clock, ledger, results, press, choose, type: (digits) => press(...(Array.from(digits) as KeyName[])), settle }
}

/** The texts of a receipt's text lines, in order. */
export function receiptTexts(receipt: Receipt | undefined): string[] {
  return (receipt?.lines ?? []).flatMap((line) => (line.kind === 'text' ? [line.text] : []))
}

/** The data of a receipt's QR lines, in order. */
export function receiptQrs(receipt: Receipt | undefined): string[] {
  return (receipt?.lines ?? []).flatMap((line) => (line.kind === 'qr' ? [line.data] : []))
}
