import t from 'tap'
import { station } from '../support/station-process.js'

// A technician reads `station --help` over SSH in an 80x24 terminal: no line may wrap.
t.test('station --help fits 80 columns and names every command it dispatches', async (t) => {
  const help = await station(['--help'])
  t.equal(help.code, 0)
  const wide = help.stdout.split('\n').filter((line) => [...line].length > 80)
  t.same(wide, [], 'no line wider than 80 columns')
  for (const command of ['run', 'config check', 'central', 'status', 'tui', 'doctor', 'maintenance', 'sim', 'decode', 'flows check', 'flows test', 'flows reload', 'flows bundle', 'ops watch', 'ops send', 'ops config', 'ops publish-flows', 'keys generate', 'fleet-sim']) {
    t.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), `${command} is listed`)
  }
  const none = await station([])
  t.equal(none.code, 2, 'no command: usage and exit 2')
  t.match(none.stderr + none.stdout, /usage: station <command>/)
})
