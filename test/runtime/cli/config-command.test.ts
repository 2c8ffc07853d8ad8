import { join } from 'node:path'
import t from 'tap'
import { configCheck } from '../../../runtime/cli/config-command.js'
import { testDir } from '../../support/test-dir.js'

function capture() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (text: string) => void out.push(text), err: (text: string) => void err.push(text) } }
}

t.test('config check: the example config is valid, a bad one lists every problem and exits 78', async (t) => {
  const dir = testDir(t, {
    'bad.yaml': 'station:\n  id: Not An Id\nmqtt:\n  urls: []\nops:\n  maxSkewS: 0\n',
  })
  const env = { cwd: dir, env: {} }
  const good = capture()
  const example = join(import.meta.dirname, '../../../config/station.example.yaml')
  t.equal(await configCheck({ configFile: example, json: false }, env, good.io), 0)
  t.match(good.out.join('\n'), /is valid: station hn-badinh-001, real hardware/)
  const bad = capture()
  t.equal(await configCheck({ configFile: join(dir, 'bad.yaml'), json: false }, env, bad.io), 78)
  const text = bad.err.join('\n')
  t.match(text, /has 3 problems/)
  t.match(text, /station\.id: /)
  t.match(text, /mqtt\.urls: must be a non-empty list/)
  t.match(text, /ops\.maxSkewS: /)
  const json = capture()
  t.equal(await configCheck({ configFile: join(dir, 'missing.yaml'), json: true }, env, json.io), 78)
  t.match(JSON.parse(json.out[0] ?? '{}'), { ok: false, problems: [/file not found/] })
})
