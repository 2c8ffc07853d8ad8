import t from 'tap'
import { IrqTrigger } from '../../../drivers/gpio/irq-trigger.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'

t.test('opens the line once for the edge the chip needs, calls onEdge per matching edge, releases it on stop', async (t) => {
  const gpio = new SimGpioChip({ idleLevel: 1 })
  const opened: string[] = []
  const trigger = new IrqTrigger(async (edge) => {
    opened.push(edge)
    return gpio.line(4)
  }, 'falling')
  let edges = 0
  await trigger.start(() => (edges += 1))
  await trigger.start(() => (edges += 100))
  t.same(opened, ['falling'], 'a second start while open opens nothing')
  gpio.drive(4, 0)
  gpio.drive(4, 1)
  gpio.drive(4, 0)
  t.equal(edges, 2, 'falling edges only')
  await trigger.stop()
  await trigger.stop()
  t.equal(gpio.watcherCount(4), 0)
  gpio.drive(4, 1)
  gpio.drive(4, 0)
  t.equal(edges, 2, 'nothing after stop')
})
