/** The production DoctorIo: node:fs and node:child_process, nothing else. */
import { execFile } from 'node:child_process'
import { access, readFile, statfs } from 'node:fs/promises'
import type { DoctorIo, ExecResult } from './check-result.js'

export function systemDoctorIo(): DoctorIo {
  return {
    access: (path, mode) => access(path, mode),
    statfs: (path) => statfs(path),
    readFile: (path) => readFile(path),
    exec: (file, args, timeoutMs) =>
      new Promise<ExecResult>((resolve) => {
        execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ kind: 'missing' })
          // A non-zero exit sets error.code to the exit status; a timeout kills the child (code null).
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
          resolve({ kind: 'exited', code, stdout, stderr })
        })
      }),
    nowMs: () => Date.now(),
  }
}
