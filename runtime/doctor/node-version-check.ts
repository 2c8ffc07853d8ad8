import { fail, pass, type CheckResult } from './check-result.js'

/** package.json engines: the runtime uses Node 20 APIs (fs statfs, import.meta.dirname in tests). */
export const MIN_NODE_MAJOR = 20

/** `version` is process.version, e.g. 'v20.11.1'. Pure. */
export function nodeVersionCheck(version: string): CheckResult {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN)
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return pass('node', `Node ${version}`)
  return fail('node', `Node ${version} is too old (${MIN_NODE_MAJOR} or later needed)`, `install Node ${MIN_NODE_MAJOR} LTS or later (nodejs.org or NodeSource)`)
}
