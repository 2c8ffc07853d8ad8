/** Command line of `npm run bench` (docs/benchmarks.md). Pure. */

export interface BenchArgs {
  /** Where the JSON results go; default bench-results.json in the working directory. */
  jsonFile: string
  /** Figure groups to run; null = all. */
  only: ReadonlySet<string> | null
  /** Smaller sizes and shorter windows: a smoke test, not figures to quote. */
  quick: boolean
}

export const BENCH_USAGE = 'usage: npm run bench -- [--quick] [--only group,group] [--json FILE]'

/** Throws Error with a message fit for the terminal on an unknown flag or group. */
export function parseBenchArgs(argv: readonly string[], groups: readonly string[]): BenchArgs {
  let jsonFile = 'bench-results.json'
  let only: Set<string> | null = null
  let quick = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = (): string => {
      const next = inline ?? argv[++i]
      if (next === undefined || next === '') throw new Error(`${flag} needs a value\n${BENCH_USAGE}`)
      return next
    }
    if (flag === '--quick') quick = true
    else if (flag === '--json') jsonFile = value()
    else if (flag === '--only') {
      only = new Set(value().split(',').map((name) => name.trim()).filter((name) => name.length > 0))
      const unknown = [...only].filter((name) => !groups.includes(name))
      if (unknown.length > 0) throw new Error(`unknown group ${unknown.join(', ')}: use ${groups.join(', ')}`)
    } else throw new Error(`unknown argument ${arg}\n${BENCH_USAGE}`)
  }
  return { jsonFile, only, quick }
}
