/**
 * Presses sent side by side (the virtual station's burst, two shells at once) reach the keypad one
 * finger at a time, in the order they were sent.
 */
import t from 'tap'
import type { KeyName } from '../../config/schema.js'
import { QR } from '../support/sim-residents.js'
import { start } from '../support/station-rig.js'

async function atPhoneEntry(s: Awaited<ReturnType<typeof start>>) {
  await s.waitForScreen(/Xin chao/)
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await s.waitForScreen(/Chon dich vu/)
  await s.press('1')
  await s.waitForScreen(/Khan cap: goi 113/)
  await s.press('1', 'ok', 'ok', '1') // theft, this building, no floor, vehicle stolen
  await s.waitForScreen(/SDT/)
}

t.test('presses sent all at once are typed in order, none lost', async (t) => {
  const s = await start(t, null)
  await atPhoneEntry(s)
  const digits = ['0', '9', '1', '2', '3', '4', '5', '6']
  await Promise.all(digits.map((key) => s.request('sim.press', { key })))
  const screen = await s.waitForScreen(/> 09123456/, 3000)
  t.match(screen, /> 09123456\b/, 'every digit, in order')
})

t.test('a press that fails does not hold up the ones queued behind it', async (t) => {
  const s = await start(t, null, (config) => {
    // Electrode 4 wired to nothing a resident can press: key 5 has no electrode.
    config.hardware.keypad.electrodes = config.hardware.keypad.electrodes.map((key) => (key === '5' ? ('9' as KeyName) : key))
  })
  await atPhoneEntry(s)
  const results = await Promise.allSettled(['0', '5', '7'].map((key) => s.request('sim.press', { key })))
  t.match(results[1], { status: 'rejected', reason: { code: 'E_CONTROL_REQUEST', message: /no electrode is wired to key '5'/ } })
  t.same(results.filter((result) => result.status === 'fulfilled').length, 2)
  await s.waitForScreen(/> 07\b/, 3000)
  t.pass('the press after the refused one still went through')
})
