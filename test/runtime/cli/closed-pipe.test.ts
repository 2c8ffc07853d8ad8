/**
 * A client command whose reader goes away (`station flows test | head -1`): the write that finds the
 * pipe closed ends the command quietly, with its own exit code, not with an EPIPE stack trace.
 */
import { spawn } from 'node:child_process'
import t from 'tap'
import { STATION_BIN } from '../../support/station-process.js'

t.test('flows test into a pipe closed after the first line exits 0 with nothing on stderr', async (t) => {
  const child = spawn(process.execPath, [STATION_BIN, 'flows', 'test'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  let first = ''
  child.stdout.once('data', (chunk: Buffer) => {
    first = chunk.toString()
    // The reader has what it wanted and goes, as head does.
    child.stdout.destroy()
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  t.match(first, /^[a-z-]+@\d+: steps/, 'the first line came through')
  t.equal(code, 0)
  t.notMatch(stderr, /EPIPE|Unhandled|at /, 'no stack trace')
})
