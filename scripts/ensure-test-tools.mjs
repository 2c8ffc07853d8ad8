// Runs before `npm test`: the suite drives a real mosquitto broker and real pseudo-terminals made
// by socat, runs the virtual station in a tmux terminal, rates the systemd unit with systemd-analyze, receives sd_notify datagrams with
// python3 and checks the shell scripts with shellcheck. Installs them with apt-get where that is possible (root on Debian, Ubuntu, Raspberry
// Pi OS); otherwise stops with a message naming the packages.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin']

function found(binary) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SBIN].filter(Boolean)
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

// Each binary and the Debian package that has it.
const TOOLS = { mosquitto: 'mosquitto', socat: 'socat', 'systemd-analyze': 'systemd', python3: 'python3', shellcheck: 'shellcheck', tmux: 'tmux' }
const missingBinaries = Object.keys(TOOLS).filter((binary) => !found(binary))
const missing = missingBinaries.map((binary) => TOOLS[binary])
if (missing.length === 0) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt) {
  console.error(
    `The tests need ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed.\n` +
      `Install ${missing.length > 1 ? 'them' : 'it'} first, for example: sudo apt-get install -y ${missing.join(' ')}`,
  )
  process.exit(1)
}
console.error(`installing ${missing.join(' ')} with apt-get (needed by the tests)`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
} catch {
  console.error(`apt-get could not install ${missing.join(' ')}; install ${missing.length > 1 ? 'them' : 'it'} and run the tests again`)
  process.exit(1)
}
const still = missingBinaries.filter((binary) => !found(binary))
if (still.length > 0) {
  console.error(`still missing after apt-get: ${still.join(' ')}`)
  process.exit(1)
}
