import t from 'tap'
import { QR } from '../support/sim-residents.js'
import { eventsLogged, start } from '../support/station-rig.js'

// docs/drivers.md (Transports, Health): a keypad whose bus fault clears is probed and reopened
// within seconds, and while it is down the welcome screen says so. Whether the probe or a due
// backoff attempt reopens it first depends on timing; the supervisor's own test pins the probe.
t.test('a keypad drowned in bus noise says so on the screen and is back within seconds of the noise ending', async (t) => {
  const s = await start(t, null)
  await s.waitForScreen(/Xin chao \/ Welcome/)
  const noiseAtMs = Date.now()
  // 50 failing transactions: with a growing backoff and a few transactions per reopen this kept
  // the keypad dead for well over a minute.
  t.same(await s.request('sim.i2c-noise', { device: 'keypad', transactions: 50 }), { device: 'keypad', transactions: 50 })
  const down = await s.waitForScreen(/Tam ngung phuc vu/, 10_000)
  t.match(down, /Ban phim dang loi/, 'the welcome screen names the keypad')
  t.notMatch(down, /Tieng Viet/, 'and offers nothing a resident could not choose')
  await s.request('sim.card', { kind: 'cccd', text: QR })
  await new Promise((resolve) => setTimeout(resolve, 300))
  const screen = ((await s.request('sim.screen')) as { rows: string[] }).rows.join('\n')
  t.notMatch(screen, /Chon dich vu/, 'a card does not lead into a menu with no keys')

  await s.waitFor('the keypad to be back', async () => (await s.status()).devices.keypad?.state === 'ok', 20_000)
  const backAfterMs = Date.now() - noiseAtMs
  t.ok(backAfterMs < 20_000, `back after ${backAfterMs} ms`)
  await s.waitForScreen(/Xin chao \/ Welcome/, 3000)
  await s.press('1')
  await s.waitForScreen(/Chon dich vu/, 5000)
  t.ok(eventsLogged(s.logLines, 'device.fault').some((line) => line.device === 'keypad'), 'central heard of the fault')
  t.ok(eventsLogged(s.logLines, 'device.recovered').some((line) => line.device === 'keypad'), 'and of the recovery')
  const { sim } = await s.status()
  t.ok(sim && sim.i2cTransactions > 50 && sim.i2cLogKept > 0 && sim.i2cLogKept <= Math.min(4096, sim.i2cTransactions), `status shows the sim I2C log bounded (${JSON.stringify(sim)})`)
})
