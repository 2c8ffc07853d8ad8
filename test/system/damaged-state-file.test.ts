import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const DAMAGE = [
  { label: 'a truncated file', text: '{', main: 'not-json' },
  { label: 'an empty file', text: '', main: 'not-json' },
  { label: 'a negative counter', text: JSON.stringify({ bootCount: -3, receiptSeq: 0, maintenance: false }), main: 'invalid' },
] as const

/** A station started and stopped twice, so a previous generation lies beside state.json. */
async function stationWithTwoGenerations(t: Test) {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  const dataDir = join(dir, 'data')
  const stateFile = join(dataDir, 'state.json')
  const args = ['--sim', '--config', writeTestConfig(dir), '--broker', broker.url]
  for (let i = 0; i < 2; i++) t.equal(await (await startStationProcess(t, dataDir, args)).stop(), 0)
  const events = await subscribeCollect(broker.url, 'cs/v1/+/events')
  t.teardown(() => events.close())
  return { dataDir, stateFile, args, events }
}

for (const damage of DAMAGE) {
  t.test(`state.json as ${damage.label}: the station starts from state.json.prev and reports state.recovered`, async (t) => {
    const { dataDir, stateFile, args, events } = await stationWithTwoGenerations(t)
    const used = JSON.parse(await readFile(stateFile, 'utf8')).bootCount as number
    t.equal(JSON.parse(await readFile(`${stateFile}.prev`, 'utf8')).bootCount, used - 1, '.prev is the generation before')

    await writeFile(stateFile, damage.text)
    const station = await startStationProcess(t, dataDir, args)
    const status = (await station.request('status')) as any
    t.ok(status.bootCount > used, `the boot number (${status.bootCount}) was never used before (last used ${used})`)
    t.match(station.logs(), /state.json was damaged/, 'the damage is logged')
    const event = await events.waitFor((message) => message.payload.type === 'state.recovered', 10_000)
    t.match(event.payload, { type: 'state.recovered', source: 'prev', main: damage.main })
    t.equal(await readFile(`${stateFile}.damaged`, 'utf8'), damage.text, 'the damaged file is kept beside it')
    t.equal(await station.stop(), 0)
    t.equal(JSON.parse(await readFile(stateFile, 'utf8')).bootCount, status.bootCount, 'a good state.json again')
  })
}

t.test('state.json and state.json.prev both damaged: counters start from the clock floor, reported as such', async (t) => {
  const { dataDir, stateFile, args, events } = await stationWithTwoGenerations(t)
  await writeFile(stateFile, '{')
  await writeFile(`${stateFile}.prev`, '')
  const floor = Math.floor(Date.now() / 1000)
  const station = await startStationProcess(t, dataDir, args)
  t.ok(((await station.request('status')) as any).bootCount > floor, 'the boot number is above seconds since the epoch')
  const event = await events.waitFor((message) => message.payload.type === 'state.recovered', 10_000)
  t.match(event.payload, { source: 'floor', main: 'not-json', prev: 'not-json' })
  t.equal(await station.stop(), 0)
})
