// tap reporter: passes the raw TAP stream through and ends with one plain line,
// "P passed, F failed[, S skipped]", which CI reads. tap's exit code is untouched.
import { Transform } from 'node:stream'

export default class SummaryReporter extends Transform {
  #tail = ''
  #summary = null

  _transform(chunk, _encoding, callback) {
    const text = this.#tail + chunk.toString()
    const lines = text.split('\n')
    this.#tail = lines.pop() ?? ''
    for (const line of lines) this.#read(line)
    callback(null, chunk)
  }

  _flush(callback) {
    this.#read(this.#tail)
    const s = this.#summary ?? { pass: 0, fail: 0, skip: 0 }
    const skipped = s.skip ? `, ${s.skip} skipped` : ''
    this.push(`\n${s.pass ?? 0} passed, ${s.fail ?? 0} failed${skipped}\n`)
    callback()
  }

  #read(line) {
    // tap's final comment looks like: # { total: 60, pass: 60, fail: 1, skip: 2 }
    const match = /^#\s*\{(.*)\}\s*$/.exec(line)
    if (!match) return
    const summary = {}
    for (const part of match[1].split(',')) {
      const [key, value] = part.split(':').map((s) => s.trim())
      if (key && value && /^\d+$/.test(value)) summary[key] = Number(value)
    }
    if ('total' in summary || 'pass' in summary) this.#summary = summary
  }
}
