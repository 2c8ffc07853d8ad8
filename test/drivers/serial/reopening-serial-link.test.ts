import t, { type Test } from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import {
  ReopeningSerialLink,
  type ReopeningLinkState,
  type ReopeningSerialLinkOptions,
} from '../../../drivers/serial/reopening-serial-link.js'
import type { SerialLink } from '../../../drivers/serial/serial-link.js'
import { openSerialportLink } from '../../../drivers/serial/serialport-link.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { createPtyPair } from '../../support/socat.js'

const PATH = '/dev/ttyACM0'

/** A device that can be unplugged and replugged: each successful open is a fresh SimSerialLink pair. */
function replugRig(t: Test, options: Partial<ReopeningSerialLinkOptions> = {}) {
  const clock = new SimClock(0)
  const devices: SimSerialLink[] = []
  const hosts: SimSerialLink[] = []
  const openedAtMs: number[] = []
  let failuresLeft = 0
  const link = new ReopeningSerialLink({
    path: PATH,
    clock,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
    random: () => 1,
    async open() {
      openedAtMs.push(clock.now())
      if (failuresLeft > 0) {
        failuresLeft--
        throw new StationError('E_DEVICE_ABSENT', `serial device ${PATH} does not exist`, { path: PATH })
      }
      const { host, device } = SimSerialLink.pair(PATH)
      devices.push(device)
      hosts.push(host)
      return host
    },
    ...options,
  })
  const states: Array<[ReopeningLinkState, string | undefined]> = []
  link.onStateChange((state, error) => states.push([state, error instanceof StationError ? error.code : error?.message]))
  const received: number[] = []
  link.onData((chunk) => received.push(...chunk))
  t.teardown(() => link.close())
  return {
    clock,
    link,
    devices,
    hosts,
    openedAtMs,
    states,
    received,
    failNextOpens(count: number) {
      failuresLeft = count
    },
    lastDevice(): SimSerialLink {
      const device = devices.at(-1)
      if (!device) throw new Error('no device opened yet')
      return device
    },
  }
}

t.test('reopens after an unplug once the backoff has passed, and data flows through the new link', async (t) => {
  const rig = replugRig(t)
  await rig.link.open()
  t.equal(rig.link.isOpen, true)
  t.strictSame(rig.states, [['open', undefined]])

  rig.lastDevice().unplug()
  t.strictSame(rig.states.at(-1), ['reopening', 'E_SERIAL_IO'])
  t.equal(rig.link.isOpen, false)
  await t.rejects(rig.link.write(Uint8Array.of(1)), { code: 'E_SERIAL_IO' }, 'writes reject while the device is away')

  await rig.clock.advanceAsync(99)
  t.equal(rig.openedAtMs.length, 1, 'no reopen before minBackoffMs')
  await rig.clock.advanceAsync(1)
  t.strictSame(rig.openedAtMs, [0, 100])
  t.strictSame(rig.states.at(-1), ['open', undefined])

  await rig.lastDevice().write(Uint8Array.of(0x41, 0x0d))
  t.strictSame(rig.received, [0x41, 0x0d], 'data listeners survive the reopen')
  const atDevice: number[] = []
  rig.lastDevice().onData((chunk) => atDevice.push(...chunk))
  await rig.link.write(Uint8Array.of(0x16))
  t.strictSame(atDevice, [0x16], 'writes go to the new link')
})

t.test('backs off exponentially while reopening fails, reporting each failure', async (t) => {
  const rig = replugRig(t, { minBackoffMs: 100, maxBackoffMs: 250, random: () => 1 })
  await rig.link.open()
  rig.failNextOpens(3)
  rig.lastDevice().unplug()
  await rig.clock.advanceAsync(2000, 10)
  // Delays 100, 200, then capped at 250 (runtime/core/backoff.ts with random() = 1).
  t.strictSame(rig.openedAtMs, [0, 100, 300, 550, 800])
  t.strictSame(rig.states, [
    ['open', undefined],
    ['reopening', 'E_SERIAL_IO'],
    ['reopening', 'E_DEVICE_ABSENT'],
    ['reopening', 'E_DEVICE_ABSENT'],
    ['reopening', 'E_DEVICE_ABSENT'],
    ['open', undefined],
  ])
  const unpluggedAtMs = rig.clock.now()
  rig.lastDevice().unplug()
  await rig.clock.advanceAsync(100, 10)
  t.strictSame(rig.openedAtMs.at(-1), unpluggedAtMs + 100, 'a successful open resets the backoff')
})

t.test('jitters the delay with the injected random, never below half of minBackoffMs', async (t) => {
  const rig = replugRig(t, { minBackoffMs: 100, maxBackoffMs: 10_000, random: () => 0.25 })
  await rig.link.open()
  rig.failNextOpens(2)
  rig.lastDevice().unplug()
  await rig.clock.advanceAsync(1000, 5)
  // 0.25 × 100 = 25 → clamped to 50; 0.25 × 200 = 50; 0.25 × 400 = 100.
  t.strictSame(rig.openedAtMs, [0, 50, 100, 200])
})

t.test('close stops reopening, fires onClose once without an error and leaves no timers', async (t) => {
  const rig = replugRig(t)
  await rig.link.open()
  const closeErrors: Array<Error | undefined> = []
  rig.link.onClose((error) => closeErrors.push(error))
  rig.lastDevice().unplug()
  await rig.link.close()
  await rig.link.close()
  t.equal(rig.clock.pendingTimers, 0)
  await rig.clock.advanceAsync(10_000, 100)
  t.strictSame(rig.openedAtMs, [0], 'no reopen after close')
  t.strictSame(closeErrors, [undefined])
  t.equal(rig.link.state, 'closed')
  await t.rejects(rig.link.write(Uint8Array.of(1)), { code: 'E_SERIAL_IO' })
  await t.rejects(rig.link.open(), { code: 'E_SERIAL_IO' }, 'a closed link stays closed')
})

t.test('close while the device is open closes the underlying link', async (t) => {
  const rig = replugRig(t)
  await rig.link.open()
  await rig.link.close()
  t.equal(rig.hosts[0]?.isOpen, false)
  t.strictSame(rig.states, [
    ['open', undefined],
    ['closed', undefined],
  ])
})

t.test('a first open that fails rejects and leaves the link closed, without retrying', async (t) => {
  const rig = replugRig(t)
  rig.failNextOpens(1)
  await t.rejects(rig.link.open(), { code: 'E_DEVICE_ABSENT' })
  t.equal(rig.link.state, 'closed')
  t.equal(rig.clock.pendingTimers, 0)
  await rig.link.open()
  t.equal(rig.link.state, 'open', 'the caller may try again')
})

t.test('a link that finishes opening after close is closed at once', async (t) => {
  const clock = new SimClock(0)
  let resolveOpen: ((link: SerialLink) => void) | undefined
  let opens = 0
  const first = SimSerialLink.pair(PATH)
  const late = SimSerialLink.pair(PATH)
  const link = new ReopeningSerialLink({
    path: PATH,
    clock,
    random: () => 1,
    open: () => {
      opens++
      if (opens === 1) return Promise.resolve(first.host)
      return new Promise((resolve) => (resolveOpen = resolve))
    },
  })
  await link.open()
  first.device.unplug()
  await clock.advanceAsync(10_000, 100)
  t.equal(opens, 2)
  await link.close()
  resolveOpen?.(late.host)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(late.host.isOpen, false)
  t.equal(link.state, 'closed')
})

t.test('a clean close of the underlying link ends this link without reopening', async (t) => {
  const rig = replugRig(t)
  const host = SimSerialLink.pair(PATH).host
  const link = new ReopeningSerialLink({ path: PATH, clock: rig.clock, open: async () => host })
  const closeErrors: Array<Error | undefined> = []
  link.onClose((error) => closeErrors.push(error))
  await link.open()
  await host.close()
  t.equal(link.state, 'closed')
  t.strictSame(closeErrors, [undefined])
  t.equal(rig.clock.pendingTimers, 0)
})

function nextState(link: ReopeningSerialLink, wanted: ReopeningLinkState, timeoutMs = 3000): Promise<Error | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`link did not become ${wanted} (is ${link.state})`)), timeoutMs)
    const unsubscribe = link.onStateChange((state, error) => {
      if (state !== wanted) return
      clearTimeout(timer)
      unsubscribe()
      resolve(error)
    })
  })
}

function nextChunk(link: SerialLink, timeoutMs = 2000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no data')), timeoutMs)
    const unsubscribe = link.onData((chunk) => {
      clearTimeout(timer)
      unsubscribe()
      resolve(Uint8Array.from(chunk))
    })
  })
}

t.test('over a real pty: reopens after socat is killed and restarted, and data flows again', async (t) => {
  const pty = await createPtyPair(t)
  const farEnd = await openSerialportLink({ path: pty.pathB, baudRate: 9600 })
  t.teardown(() => farEnd.close())
  const link = new ReopeningSerialLink({
    path: pty.pathA,
    clock: systemClock,
    minBackoffMs: 20,
    maxBackoffMs: 100,
    open: () => openSerialportLink({ path: pty.pathA, baudRate: 9600 }),
  })
  t.teardown(() => link.close())
  await link.open()
  const failures: string[] = []
  let onFailure = () => {}
  link.onStateChange((state, error) => {
    if (state !== 'reopening' || !(error instanceof StationError)) return
    failures.push(error.code)
    onFailure()
  })
  // Resolves once the unplug and two failed reopen attempts (the pty is gone) have been reported.
  const failedTwice = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${failures.length} failures reported`)), 3000)
    onFailure = () => {
      if (failures.length < 3) return
      clearTimeout(timer)
      resolve()
    }
  })

  await pty.kill()
  await failedTwice
  t.strictSame(failures.slice(0, 3), ['E_SERIAL_IO', 'E_DEVICE_ABSENT', 'E_DEVICE_ABSENT'], 'unplug, then the missing device')
  t.equal(farEnd.isOpen, false)
  t.equal(link.isOpen, false)

  const reopened = nextState(link, 'open')
  await pty.restart()
  await reopened
  const newFarEnd = await openSerialportLink({ path: pty.pathB, baudRate: 9600 })
  t.teardown(() => newFarEnd.close())
  const atLink = nextChunk(link)
  await newFarEnd.write(Uint8Array.of(0x52, 0x0d, 0x0a))
  t.strictSame(await atLink, Uint8Array.of(0x52, 0x0d, 0x0a), 'far end to link')
  const atFarEnd = nextChunk(newFarEnd)
  await link.write(Uint8Array.of(0x06))
  t.strictSame(await atFarEnd, Uint8Array.of(0x06), 'link to far end')
})

t.test('open while reopening tries at once and keeps a single link', async (t) => {
  const rig = replugRig(t)
  await rig.link.open()
  rig.lastDevice().unplug()
  rig.failNextOpens(1)
  await t.rejects(rig.link.open(), { code: 'E_DEVICE_ABSENT' })
  t.equal(rig.link.state, 'reopening', 'a failed early attempt keeps the reopen going')
  await rig.link.open()
  t.equal(rig.link.state, 'open')
  t.equal(rig.clock.pendingTimers, 0, 'the scheduled retry was cancelled')
  await rig.clock.advanceAsync(5000, 100)
  t.equal(rig.hosts.length, 2, 'no second link was opened behind it')
})
