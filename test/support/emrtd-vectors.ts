/**
 * The ICAO 9303 worked-example vectors of test/vectors/emrtd.json (docs/emrtd.md, "Test vectors"): the same
 * {protocol, name, input, expected, valid, why} shape as test/vectors/vectors.json, plus the `source` each
 * value was taken from.
 */
import { readFileSync } from 'node:fs'

export interface EmrtdVector {
  readonly name: string
  readonly input: Readonly<Record<string, unknown>>
  readonly expected: Readonly<Record<string, unknown>>
  readonly why: string
  readonly source: string
}

export function emrtdVectors(): EmrtdVector[] {
  return JSON.parse(readFileSync(new URL('../vectors/emrtd.json', import.meta.url), 'utf8')) as EmrtdVector[]
}

export function emrtdVector(name: string): EmrtdVector {
  const vector = emrtdVectors().find((candidate) => candidate.name === name)
  if (vector === undefined) throw new Error(`no emrtd vector ${name}`)
  return vector
}

/** A string field of a vector's input or expected part. */
export function field(record: Readonly<Record<string, unknown>>, key: string): string {
  const value = record[key]
  if (typeof value !== 'string') throw new TypeError(`vector field ${key} is not a string`)
  return value
}
