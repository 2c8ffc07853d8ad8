/**
 * A DoctorIo for unit tests: the real file system (t.testdir) unless a test hands its own answer for
 * a program run or an access check, since the board's programs and device nodes are not on this machine.
 */
import { access, readFile, statfs } from 'node:fs/promises'
import type { DoctorIo, ExecResult } from '../../../runtime/doctor/check-result.js'

export interface FakeIoOptions {
  /** Answers by program name ('timedatectl', 'systemctl', 'id'); unknown programs are missing. */
  exec?: Record<string, ExecResult | ((args: readonly string[]) => ExecResult)>
  /** Errno to reject an access() of this path with, or 'ok'. */
  access?: Record<string, string>
  statfs?: (path: string) => Promise<{ bavail: number; bsize: number }>
  nowMs?: number
}

export function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake`), { code })
}

export function exited(code: number, stdout: string, stderr = ''): ExecResult {
  return { kind: 'exited', code, stdout, stderr }
}

export function testIo(options: FakeIoOptions = {}): DoctorIo & { execCalls: string[][] } {
  const execCalls: string[][] = []
  return {
    execCalls,
    async access(path, mode) {
      const answer = options.access?.[path]
      if (answer === 'ok') return
      if (answer !== undefined) throw errnoError(answer)
      await access(path, mode)
    },
    statfs: options.statfs ?? ((path) => statfs(path)),
    readFile: (path) => readFile(path),
    async exec(file, args) {
      execCalls.push([file, ...args])
      const answer = options.exec?.[file]
      if (answer === undefined) return { kind: 'missing' }
      return typeof answer === 'function' ? answer(args) : answer
    },
    nowMs: () => options.nowMs ?? Date.now(),
  }
}
