import { join } from 'node:path'
import t from 'tap'
import { station } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

t.test('station run with a bad config exits 78 and lists every mistake', async (t) => {
  const dir = testDir(t, {
    'bad.yaml': [
      'station:',
      '  id: "Bad Id!"',
      '  defaultLanguage: fr',
      'mqtt:',
      '  urll: mqtt://127.0.0.1:1',
      'session:',
      '  idleTimeoutS: -5',
      '',
    ].join('\n'),
  })
  const result = await station(['run', '--config', join(dir, 'bad.yaml'), '--data-dir', join(dir, 'data')])
  t.equal(result.code, 78)
  t.match(result.stderr, /station\.id: .*\(got "Bad Id!"\)/)
  t.match(result.stderr, /station\.defaultLanguage: .*\(got "fr"\)/)
  t.match(result.stderr, /mqtt\.urll: unknown option/)
  t.match(result.stderr, /session\.idleTimeoutS: .*\(got -5\)/)
  t.match(result.stderr, /4 problems/)
})
