/**
 * The flow engine's fingerprint, part of every flow cache key (flow-cache.ts): a SHA-256 of the
 * engine's own code files and of the versions of the YAML parser and of the schema library that
 * checks a flow's shape (TypeBox). Any change to how a flow is read or
 * checked changes it, and every cached parse with it, without anyone having to bump a number.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** This folder: flows/engine in a checkout, dist/flows/engine after a build. */
export const ENGINE_DIR = dirname(fileURLToPath(import.meta.url))

let fingerprint: Promise<string> | undefined

/** Computed once per process (a few ms: the engine's files are read once). */
export function engineFingerprint(): Promise<string> {
  fingerprint ??= computeFingerprint(ENGINE_DIR)
  return fingerprint
}

/** The fingerprint of the code files (`.js`, `.ts`, not declarations or maps) in `dir`. */
export async function computeFingerprint(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => /\.(js|ts)$/.test(name) && !name.endsWith('.d.ts')).sort()
  const contents = await Promise.all(names.map((name) => readFile(join(dir, name))))
  const hash = createHash('sha256').update(`yaml ${versionOf('yaml')}\ntypebox ${versionOf('@sinclair/typebox')}\n`)
  names.forEach((name, i) => {
    const bytes = contents[i] as Buffer
    hash.update(`${name} ${bytes.length}\n`).update(bytes)
  })
  return hash.digest('hex')
}

/** The installed version of package `name`, from its package.json (found from its entry point: not every package exports it). */
function versionOf(name: string): string {
  const require = createRequire(import.meta.url)
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json')
    if (!existsSync(file)) continue
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown }
    if (manifest.name === name) return String(manifest.version)
  }
  return 'unknown'
}
