import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import {
  FIXTURE_FILES,
  defaultFixturesDir,
  loadCentralFixtures,
} from '../../../runtime/central/central-fixtures.js'
import { assertNoIdentity } from '../../../runtime/mqtt/payloads.js'
import { testDir } from '../../support/test-dir.js'

t.test('the bundled fixtures load and cover every bill service, dossiers and departments', async (t) => {
  const fixtures = await loadCentralFixtures()
  t.strictSame(
    [...new Set(fixtures.bills.map((bill) => bill.service))].sort(),
    ['electricity', 'internet', 'tuition', 'water'],
  )
  t.ok(fixtures.bills.some((bill) => bill.status === 'unpaid'))
  t.ok(fixtures.bills.some((bill) => bill.status === 'paid'))
  t.ok(fixtures.dossiers.length > 0)
  t.ok(fixtures.departments.every((department) => department.slots.length > 0))
})

t.test('the bundled fixtures hold no 12-digit run (no citizen ID) and no identity fields', async (t) => {
  for (const file of Object.values(FIXTURE_FILES)) {
    const text = await readFile(join(defaultFixturesDir(), file), 'utf8')
    t.notMatch(text, /\d{12}/, file)
  }
  const fixtures = await loadCentralFixtures()
  t.doesNotThrow(() => assertNoIdentity(fixtures))
})

/** Copies the bundled fixtures into a test dir, with `patch` applied to one file's parsed JSON. */
async function fixturesWith(t: Test, file: string, patch: (json: any) => unknown): Promise<string> {
  const dir = testDir(t, {})
  for (const name of Object.values(FIXTURE_FILES)) {
    const json = JSON.parse(await readFile(join(defaultFixturesDir(), name), 'utf8'))
    await writeFile(join(dir, name), JSON.stringify(name === file ? patch(json) : json))
  }
  return dir
}

t.test('malformed fixtures are refused with E_CONFIG_INVALID naming the place', async (t) => {
  const cases: Array<[string, string, (json: any) => unknown, RegExp]> = [
    ['bills without the list', FIXTURE_FILES.bills, () => ({}), /"bills"/],
    ['a fractional amount', FIXTURE_FILES.bills, (j) => ((j.bills[0].amount = 1.5), j), /bills\[0\].*amount/],
    ['a BIN of 5 digits', FIXTURE_FILES.bills, (j) => ((j.bills[1].bin = '97043'), j), /bills\[1\].*bin/],
    ['an unknown service', FIXTURE_FILES.bills, (j) => ((j.bills[0].service = 'gas'), j), /service/],
    ['a duplicate bill id', FIXTURE_FILES.bills, (j) => ((j.bills[1].id = j.bills[0].id), j), /duplicate bill id/],
    ['a step state', FIXTURE_FILES.dossiers, (j) => ((j.dossiers[0].steps[0].state = 'later'), j), /steps\[0\].*state/],
    ['a slot time', FIXTURE_FILES.departments, (j) => ((j.departments[0].slots[0].time = '7:30'), j), /time/],
  ]
  for (const [what, file, patch, message] of cases) {
    const dir = await fixturesWith(t, file, patch)
    await t.rejects(loadCentralFixtures(dir), { code: 'E_CONFIG_INVALID', message }, what)
  }
})

t.test('a missing or unparseable fixture file is refused with E_CONFIG_INVALID', async (t) => {
  await t.rejects(loadCentralFixtures(testDir(t, {})), { code: 'E_CONFIG_INVALID', message: /cannot read/ })
  const dir = await fixturesWith(t, FIXTURE_FILES.dossiers, (j) => j)
  await writeFile(join(dir, FIXTURE_FILES.dossiers), '{ not json')
  await t.rejects(loadCentralFixtures(dir), { code: 'E_CONFIG_INVALID', context: { file: join(dir, 'dossiers.json') } })
})
