/**
 * Turns parsed YAML into a frozen `Config`, or lists every problem as `path: problem (got value)`.
 * Options the raw value omits are taken from `base` (deep merge; arrays are replaced whole). Pure: no I/O.
 *
 * The schema (`config/station-options.ts`) states what each option may be; TypeBox judges the merged
 * config against it (`config/schema-findings.ts` words its verdict). Kept by hand: the rules on one
 * option that depend on another's value (here) and the rules across options (`config/cross-field-rules.ts`).
 */
import { TransformDecode } from '@sinclair/typebox/value'
import { isPlainObject, socketMode } from './checks.js'
import { checkCrossField } from './cross-field-rules.js'
import './formats.js'
import { electrodesProblem, KEYPAD_DEFAULT_ADDRESS, keypadAddressProblem, type KeypadKind } from '../drivers/keypad/keypad-options.js'
import { mergeRaw } from './merge-raw.js'
import { isObjectSchema, type OptionSchema } from './option-problems.js'
import { optionAt } from './option-paths.js'
import { renderOption, renderValue, unknownOptionLine } from './problem-lines.js'
import { getIn } from './raw-config.js'
import { knownPaths, schemaFindings, type OptionProblem } from './schema-findings.js'
import type { Config } from './schema.js'
import { StationOptions } from './station-options.js'

export { renderValue } from './problem-lines.js'

export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: string[] }

const ROOT: OptionSchema = StationOptions
const KNOWN_PATHS = knownPaths(ROOT)

/** Problems by option path, and the cross-field rules' view of which options are already wrong. */
class Collector {
  readonly byPath = new Map<string, OptionProblem[]>()
  /** Cross-field problems, in the order the rules found them. */
  readonly crossField: string[] = []

  add(path: string, problem: OptionProblem): void {
    const list = this.byPath.get(path) ?? []
    list.push(problem)
    this.byPath.set(path, list)
  }

  problem(path: string, problem: string, rendered: string): void {
    this.add(path, { problem: '', rendered: '' })
    this.crossField.push(`${path}: ${problem} (got ${rendered})`)
  }

  /** True when none of the paths has a problem yet, so a cross-field rule does not pile onto one. */
  allGood(...paths: string[]): boolean {
    return paths.every((path) => !this.byPath.has(path))
  }
}

function segmentsOf(path: string): string[] {
  return path === '' ? [] : path.split('.')
}

function getAt(value: unknown, path: string): unknown {
  return getIn(value, segmentsOf(path))
}

/** Puts `replacement` (or nothing, when undefined) at `path` of the merged config. */
function setAt(root: Record<string, unknown>, path: string, replacement: unknown): void {
  const segments = segmentsOf(path)
  const last = segments.pop()
  let current: unknown = root
  for (const key of segments) {
    if (!isPlainObject(current)) return
    current = current[key]
  }
  if (!isPlainObject(current) || last === undefined) return
  if (replacement === undefined) delete current[last]
  else current[last] = structuredClone(replacement)
}

/** True when the raw config itself sets the option at `path` (to anything, null included). */
function isGiven(raw: unknown, path: string): boolean {
  let current = raw
  for (const key of segmentsOf(path)) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return false
    current = current[key]
  }
  return true
}

/** Switching the keypad's kind without naming an address takes that chip's own address. */
function keypadAddressFollowsKind(raw: unknown, merged: Record<string, unknown>, base: Config): void {
  const kind = getAt(raw, 'hardware.keypad.kind')
  const rawKeypad = getAt(raw, 'hardware.keypad')
  if (kind === base.hardware.keypad.kind || !isPlainObject(rawKeypad) || Object.hasOwn(rawKeypad, 'address')) return
  if (kind === 'mpr121' || kind === 'ft6x36') setAt(merged, 'hardware.keypad.address', KEYPAD_DEFAULT_ADDRESS[kind as KeypadKind])
}

/** Rules on one option that depend on another option's value, or that a JSON Schema keyword cannot say. */
const DEPENDENT_RULES: ReadonlyArray<{ readonly path: string; readonly problem: (config: Config) => string | null }> = [
  { path: 'hardware.keypad.address', problem: ({ hardware: { keypad } }) => keypadAddressProblem(keypad.kind, keypad.address) },
  { path: 'hardware.keypad.electrodes', problem: ({ hardware: { keypad } }) => electrodesProblem(keypad.electrodes) },
  // The mode's bits: others get nothing, the owner reads and writes (docs/security.md).
  { path: 'control.mode', problem: ({ control }) => socketMode(control.mode) },
]

/** The problem lines of the schema and dependent rules, in schema order: a section's options, then its unknown keys. */
function orderedLines(collector: Collector, unknown: readonly string[]): string[] {
  const lines: string[] = []
  const emit = (path: string): void => {
    for (const { problem, rendered } of collector.byPath.get(path) ?? []) {
      if (problem !== '') lines.push(`${path}: ${problem} (got ${rendered})`)
    }
  }
  const walk = (schema: OptionSchema, path: string): void => {
    if (path !== '' && collector.byPath.has(path)) return emit(path)
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const childPath = path === '' ? key : `${path}.${key}`
      if (isObjectSchema(child)) walk(child, childPath)
      else emit(childPath)
    }
    for (const unknownPath of unknown) {
      if (unknownPath.slice(0, unknownPath.lastIndexOf('.') + 1) === (path === '' ? '' : `${path}.`)) {
        lines.push(unknownOptionLine(unknownPath, KNOWN_PATHS))
      }
    }
  }
  walk(ROOT, '')
  return lines
}

/**
 * Validates `raw` (parsed YAML; null or undefined = empty) over `base`. Collects every problem rather
 * than stopping at the first. The returned config is deep-frozen and shares nothing with `base`.
 */
export function validateConfig(raw: unknown, base: Config): ValidationResult {
  const rootRaw = raw ?? {}
  if (!isPlainObject(rootRaw)) {
    return { ok: false, problems: [`(root): must be a mapping of options (got ${renderValue(raw)})`] }
  }
  const merged = mergeRaw(ROOT, rootRaw, base) as Record<string, unknown>
  keypadAddressFollowsKind(rootRaw, merged, base)

  const collector = new Collector()
  const findings = schemaFindings(ROOT, merged)
  // The base is a validated config already: only what the raw value sets is judged (and a section it
  // gives that lacks a required option).
  for (const [path, problem] of findings.problems) if (problem.required === true || isGiven(rootRaw, path)) collector.add(path, problem)
  // A refused value falls back to the base's, so the rules below see a well-formed config.
  for (const path of [...findings.problems.keys(), ...findings.unknown]) setAt(merged, path, getAt(base, path))
  const config = TransformDecode(ROOT, [], merged) as Config

  for (const rule of DEPENDENT_RULES) {
    if (!collector.allGood(rule.path) || !isGiven(rootRaw, rule.path)) continue
    const problem = rule.problem(config)
    const schema = optionAt(rule.path, ROOT)
    if (problem !== null && schema !== undefined) collector.add(rule.path, { problem, rendered: renderOption(schema, getAt(merged, rule.path)) })
  }
  const lines = orderedLines(collector, findings.unknown)
  checkCrossField(config, collector)
  const problems = [...lines, ...collector.crossField]
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, config: deepFreeze(config) }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
