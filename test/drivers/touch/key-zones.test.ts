import t from 'tap'
import { keyAt, keyZoneProblems, phoneKeyZones, type KeyZone } from '../../../drivers/touch/key-zones.js'

t.test('the phone layout puts 1 2 3 / 4 5 6 / 7 8 9 / back 0 ok on a 3 × 4 grid filling the panel', async (t) => {
  const zones = phoneKeyZones({ widthPx: 240, heightPx: 320 })
  t.equal(zones.length, 12)
  t.same(zones[0], { key: '1', x: 0, y: 0, widthPx: 80, heightPx: 80 })
  t.same(zones[11], { key: 'ok', x: 160, y: 240, widthPx: 80, heightPx: 80 })
  const grid = [40, 120, 200, 280].map((y) => [40, 120, 200].map((x) => keyAt(zones, x, y)))
  t.strictSame(grid, [
    ['1', '2', '3'],
    ['4', '5', '6'],
    ['7', '8', '9'],
    ['back', '0', 'ok'],
  ])
  t.strictSame(keyZoneProblems(zones, { widthPx: 240, heightPx: 320 }), [])
})

t.test('zones are half-open: the right and bottom edges belong to the next key or to nothing', async (t) => {
  const zones = phoneKeyZones({ widthPx: 240, heightPx: 320 })
  t.equal(keyAt(zones, 79, 0), '1')
  t.equal(keyAt(zones, 80, 0), '2')
  t.equal(keyAt(zones, 0, 80), '4')
  t.equal(keyAt(zones, 239, 319), 'ok')
  t.equal(keyAt(zones, 240, 319), undefined, 'past the panel')
  t.equal(keyAt(zones, -1, 0), undefined)
})

t.test('a gap leaves a dead band between keys but none at the panel edges', async (t) => {
  const panel = { widthPx: 240, heightPx: 320 }
  const zones = phoneKeyZones(panel, { gapPx: 10 })
  t.same(zones[0], { key: '1', x: 0, y: 0, widthPx: 75, heightPx: 75 })
  t.same(zones[1], { key: '2', x: 85, y: 0, widthPx: 70, heightPx: 75 })
  t.same(zones[2], { key: '3', x: 165, y: 0, widthPx: 75, heightPx: 75 })
  t.equal(keyAt(zones, 80, 10), undefined, 'on the border of 1 and 2')
  t.equal(keyAt(zones, 10, 80), undefined, 'on the border of 1 and 4')
  t.equal(keyAt(zones, 0, 0), '1')
  t.equal(keyAt(zones, 239, 319), 'ok')
  t.strictSame(keyZoneProblems(zones, panel), [])
})

t.test('an odd panel size is split without gaps or overlaps', async (t) => {
  const panel = { widthPx: 100, heightPx: 101 }
  const zones = phoneKeyZones(panel)
  t.strictSame(keyZoneProblems(zones, panel), [])
  const area = zones.reduce((sum, zone) => sum + zone.widthPx * zone.heightPx, 0)
  t.equal(area, 100 * 101, 'covers every point exactly once')
})

t.test('phoneKeyZones refuses panels and gaps that leave no keys', async (t) => {
  t.throws(() => phoneKeyZones({ widthPx: 0, heightPx: 320 }), TypeError)
  t.throws(() => phoneKeyZones({ widthPx: 240, heightPx: 5000 }), TypeError)
  t.throws(() => phoneKeyZones({ widthPx: 240, heightPx: 320 }, { gapPx: -1 }), TypeError)
  t.throws(() => phoneKeyZones({ widthPx: 240, heightPx: 320 }, { gapPx: 2.5 }), TypeError)
  t.throws(() => phoneKeyZones({ widthPx: 12, heightPx: 320 }, { gapPx: 8 }), /no room/)
})

t.test('validation names overlapping zones', async (t) => {
  const zones: KeyZone[] = [
    { key: '1', x: 0, y: 0, widthPx: 100, heightPx: 100 },
    { key: '2', x: 100, y: 0, widthPx: 100, heightPx: 100 },
    { key: 'ok', x: 50, y: 50, widthPx: 100, heightPx: 100 },
  ]
  const problems = keyZoneProblems(zones, { widthPx: 300, heightPx: 300 })
  t.equal(problems.length, 2)
  t.match(problems[0], /^zones\[2\] \(ok\): overlaps zones\[0\] \(1\)/)
  t.match(problems[1], /^zones\[2\] \(ok\): overlaps zones\[1\] \(2\)/)
  t.strictSame(keyZoneProblems(zones.slice(0, 2), { widthPx: 300, heightPx: 300 }), [], 'touching edges do not overlap')
})

t.test('validation names zones outside the panel, degenerate zones and an empty layout', async (t) => {
  const panel = { widthPx: 200, heightPx: 100 }
  t.match(keyZoneProblems([{ key: '1', x: 150, y: 0, widthPx: 51, heightPx: 10 }], panel), [
    /zones\[0\] \(1\): outside the 200×100 panel \(got x 150, y 0, 51×10\)/,
  ])
  t.match(keyZoneProblems([{ key: '1', x: -1, y: 0, widthPx: 10, heightPx: 10 }], panel), [/outside/])
  t.match(keyZoneProblems([{ key: '1', x: 0, y: 0, widthPx: 0, heightPx: 10 }], panel), [/at least 1/])
  t.match(keyZoneProblems([{ key: '1', x: 0.5, y: 0, widthPx: 10, heightPx: 10 }], panel), [/integers/])
  t.strictSame(keyZoneProblems([], panel), ['zones: at least one key zone is needed'])
  t.match(keyZoneProblems([], { widthPx: -5, heightPx: 10 }), [/^panel:/, /^zones:/])
})

t.test('without a panel size, zones must fit the 12-bit coordinate range', async (t) => {
  t.strictSame(keyZoneProblems([{ key: '0', x: 0, y: 0, widthPx: 4096, heightPx: 4096 }]), [])
  t.match(keyZoneProblems([{ key: '0', x: 1, y: 0, widthPx: 4096, heightPx: 10 }]), [/outside the 4096×4096 panel/])
})
