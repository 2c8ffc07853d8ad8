import type { Test } from 'tap'
import type { GpioEdge, GpioLevel, GpioLine } from '../../../drivers/gpio/gpio-line.js'
import { tickDiffUs } from '../../../drivers/gpio/gpio-tick.js'
import { StationError } from '../../../runtime/core/errors.js'

/** A line under test and the pin it is opened on, as the outside world sees it. */
export interface GpioLineContractSubject {
  line: GpioLine
  /** Sets the pin from outside (a switch, a reader); used on inputs. */
  drive(level: GpioLevel): void
  /** The pin's electrical level, as a meter would show it; used on outputs. */
  level(): GpioLevel
}

/** How long a "no further edge" check waits: well past any adapter's delivery delay. */
const QUIET_MS = 50
const EDGE_TIMEOUT_MS = 2000
const TICK_MODULUS_US = 2 ** 32

/**
 * What every GpioLine must do (drivers/gpio/gpio-line.ts), run once per implementation: outputs drive
 * the pin and read back what they drove, inputs read what the pin is driven to, watchers get each
 * change matching their edge kind with the new level and a 32-bit tick until they unwatch, a bad level
 * is a TypeError, and close is idempotent, stops every watcher and makes read and write reject (and
 * watch throw) with E_CANCELED. `makeSubject` opens the line in the direction asked for, on a pin
 * that starts low.
 */
export function describeGpioLineContract(
  t: Test,
  name: string,
  makeSubject: (t: Test, direction: 'in' | 'out') => Promise<GpioLineContractSubject>,
): void {
  t.test(`${name} satisfies the GpioLine contract`, async (t) => {
    t.test('an output drives the pin and reads back the level it drove', async (t) => {
      const { line, level } = await makeSubject(t, 'out')
      for (const wanted of [1, 0, 1] as const) {
        await line.write(wanted)
        t.equal(level(), wanted, `pin at ${wanted}`)
        t.equal(await line.read(), wanted, `reads ${wanted}`)
      }
      await line.close()
    })

    t.test('a level other than 0 or 1 is refused with a TypeError', async (t) => {
      const { line, level } = await makeSubject(t, 'out')
      await t.rejects(line.write(2 as GpioLevel), TypeError)
      t.equal(level(), 0, 'the pin did not move')
      await line.close()
    })

    t.test('an input reads the level the pin is driven to', async (t) => {
      const { line, drive } = await makeSubject(t, 'in')
      t.equal(await line.read(), 0)
      drive(1)
      t.equal(await line.read(), 1)
      drive(0)
      t.equal(await line.read(), 0)
      await line.close()
    })

    t.test('watchers get each change of their edge kind, in order, with the new level and a 32-bit tick', async (t) => {
      const { line, drive } = await makeSubject(t, 'in')
      const seen: Record<GpioEdge, [GpioLevel, number][]> = { both: [], rising: [], falling: [] }
      for (const edge of ['both', 'rising', 'falling'] as const) {
        line.watch(edge, (level, tickUs) => seen[edge].push([level, tickUs]))
      }
      for (const level of [1, 0, 1, 0] as const) await driveAndAwaitEdge(line, drive, level)
      t.strictSame(seen.both.map(([level]) => level), [1, 0, 1, 0], 'both: every change')
      t.strictSame(seen.rising.map(([level]) => level), [1, 1], 'rising: only changes to high')
      t.strictSame(seen.falling.map(([level]) => level), [0, 0], 'falling: only changes to low')
      for (const [, tickUs] of seen.both) {
        t.ok(Number.isInteger(tickUs) && tickUs >= 0 && tickUs < TICK_MODULUS_US, `tick ${tickUs} in 0..2^32-1`)
      }
      // How close a tick is to its edge is the adapter's (gpio-line.ts); that later edges tick later is not.
      for (let index = 1; index < seen.both.length; index++) {
        const elapsedUs = tickDiffUs(seen.both[index]?.[1] ?? 0, seen.both[index - 1]?.[1] ?? 0)
        t.ok(elapsedUs < TICK_MODULUS_US / 2, `edge ${index} ticks after edge ${index - 1}, across the wrap too`)
      }
      await line.close()
    })

    t.test('a watcher that unwatches gets no more edges; others keep theirs; unwatch is idempotent', async (t) => {
      const { line, drive } = await makeSubject(t, 'in')
      const stopped: GpioLevel[] = []
      const kept: GpioLevel[] = []
      const unwatch = line.watch('both', (level) => stopped.push(level))
      line.watch('both', (level) => kept.push(level))
      await driveAndAwaitEdge(line, drive, 1)
      unwatch()
      unwatch()
      await driveAndAwaitEdge(line, drive, 0)
      await driveAndAwaitEdge(line, drive, 1)
      t.strictSame(stopped, [1])
      t.strictSame(kept, [1, 0, 1])
      await line.close()
    })

    t.test('close is idempotent, stops every watcher, and later calls fail with E_CANCELED', async (t) => {
      const { line, drive } = await makeSubject(t, 'in')
      const seen: GpioLevel[] = []
      line.watch('both', (level) => seen.push(level))
      await line.close()
      await line.close()
      drive(1)
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      t.strictSame(seen, [], 'no edge after close')
      const canceled = { code: 'E_CANCELED' }
      const readError = await line.read().then(
        () => undefined,
        (error: unknown) => error,
      )
      t.ok(readError instanceof StationError, 'read rejects with a StationError')
      t.match(readError, canceled)
      await t.rejects(line.write(1), canceled, 'write')
      t.throws(() => line.watch('both', () => {}), canceled, 'watch throws')
    })

    t.test('an output closed is closed too', async (t) => {
      const { line } = await makeSubject(t, 'out')
      await line.close()
      await line.close()
      await t.rejects(line.write(1), { code: 'E_CANCELED' })
      await t.rejects(line.read(), { code: 'E_CANCELED' })
    })
  })
}

/** Drives the pin and waits until the line reports that change (adapters may deliver it later). */
function driveAndAwaitEdge(line: GpioLine, drive: (level: GpioLevel) => void, level: GpioLevel): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no edge to ${level}`)), EDGE_TIMEOUT_MS)
    const unwatch = line.watch('both', (seen) => {
      if (seen !== level) return
      clearTimeout(timer)
      unwatch()
      resolve()
    })
    drive(level)
  })
}
