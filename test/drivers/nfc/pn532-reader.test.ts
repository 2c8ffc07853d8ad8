import t from 'tap'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { Pn532HsuTransport } from '../../../drivers/nfc/pn532-hsu-transport.js'
import { Pn532I2cTransport } from '../../../drivers/nfc/pn532-i2c-transport.js'
import { Pn532Reader, type NfcCard, type Pn532ReaderConfig } from '../../../drivers/nfc/pn532-reader.js'
import type { Pn532Transport } from '../../../drivers/nfc/pn532-transport.js'
import { SimPn532, SimPn532Hsu, SimPn532I2c, type Pn532Fault, type SimPn532Options } from '../../../drivers/nfc/sim-pn532.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import type { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { driveClockThroughIo as drive } from '../../support/drive-clock.js'
import { captureLog } from '../../support/capture-log.js'

const ADDRESS = 0x24
const POLL_MS = 50
const HOLD_MS = 1000
const MIFARE = { uid: 'DE AD BE EF' }

type Interface = 'i2c' | 'hsu'

interface RigOptions {
  via?: Interface
  config?: Partial<Pn532ReaderConfig>
  chip?: SimPn532Options
  /** HSU only: the chip's response comes this long after its ACK. */
  responseDelayMs?: number
  /** No chip at the far end. */
  absent?: boolean
}

/**
 * SimClock; a SimPn532 behind SimI2cBus + SimPn532I2c, or behind a SimSerialLink pair + SimPn532Hsu;
 * the real transport and the real Pn532Reader, recording cards, faults and log lines.
 */
function rig(options: RigOptions = {}) {
  const clock = new SimClock(0)
  const chip = new SimPn532(options.chip)
  const bus = new SimI2cBus()
  let transport: Pn532Transport
  if (options.via === 'hsu') {
    const { host, device } = SimSerialLink.pair('/dev/serial0')
    if (!options.absent) new SimPn532Hsu(chip, device, { clock, responseDelayMs: options.responseDelayMs ?? 0 })
    transport = new Pn532HsuTransport(host, { clock })
  } else {
    if (!options.absent) bus.attach(ADDRESS, new SimPn532I2c(chip, { busyReads: 1 }))
    transport = new Pn532I2cTransport(bus, { clock })
  }
  const { log, lines: logLines } = captureLog()
  const reader = new Pn532Reader(
    { transport, clock, log },
    { pollIntervalMs: POLL_MS, holdMs: HOLD_MS, maxConsecutiveFailures: 3, commandTimeoutMs: 200, ...options.config },
  )
  const cards: NfcCard[] = []
  const faults: StationError[] = []
  reader.onCard((card) => cards.push(card))
  reader.onFault((error) => faults.push(error))
  /** Lets `ms` of polling happen. */
  const wait = (ms: number) => clock.advanceAsync(ms, 1)
  const start = () => drive(clock, reader.start())
  const names = () => chip.commands.map(({ name }) => name)
  return { clock, chip, bus, transport, reader, cards, faults, logLines, wait, start, names }
}

for (const via of ['i2c', 'hsu'] as const) {
  t.test(`${via}: readCard pauses polling, activates the card afresh and passes APDUs; no ISO 14443-4 card is card_lost`, async (t) => {
    const { chip, clock, reader, start, wait, names } = rig({ via })
    await start()
    const apdus: string[] = []
    chip.presentCard({ uid: '08 12 34 56', sak: '20', ats: '05 78 80 70 02', apdu: (apdu) => (apdus.push(Buffer.from(apdu).toString('hex')), Uint8Array.of(0x90, 0x00)) })
    await wait(2 * POLL_MS)
    const before = names().length
    const answer = await drive(
      clock,
      reader.readCard(async (transceive) => {
        const first = await transceive(Uint8Array.of(0x00, 0xa4, 0x02, 0x0c, 0x02, 0x01, 0x1c))
        // Polls due meanwhile wait: nothing but this conversation reaches the chip.
        await clock.advanceAsync(3 * POLL_MS, 1)
        await transceive(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x04))
        return first
      }, { timeoutMs: 200 }),
    )
    t.strictSame([...answer], [0x90, 0x00])
    t.strictSame(apdus, ['00a4020c02011c', '00b0000004'])
    t.strictSame(names().slice(before), ['InListPassiveTarget', 'InDataExchange', 'InDataExchange'], 'no poll in between')
    await wait(2 * POLL_MS)
    t.equal(names().at(-1), 'InListPassiveTarget', 'polling resumes')
    chip.presentCard(MIFARE)
    const error = await drive(clock, reader.readCard(async () => 'never', { timeoutMs: 200 }).catch((caught: unknown) => caught))
    t.match(error, { code: 'E_DEVICE_PROTOCOL', context: { reason: 'card_lost' } })
  })

  t.test(`${via}: start leaves LowVbat, checks the firmware and sets MxRtyPassiveActivation small`, async (t) => {
    const { chip, reader, start, names } = rig({ via })
    await start()
    t.strictSame(names(), ['SAMConfiguration', 'GetFirmwareVersion', 'RFConfiguration'])
    t.notOk(chip.lowVbat)
    t.equal(chip.passiveActivationRetries, 2)
    t.match(reader.health(), { state: 'ok', detail: { consecutiveFailures: 0, firmware: '1.6' } })
  })

  t.test(`${via}: a card on the reader counts once per hold, and again after the hold`, async (t) => {
    const { chip, cards, start, wait, names } = rig({ via })
    await start()
    await wait(3 * POLL_MS)
    t.strictSame(cards, [], 'no card, no event; polls answer "no target"')
    t.ok(names().filter((name) => name === 'InListPassiveTarget').length >= 2)
    chip.presentCard(MIFARE)
    await wait(POLL_MS + 10)
    t.strictSame(cards, [{ uid: 'DEADBEEF', randomUid: false, apdus: false }])
    await wait(3 * HOLD_MS)
    t.equal(cards.length, 1, 'left on the reader: still one read')
    chip.removeCard()
    await wait(HOLD_MS / 2)
    chip.presentCard(MIFARE)
    await wait(2 * POLL_MS)
    t.equal(cards.length, 1, 'lifted and put back within the hold: the same read')
    chip.removeCard()
    await wait(HOLD_MS + POLL_MS)
    chip.presentCard(MIFARE)
    await wait(2 * POLL_MS)
    t.equal(cards.length, 2, 'presented again after the hold')
  })

  t.test(`${via}: a random UID is flagged, and a new random UID while held is the same card`, async (t) => {
    const { chip, cards, start, wait } = rig({ via })
    await start()
    chip.presentCard({ uid: '08 12 34 56', sak: '20', ats: '05 78 80 70 02' })
    await wait(2 * POLL_MS)
    chip.presentCard({ uid: '08 AB CD EF', sak: '20', ats: '05 78 80 70 02' })
    await wait(2 * POLL_MS)
    t.strictSame(cards, [{ uid: '08123456', randomUid: true, apdus: true }])
    chip.presentCard({ uid: '04 A2 24 E2 C8 5A 80', atqa: '00 44', sak: '00' })
    await wait(2 * POLL_MS)
    t.strictSame(cards.at(-1), { uid: '04A224E2C85A80', randomUid: false, apdus: false }, 'another card is a new read at once')
  })

  t.test(`${via}: a random-UID chip lifted for two polls and put down again within the hold is a new read; one missed poll is not`, async (t) => {
    const { chip, cards, start, wait } = rig({ via })
    await start()
    const chipCard = { uid: '08 12 34 56', sak: '20', ats: '05 78 80 70 02' }
    chip.presentCard(chipCard)
    await wait(2 * POLL_MS)
    t.equal(cards.length, 1)
    chip.removeCard()
    await wait(2 * POLL_MS + 10)
    chip.presentCard({ ...chipCard, uid: '08 9A BC DE' })
    await wait(2 * POLL_MS)
    t.equal(cards.length, 2, 'lifted and put down again (a retry, or the next resident): read again, well within the hold')
    t.ok(2 * POLL_MS + 10 < HOLD_MS, 'the gap was shorter than the hold')
    // Fixed UIDs keep their hold: the same card lifted and put back is the same read (the test above).
    chip.removeCard()
    await wait(POLL_MS - 10)
    chip.presentCard(chipCard)
    await wait(3 * POLL_MS)
    t.equal(cards.length, 2, 'gone for one poll only: the same presentation')
  })

  for (const fault of ['nack', 'eio', 'garbage'] as const satisfies readonly Pn532Fault[]) {
    t.test(`${via}: a ${fault} burst makes health degraded, then faulty with one fault event, then it recovers`, async (t) => {
      const { chip, clock, reader, cards, faults, start, names, logLines } = rig({ via })
      const states: string[] = []
      /** Advances `ms` 1 ms at a time, noting each change of health state. */
      const watch = async (ms: number) => {
        for (let step = 0; step < ms; step++) {
          await clock.advanceAsync(1)
          const state = reader.health().state
          if (states.at(-1) !== state) states.push(state)
        }
      }
      await start()
      await watch(POLL_MS)
      chip.failNext(fault, 1000)
      await watch(3000)
      t.strictSame(states, ['ok', 'degraded', 'faulty'])
      t.equal(faults.length, 1, 'one fault event')
      const expected = {
        nack: via === 'i2c' ? 'E_I2C_NACK' : 'E_DEVICE_TIMEOUT',
        eio: via === 'i2c' ? 'E_I2C_IO' : 'E_DEVICE_TIMEOUT',
        garbage: 'E_CODEC_INVALID',
      }[fault]
      t.equal(faults[0]?.code, expected)
      t.equal(reader.health().lastErrorCode, expected)
      t.ok(Number(reader.health().detail?.['consecutiveFailures']) >= 3, 'failures keep counting while faulty')
      chip.failNext(fault, 1) // the burst ends after one more command
      chip.presentCard(MIFARE)
      const before = names().length
      await watch(2000)
      t.strictSame(states, ['ok', 'degraded', 'faulty', 'ok'], 'recovered without a restart')
      t.match(reader.health(), { detail: { consecutiveFailures: 0 } })
      t.ok(names().slice(before).includes('SAMConfiguration'), 'set up again before polling')
      t.strictSame(cards, [{ uid: 'DEADBEEF', randomUid: false, apdus: false }])
      t.equal(faults.length, 1)
      t.match(
        logLines.find((line) => line['msg'] === 'NFC reader faulty'),
        { level: 40, err: { code: expected } },
      )
      t.ok(logLines.some((line) => line['msg'] === 'NFC reader answering again'))
      t.notMatch(JSON.stringify(logLines), /DE ?AD ?BE ?EF/i, 'no UID in the logs')
    })
  }
}

t.test('hsu: after a power cycle (asleep, LowVbat) the reader wakes the chip and sets it up again', async (t) => {
  const { chip, reader, cards, start, wait } = rig({ via: 'hsu' })
  await start()
  chip.powerCycle()
  chip.presentCard(MIFARE)
  await wait(5 * (POLL_MS + 250))
  t.equal(reader.health().state, 'ok')
  t.notOk(chip.lowVbat)
  t.equal(chip.passiveActivationRetries, 2)
  t.strictSame(cards, [{ uid: 'DEADBEEF', randomUid: false, apdus: false }])
})

t.test('i2c: a chip reset to MxRty 0xFF blocks InListPassiveTarget; the reader times out and sets it up again', async (t) => {
  const { chip, reader, cards, start, wait } = rig()
  await start()
  chip.powerCycle()
  await wait(POLL_MS + 250)
  t.match(reader.health(), { state: 'ok', lastErrorCode: 'E_DEVICE_TIMEOUT', detail: { consecutiveFailures: 1 } }, 'one timeout is a glitch')
  await wait(POLL_MS + 50)
  t.equal(chip.passiveActivationRetries, 2)
  t.equal(reader.health().state, 'ok')
  chip.presentCard(MIFARE)
  await wait(2 * POLL_MS)
  t.equal(cards.length, 1)
})

t.test('start rejects with E_DEVICE_ABSENT when nothing answers', async (t) => {
  for (const via of ['i2c', 'hsu'] as const) {
    const { reader, start } = rig({ via, absent: true })
    await t.rejects(start(), { code: 'E_DEVICE_ABSENT', message: via === 'i2c' ? /I2C 0x24/ : /HSU \/dev\/serial0/ }, via)
    t.match(reader.health(), { state: 'absent', lastErrorCode: 'E_DEVICE_ABSENT' })
  }
})

t.test('start rejects with E_DEVICE_PROTOCOL when another IC answers', async (t) => {
  const { reader, start } = rig({ chip: { ic: 0x33 } })
  await t.rejects(start(), { code: 'E_DEVICE_PROTOCOL', message: /not a PN532 \(IC 0x33/ })
  t.equal(reader.health().state, 'faulty')
})

t.test('start retries SAMConfiguration and GetFirmwareVersion once, not twice', async (t) => {
  const once = rig()
  once.chip.failNext('nack', 1)
  await once.start()
  t.strictSame(once.names().slice(0, 2), ['SAMConfiguration', 'SAMConfiguration'])
  const twice = rig()
  twice.chip.failNext('nack', 2)
  await t.rejects(twice.start(), { code: 'E_DEVICE_ABSENT' })
  t.equal(twice.names().length, 2)
})

t.test('stop cancels a command in flight, ends polling and is idempotent', async (t) => {
  const { chip, clock, reader, cards, start, wait } = rig({ via: 'hsu', responseDelayMs: 150 })
  await start()
  await wait(POLL_MS + 10)
  t.ok(chip.commands.at(-1)?.name === 'InListPassiveTarget', 'a poll is waiting for its response')
  await reader.stop()
  t.equal(reader.health().state, 'stopped')
  t.equal(reader.health().lastErrorCode, undefined, 'the cancelled poll is not a failure')
  const count = chip.commands.length
  chip.presentCard(MIFARE)
  await wait(10 * POLL_MS)
  t.equal(chip.commands.length, count, 'no more polls')
  t.strictSame(cards, [])
  t.equal(clock.pendingTimers, 0)
  await reader.stop()
  await start()
  await wait(2 * POLL_MS + 300)
  t.equal(cards.length, 1, 'starts again after stop')
  await reader.stop()
})

t.test('stop during start cancels it: start rejects with E_CANCELED and nothing polls', async (t) => {
  const { chip, clock, reader, wait } = rig({ via: 'hsu', responseDelayMs: 100 })
  const starting = reader.start()
  await clock.advanceAsync(10, 1)
  t.equal(reader.health().state, 'starting')
  await reader.stop()
  await t.rejects(drive(clock, starting), { code: 'E_CANCELED' })
  t.equal(reader.health().state, 'stopped')
  const count = chip.commands.length
  await wait(5 * POLL_MS)
  t.equal(chip.commands.length, count)
})

t.test('checkNow polls at once; listeners are isolated and can unsubscribe', async (t) => {
  const { chip, clock, reader, cards, start } = rig({ config: { pollIntervalMs: 60_000 } })
  const heard: NfcCard[] = []
  const unsubscribe = reader.onCard((card) => heard.push(card))
  reader.onCard(() => {
    throw new Error('listener bug')
  })
  await start()
  chip.presentCard(MIFARE)
  await drive(clock, reader.checkNow())
  t.equal(cards.length, 1)
  t.equal(heard.length, 1)
  unsubscribe()
  chip.presentCard({ uid: '11 22 33 44' })
  await drive(clock, reader.checkNow())
  t.equal(cards.length, 2)
  t.equal(heard.length, 1)
  await drive(clock, reader.checkNow())
  t.equal(cards.length, 2, 'held')
})

t.test('a throwing fault listener does not stop the others', async (t) => {
  const { chip, reader, faults, start, wait, logLines } = rig({ config: { maxConsecutiveFailures: 1 } })
  reader.onFault(() => {
    throw new Error('listener bug')
  })
  await start()
  chip.failNext('eio')
  await wait(POLL_MS + 10)
  t.equal(faults.length, 1)
  t.ok(logLines.some((line) => line['msg'] === 'NFC fault listener threw'))
})

t.test('refuses configurations it cannot run', async (t) => {
  const { transport, clock } = rig()
  const make = (config: Partial<Pn532ReaderConfig>) => () =>
    new Pn532Reader({ transport, clock }, { pollIntervalMs: POLL_MS, ...config })
  t.throws(make({ pollIntervalMs: 0 }), { name: 'TypeError', message: /pollIntervalMs/ })
  t.throws(make({ holdMs: -1 }), { message: /holdMs/ })
  t.throws(make({ commandTimeoutMs: Number.NaN }), { message: /commandTimeoutMs/ })
  t.throws(make({ maxConsecutiveFailures: 0 }), { message: /maxConsecutiveFailures/ })
  t.throws(make({ passiveActivationRetries: 0xff }), { message: /passiveActivationRetries/ })
  t.doesNotThrow(make({}))
})
