import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'
import { REPO_ROOT } from '../support/station-process.js'

const RULES_FILE = join(REPO_ROOT, 'systemd', '99-citizen-station.rules')

interface Pair {
  key: string
  attr: string | null
  op: string
  value: string
}

// udev's rule syntax (udev(7)): comma-separated KEY[{attr}] OP "value" pairs, one rule a line.
// systemd 252 has no `udevadm verify` (it came with 254), so the test reads the file as udev does.
const PAIR = /^\s*([A-Z_]+)(?:\{([^}]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/
const MATCH_KEYS = new Set(['ACTION', 'KERNEL', 'SUBSYSTEM', 'DRIVER', 'ATTRS', 'ATTR', 'ENV', 'KERNELS', 'SUBSYSTEMS', 'DRIVERS'])
const ASSIGN_KEYS = new Set(['SYMLINK', 'GROUP', 'MODE', 'OWNER', 'ENV', 'TAG'])

function parseRule(line: string): Pair[] {
  const pairs: Pair[] = []
  let rest = line
  while (rest.trim() !== '') {
    const match = PAIR.exec(rest)
    if (!match) throw new Error(`not a key-value pair at: ${rest}`)
    pairs.push({ key: match[1]!, attr: match[2] ?? null, op: match[3]!, value: match[4]! })
    rest = rest.slice(match[0].length)
  }
  for (const pair of pairs) {
    const matching = pair.op === '==' || pair.op === '!='
    if (matching && !MATCH_KEYS.has(pair.key)) throw new Error(`${pair.key} cannot be matched`)
    if (!matching && !ASSIGN_KEYS.has(pair.key)) throw new Error(`${pair.key} cannot be assigned`)
    if ((pair.key === 'ATTRS' || pair.key === 'ATTR' || pair.key === 'ENV') && pair.attr === null) throw new Error(`${pair.key} needs {name}`)
  }
  return pairs
}

function rules(): Pair[][] {
  return readFileSync(RULES_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map(parseRule)
}

const value = (rule: Pair[], key: string, attr: string | null = null) => rule.find((pair) => pair.key === key && pair.attr === attr)?.value

t.test('every rule parses and names a tty by USB vendor and product, for dialout only', async (t) => {
  const all = rules()
  t.ok(all.length >= 4)
  for (const rule of all) {
    t.equal(value(rule, 'SUBSYSTEM'), 'tty', 'serial devices: the unit allows char-ttyUSB and char-ttyACM')
    t.match(value(rule, 'ATTRS', 'idVendor'), /^[0-9a-f]{4}$/)
    t.match(value(rule, 'ATTRS', 'idProduct'), /^[0-9a-f]{4}$/)
    t.match(value(rule, 'SYMLINK'), /^citizen-(printer|scanner)$/)
    t.ok(rule.some((pair) => pair.key === 'SYMLINK' && pair.op === '+='), 'SYMLINK+= keeps the other links (by-id)')
    t.equal(value(rule, 'GROUP'), 'dialout')
    t.equal(value(rule, 'MODE'), '0660')
  }
  t.ok(all.some((rule) => value(rule, 'ATTRS', 'serial') !== undefined), 'one chip, two devices: told apart by serial')
  const unit = readFileSync(join(REPO_ROOT, 'systemd', 'citizen-station.service'), 'utf8')
  for (const kernel of new Set(all.map((rule) => value(rule, 'KERNEL')).filter((k) => k !== undefined))) {
    const device = /^(tty[A-Z]+)/.exec(kernel)?.[1]
    t.ok(device && unit.includes(`DeviceAllow=char-${device} rw`), `the unit lets the station open ${kernel}`)
  }
})

t.test('the syntax check refuses what udev refuses', async (t) => {
  t.throws(() => parseRule('SUBSYSTEM=="tty" SYMLINK+="x"'), /not a key-value pair/)
  t.throws(() => parseRule('SUBSYSTEM=="tty", SYMLINK=="x"'), /SYMLINK cannot be matched/)
  t.throws(() => parseRule('KERNEL="tty"'), /KERNEL cannot be assigned/)
  t.throws(() => parseRule('ATTRS=="067b"'), /ATTRS needs \{name\}/)
  t.throws(() => parseRule('SUBSYSTEM=="tty, MODE="0660"'), /not a key-value pair/)
})

t.test('the example config uses the names the rules give', async (t) => {
  const example = parse(readFileSync(join(REPO_ROOT, 'config', 'station.example.yaml'), 'utf8')) as {
    hardware: { scanner: { path: string }; printer: { path: string } }
  }
  t.equal(example.hardware.scanner.path, '/dev/citizen-scanner')
  t.equal(example.hardware.printer.path, '/dev/citizen-printer')
  const links = new Set(rules().map((rule) => `/dev/${value(rule, 'SYMLINK')}`))
  t.ok(links.has(example.hardware.scanner.path) && links.has(example.hardware.printer.path))
})

t.test('udevadm, where this systemd has it, accepts the file', async (t) => {
  // `udevadm verify` exists from systemd 254; on older ones the parse above stands in for it.
  const version = Number(/systemd (\d+)/.exec((await promisify(execFile)('systemd-analyze', ['--version'])).stdout)?.[1])
  let udevadm = true
  try {
    await promisify(execFile)('udevadm', ['--version'])
  } catch {
    udevadm = false
  }
  if (version >= 254 && udevadm) {
    const { stderr } = await promisify(execFile)('udevadm', ['verify', RULES_FILE])
    t.equal(stderr.trim(), '')
  } else {
    t.ok(version > 0, `systemd ${version}: no udevadm verify, the syntax check stands in`)
  }
})
