import t from 'tap'
import { checkPwm, isPwmLine } from '../../../drivers/gpio/pwm-line.js'
import { SimGpioChip } from '../../../drivers/gpio/sim-gpio.js'

t.test('recognises lines that can do PWM', async (t) => {
  const line = new SimGpioChip().line(18)
  t.ok(isPwmLine(line))
  const { pwm: _pwm, ...plain } = line
  t.notOk(isPwmLine(plain))
})

t.test('accepts duty cycles 0..1 and positive frequencies, and names the bad argument otherwise', async (t) => {
  t.doesNotThrow(() => checkPwm(0, 1))
  t.doesNotThrow(() => checkPwm(1, 2700))
  t.throws(() => checkPwm(1.5, 2700), { name: 'TypeError', message: /dutyCycle .*1\.5/ })
  t.throws(() => checkPwm(-0.1, 2700), TypeError)
  t.throws(() => checkPwm(Number.NaN, 2700), TypeError)
  t.throws(() => checkPwm(0.5, 0), { name: 'TypeError', message: /frequencyHz .*0/ })
  t.throws(() => checkPwm(0.5, Number.POSITIVE_INFINITY), TypeError)
})
