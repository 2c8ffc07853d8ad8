/**
 * What Linux says about a process (proc(5)): CPU time from /proc/<pid>/stat, memory and context
 * switches from /proc/<pid>/status. Parsing is pure; `readProcSample` does the reading.
 */
import { execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'

/** utime and stime from a /proc/<pid>/stat line, in clock ticks. */
export interface ProcCpuTicks {
  utimeTicks: number
  stimeTicks: number
}

/**
 * Fields 14 (utime) and 15 (stime) of /proc/<pid>/stat. The command name (field 2) is in
 * parentheses and may hold spaces or ')', so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcCpuTicks {
  const close = text.lastIndexOf(')')
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name')
  // After ')' come fields 3 (state), 4, ...: utime is field 14, so index 11 here.
  const fields = text.slice(close + 1).trim().split(/\s+/)
  const utimeTicks = Number(fields[11])
  const stimeTicks = Number(fields[12])
  if (!Number.isInteger(utimeTicks) || !Number.isInteger(stimeTicks)) {
    throw new Error('not a /proc/<pid>/stat line: utime/stime are not integers')
  }
  return { utimeTicks, stimeTicks }
}

/** The parts of /proc/<pid>/status a benchmark reads. */
export interface ProcStatus {
  /** Resident set now, in kB. */
  vmRssKb: number
  /** Peak resident set since the process started, in kB. */
  vmHwmKb: number
  voluntaryCtxtSwitches: number
  nonvoluntaryCtxtSwitches: number
}

/** Parses the `Key:\tvalue [kB]` lines of /proc/<pid>/status; a missing key reads as 0. */
export function parseProcStatus(text: string): ProcStatus {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_]+):\s+(\d+)/.exec(line)
    if (match) values.set(match[1]!, Number(match[2]))
  }
  return {
    vmRssKb: values.get('VmRSS') ?? 0,
    vmHwmKb: values.get('VmHWM') ?? 0,
    voluntaryCtxtSwitches: values.get('voluntary_ctxt_switches') ?? 0,
    nonvoluntaryCtxtSwitches: values.get('nonvoluntary_ctxt_switches') ?? 0,
  }
}

/** One reading of a process. */
export interface ProcSample {
  /** utime + stime of the whole process (all threads), in seconds. */
  cpuS: number
  /** Voluntary + nonvoluntary switches summed over every thread (the status file counts only its own thread). */
  ctxtSwitches: number
  rssKb: number
}

let ticksPerSecond: number | undefined

/** USER_HZ (`getconf CLK_TCK`), 100 on every Linux this runs on when getconf is absent. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

export async function readProcSample(pid: number): Promise<ProcSample> {
  const { utimeTicks, stimeTicks } = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'))
  const status = parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'))
  let ctxtSwitches = 0
  for (const task of await readdir(`/proc/${pid}/task`)) {
    try {
      const taskStatus = parseProcStatus(await readFile(`/proc/${pid}/task/${task}/status`, 'utf8'))
      ctxtSwitches += taskStatus.voluntaryCtxtSwitches + taskStatus.nonvoluntaryCtxtSwitches
    } catch {
      // the thread ended between readdir and read
    }
  }
  return { cpuS: (utimeTicks + stimeTicks) / clockTicksPerSecond(), ctxtSwitches, rssKb: status.vmRssKb }
}
