import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { referenceFromId } from '../../runtime/kiosk/reference-code.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { submitFeedback } from '../support/kiosk-driver.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const GARBAGE = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff))

/** Overwrites `bytes` of the file at `offset` (negative: from the end) with garbage, and appends more garbage when `append`. */
async function scribble(path: string, offset: number, bytes: number, append: boolean): Promise<void> {
  const size = (await stat(path)).size
  const handle = await open(path, 'r+')
  try {
    await handle.write(GARBAGE, 0, bytes, offset < 0 ? size + offset : offset)
    if (append) await handle.write(GARBAGE, 0, GARBAGE.length, size)
  } finally {
    await handle.close()
  }
}

for (const where of ['tail', 'middle'] as const) {
  t.test(`garbage in the ${where} of the last segment: reported to central, and the intact records are delivered`, async (t) => {
    const broker = await startMosquitto(t)
    await broker.stop()
    const dir = testDir(t, {})
    const dataDir = join(dir, 'data')
    const args = ['--sim', '--config', writeTestConfig(dir, 'hardware:\n  keypad:\n    pollIntervalMs: 5\n'), '--broker', broker.url]
    const first = await startStationProcess(t, dataDir, args)
    const references: string[] = []
    for (let i = 0; i < 4; i++) references.push((await submitFeedback(first)) as string)
    t.equal(await first.stop(), 0)

    const outboxDir = join(dataDir, 'outbox')
    const segment = (await readdir(outboxDir)).filter((name) => /^seg-\d+\.log$/.test(name)).sort().at(-1) as string
    const size = (await stat(join(outboxDir, segment))).size
    // Tail: the last record's end overwritten and garbage after it. Middle: 40 bytes inside the second record.
    if (where === 'tail') await scribble(join(outboxDir, segment), -30, 30, true)
    else await scribble(join(outboxDir, segment), Math.floor(size * 0.4), 40, false)
    const lost = where === 'tail' ? [references[3]] : [references[1]]
    const intact = references.filter((reference) => !lost.includes(reference))

    await broker.start()
    const submissions = await subscribeCollect(broker.url, 'cs/v1/+/submissions')
    const events = await subscribeCollect(broker.url, 'cs/v1/+/events')
    t.teardown(() => Promise.all([submissions.close(), events.close()]))
    const second = await startStationProcess(t, dataDir, args)
    const event = await events.waitFor((message) => message.payload.type === 'outbox.recovered', 10_000)
    const damage = ((await second.request('status')) as any).outbox.damage
    if (where === 'tail') {
      t.ok(event.payload.tornBytes > 0, `the cut tail is reported (${JSON.stringify(event.payload)})`)
      t.ok(damage.tornBytes > 0, 'and shown in status')
    } else {
      t.match(event.payload, { damagedRegions: 1 }, `the damaged region is reported (${JSON.stringify(event.payload)})`)
      t.match(damage, { damagedRegions: 1 }, 'and shown in status')
      t.ok(damage.damagedBytes > 0)
    }
    await waitUntil('the intact ones delivered', () => {
      const seen = new Set(submissions.messages.map((message) => referenceFromId(message.payload.id)))
      return intact.every((reference) => seen.has(reference)) ? true : undefined
    }, 15_000)
    await waitUntil('outbox drained', async () => (((await second.request('status')) as any).outbox.depth === 0 ? true : undefined))
    const seen = submissions.messages.map((message) => referenceFromId(message.payload.id))
    t.notOk(seen.some((reference) => lost.includes(reference)), 'the damaged record is not sent as if whole')
    t.equal(await second.stop(), 0)
  })
}
