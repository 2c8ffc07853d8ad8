/**
 * Test vectors (docs/protocols.md, "Test vectors"): the repo copy `test/vectors/vectors.json`, overlaid by
 * a central copy beside the checkout when one exists (where: that section), so vectors added centrally
 * are run without anyone copying them. Without it the repo copy is the whole set.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** One vector: `input` goes through the codec; `expected` is the result, or `{ error }` when not valid. */
export interface Vector {
  readonly protocol: string
  readonly name: string
  readonly input: Readonly<Record<string, unknown>>
  readonly expected: Readonly<Record<string, unknown>>
  readonly valid: boolean
  readonly why: string
}

const REPO_COPY = new URL('../vectors/vectors.json', import.meta.url)
const SHARED_COPY = new URL('../../../shared/vectors/vectors.json', import.meta.url)

/**
 * Every vector, keyed by `protocol/name`: the repo copy first, then the shared copy, whose entries replace
 * same-named ones and add new ones. Order: repo order, then new shared vectors in their order.
 */
export function loadVectors(): Vector[] {
  const merged = new Map<string, Vector>()
  for (const url of [REPO_COPY, SHARED_COPY]) {
    const path = fileURLToPath(url)
    if (url === SHARED_COPY && !existsSync(path)) continue
    for (const vector of parseVectors(readFileSync(path, 'utf8'), path)) {
      merged.set(`${vector.protocol}/${vector.name}`, vector)
    }
  }
  return [...merged.values()]
}

/** The vectors of one protocol (`wiegand`, `vietqr`, `icao_td1` …). */
export function vectorsFor(protocol: string): Vector[] {
  return loadVectors().filter((vector) => vector.protocol === protocol)
}

function parseVectors(json: string, path: string): Vector[] {
  const data: unknown = JSON.parse(json)
  if (!Array.isArray(data)) throw new TypeError(`${path}: expected a JSON array of vectors`)
  return data.map((entry: unknown, index) => {
    if (!isVector(entry)) throw new TypeError(`${path}: entry ${index} is not {protocol, name, input, expected, valid, why}`)
    return entry
  })
}

function isVector(entry: unknown): entry is Vector {
  if (typeof entry !== 'object' || entry === null) return false
  const candidate = entry as Record<string, unknown>
  return (
    typeof candidate['protocol'] === 'string' &&
    typeof candidate['name'] === 'string' &&
    isRecord(candidate['input']) &&
    isRecord(candidate['expected']) &&
    typeof candidate['valid'] === 'boolean' &&
    typeof candidate['why'] === 'string'
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
