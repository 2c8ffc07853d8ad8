/** The machine a run came from, written into the JSON (docs/benchmarks.md). */
import { execFileSync } from 'node:child_process'
import { cpus, freemem, release, totalmem } from 'node:os'

export interface MachineDescription {
  cpuModel: string
  cores: number
  nodeVersion: string
  kernel: string
  memTotalMb: number
  memFreeMb: number
  /** The file system the benchmark's temporary folder is on: device, type, and whether it spins. */
  tmpDisk: { dir: string; source: string; fsType: string; rotational: boolean | null }
}

function run(command: string, args: readonly string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

export function describeMachine(tmpDir: string): MachineDescription {
  const found = run('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '-T', tmpDir])?.split(/\s+/) ?? []
  const source = found[0] ?? 'unknown'
  const device = /^\/dev\/([a-z]+)/.exec(source)?.[1]
  const rotational = device === undefined ? null : run('cat', [`/sys/block/${device}/queue/rotational`])
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    nodeVersion: process.version,
    kernel: release(),
    memTotalMb: Math.round(totalmem() / 2 ** 20),
    memFreeMb: Math.round(freemem() / 2 ** 20),
    tmpDisk: { dir: tmpDir, source, fsType: found[1] ?? 'unknown', rotational: rotational === null ? null : rotational === '1' },
  }
}
