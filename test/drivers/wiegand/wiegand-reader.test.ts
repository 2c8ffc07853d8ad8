import t from 'tap'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'
import type { WiegandCard } from '../../../drivers/wiegand/wiegand-codec.js'
import { WiegandReader, type WiegandReaderOptions } from '../../../drivers/wiegand/wiegand-reader.js'
import { SimWiegandReader, type SimWiegandReaderOptions } from '../../../drivers/wiegand/sim-wiegand-reader.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'

const D0 = 5
const D1 = 6
const W26_FC212_CARD7041 = '11101010000011011100000010'
const W34_FC35284_CARD7041 = '1100010011101010000011011100000011'
const W26_BAD_EVEN_PARITY = '01101010000011011100000010'

/** A real WiegandReader on two lines of a SimGpioChip, a SimWiegandReader driving them, and a SimClock. */
function rig(options: Partial<WiegandReaderOptions> = {}, simOptions: Partial<SimWiegandReaderOptions> = {}) {
  const clock = new SimClock()
  const chip = new SimGpioChip({ idleLevel: 1 })
  const reader = new WiegandReader({ d0: chip.line(D0), d1: chip.line(D1), clock, ...options })
  const cards: WiegandCard[] = []
  const garbage: string[] = []
  reader.onCard((card) => cards.push(card))
  reader.onGarbage((reason) => garbage.push(reason))
  reader.start()
  const sim = new SimWiegandReader({ chip, d0: D0, d1: D1, ...simOptions })
  return { clock, chip, reader, sim, cards, garbage }
}

t.test('decodes a 26-bit card once the line has been quiet for the frame gap', async (t) => {
  const { clock, sim, cards, garbage } = rig()
  sim.present(W26_FC212_CARD7041)
  clock.advance(24)
  t.strictSame(cards, [], 'the frame is still open before 25 ms of quiet')
  clock.advance(1)
  t.strictSame(cards, [{ bits: 26, facility: 212, card: 7041, raw_hex: 'D41B81' }])
  t.strictSame(garbage, [])
})

t.test('decodes a 34-bit card', async (t) => {
  const { clock, sim, cards } = rig()
  sim.present(W34_FC35284_CARD7041)
  clock.advance(25)
  t.strictSame(cards, [{ bits: 34, facility: 35284, card: 7041, raw_hex: '89D41B81' }])
})

t.test('decodes a frame whose ticks wrap past 2^32 in the middle', async (t) => {
  const { clock, sim, chip, cards, garbage } = rig({}, { startTickUs: 2 ** 32 - 10_000 })
  sim.presentCard26(1, 1)
  clock.advance(25)
  t.strictSame(cards, [{ bits: 26, facility: 1, card: 1, raw_hex: '010001' }])
  t.strictSame(garbage, [])
  const ticks = chip.history(D0).map((change) => change.tickUs)
  t.ok(ticks.some((tick) => tick > 2 ** 32 - 10_000) && ticks.some((tick) => tick < 50_000), 'the frame did cross the wrap')
})

t.test('reports a frame with a parity error as garbage, not as a card', async (t) => {
  const { clock, sim, cards, garbage } = rig()
  sim.present(W26_BAD_EVEN_PARITY)
  clock.advance(25)
  t.strictSame(cards, [])
  t.strictSame(garbage, ['26-bit frame rejected: even parity failed'])
})

t.test('rejects a frame in which both lines pulsed at once', async (t) => {
  const { clock, sim, cards, garbage } = rig()
  sim.present(`${W26_FC212_CARD7041.slice(0, 9)}*${W26_FC212_CARD7041.slice(10)}`)
  clock.advance(25)
  t.strictSame(cards, [])
  t.equal(garbage.length, 1)
  t.match(garbage[0], /both lines pulsed at once/)
})

t.test('rejects pulses on one line closer together than the minimum pulse interval', async (t) => {
  const { clock, chip, cards, garbage } = rig()
  const frame = W26_FC212_CARD7041
  let tick = 1_000_000
  for (const bit of frame) {
    const line = bit === '0' ? D0 : D1
    chip.drive(line, 0, tick)
    chip.drive(line, 1, tick + 50)
    tick += tick === 1_000_000 ? 150 : 2000 // the first two bits (both 1) only 150 µs apart
  }
  clock.advance(25)
  t.strictSame(cards, [])
  t.match(garbage, [/26-bit burst rejected: pulses 150 µs apart, below 200 µs/])
})

t.test('accepts only the configured lengths', async (t) => {
  const short = rig()
  short.sim.present(W26_FC212_CARD7041.slice(0, 25))
  short.clock.advance(25)
  t.strictSame(short.garbage, ['25-bit burst: not a configured length (26, 34)'])
  const only26 = rig({ lengths: [26] })
  only26.sim.present(W34_FC35284_CARD7041)
  only26.clock.advance(25)
  t.strictSame(only26.cards, [])
  t.strictSame(only26.garbage, ['34-bit burst: not a configured length (26)'])
})

t.test('reports a long noise burst as garbage without keeping every pulse', async (t) => {
  const { clock, sim, garbage } = rig()
  sim.present('01'.repeat(50))
  clock.advance(25)
  t.strictSame(garbage, ['100-bit burst: not a configured length (26, 34)'])
})

t.test('counts a card read again within the hold time once, sliding with each repeat', async (t) => {
  const { clock, sim, cards } = rig({ holdMs: 1000 })
  for (let i = 0; i < 4; i++) {
    sim.presentCard26(212, 7041)
    clock.advance(600)
  }
  t.equal(cards.length, 1, 'a card left on a repeating reader is one read')
  sim.presentCard26(1, 1)
  clock.advance(600)
  t.equal(cards.length, 2, 'another card is not held back')
  sim.presentCard26(212, 7041)
  clock.advance(25)
  t.equal(cards.length, 3, 'the first card again after another card')
  clock.advance(1000)
  sim.presentCard26(212, 7041)
  clock.advance(25)
  t.equal(cards.length, 4, 'the same card after the hold time has passed')
})

t.test('splits frames whose queued edges arrive in one burst by the gap in their ticks', async (t) => {
  const { clock, sim, cards, garbage } = rig()
  // pigpio can deliver two frames' edges before the gap timer runs; here no time passes between them.
  sim.presentCard26(212, 7041)
  sim.presentCard34(35284, 1)
  t.equal(cards.length, 1, 'the first frame ends when the second one starts')
  clock.advance(25)
  t.strictSame(cards.map((card) => [card.bits, card.facility, card.card]), [[26, 212, 7041], [34, 35284, 1]])
  t.strictSame(garbage, [])
})

t.test('reads slow readers that pause up to 20 ms between bits with the default gap', async (t) => {
  const { clock, sim, cards } = rig()
  sim.present(W26_FC212_CARD7041, { pulseIntervalUs: 20_000 })
  clock.advance(25)
  t.equal(cards.length, 1)
})

t.test('a frame gap shorter than the reader’s bit interval cuts frames into garbage', async (t) => {
  const { clock, sim, cards, garbage } = rig({ frameGapMs: 5 })
  sim.present(W26_FC212_CARD7041, { pulseIntervalUs: 6_000 })
  clock.advance(25)
  t.strictSame(cards, [])
  t.equal(garbage.length, 26)
})

t.test('stop drops a half-received frame and unwatches both lines; start is idempotent', async (t) => {
  const { clock, chip, reader, sim, cards, garbage } = rig()
  reader.start()
  t.equal(chip.watcherCount(D0) + chip.watcherCount(D1), 2)
  sim.present(W26_FC212_CARD7041.slice(0, 10))
  reader.stop()
  reader.stop()
  t.equal(chip.watcherCount(D0) + chip.watcherCount(D1), 0)
  clock.advance(100)
  sim.present(W26_FC212_CARD7041)
  clock.advance(100)
  t.strictSame([cards, garbage], [[], []])
  reader.start()
  sim.present(W26_FC212_CARD7041)
  clock.advance(25)
  t.equal(cards.length, 1)
})

t.test('listeners can unsubscribe', async (t) => {
  const { clock, reader, sim, cards } = rig()
  const late: WiegandCard[] = []
  const off = reader.onCard((card) => late.push(card))
  const offGarbage = reader.onGarbage(() => t.fail('unsubscribed'))
  off()
  offGarbage()
  sim.present(W26_FC212_CARD7041)
  sim.present('0')
  clock.advance(25)
  t.equal(cards.length, 1)
  t.strictSame(late, [])
})

t.test('rejects a frame gap that is not positive', async (t) => {
  const chip = new SimGpioChip()
  t.throws(() => new WiegandReader({ d0: chip.line(1), d1: chip.line(2), clock: new SimClock(), frameGapMs: 0 }), TypeError)
})
