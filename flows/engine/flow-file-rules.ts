/**
 * The rules of one step that its schema (flow-file-schema.ts) cannot state, or states only for
 * editors, in keywords TypeBox's checker does not evaluate (`not` for reserved names,
 * `dependentRequired` for a wait_for's fields and a pattern's example): names reserved for built-ins, min_length not above
 * max_length, regular expressions that compile, option values used once, a wait_for that saves
 * the event declares its fields, literal VietQR values, reply fields whose examples and
 * enumerations fit them and whose required_when names another field, and branch conditions
 * (conditions.ts). Each rule looks only at keys that fit the schema (`fits`), so one mistake is
 * reported once. Problems come as schema-problems.ts words them. Pure.
 */
import { parseCondition } from './conditions.js'
import { STEP_KINDS, type ReplyFieldFile } from './flow-file-schema.js'
import { replyFieldOf } from './flow-step-build.js'
import { fieldProblem, type FieldShape } from './reply-shape.js'
import { describe, pathText, valueAt, type SchemaProblem } from './schema-problems.js'
import { RESERVED_NAMES, templateReferences } from './template.js'

/** Literal VietQR values, checked early when they hold no variable (docs/protocols.md 8; vietqr.ts does the rest). */
export const LITERAL_VIETQR = {
  bin: { pattern: /^\d{6}$/, name: 'a 6-digit bank BIN' },
  account: { pattern: /^[0-9A-Za-z]{1,19}$/, name: '1 to 19 letters or digits' },
  amount: { pattern: /^[1-9]\d{0,12}$/, name: 'a whole number of VND, at least 1' },
} as const

/** Where a branch's conditions are: conditions.ts reads and words them, not the schema. */
export function isConditionPath(path: readonly string[]): boolean {
  return path.length >= 5 && path[0] === 'steps' && (path[2] === 'cases' || path[2] === 'options') && path[4] === 'when'
}

/**
 * The rule problems of every step of `file` (the whole file's value). `problems` holds the schema's;
 * a key fits when no problem so far is at or under it. The rules' own problems are added to it.
 */
export function checkStepRules(file: unknown, problems: SchemaProblem[]): void {
  const fits = (path: readonly string[]): boolean => {
    const prefix = path.join('/')
    return !problems.some((problem) => {
      const at = problem.path.join('/')
      return at === prefix || at.startsWith(`${prefix}/`)
    })
  }
  const add = (path: string[], message: string, at: SchemaProblem['at'] = 'value', code: SchemaProblem['code'] = 'FLOW_SCHEMA'): void => {
    problems.push({ code, path, at, message })
  }
  const steps = valueAt(file, ['steps'])
  if (!isMapping(steps)) return
  for (const [id, step] of Object.entries(steps)) {
    if (!isMapping(step) || !(STEP_KINDS as readonly unknown[]).includes(step['kind'])) continue
    const base = ['steps', id]
    const where = (...keys: string[]): string => pathText(file, [...base, ...keys])
    const present = (key: string): boolean => step[key] !== undefined && fits([...base, key])

    if (present('save_as') && RESERVED_NAMES.includes(step['save_as'] as string)) {
      add([...base, 'save_as'], `${where('save_as')}: '${String(step['save_as'])}' is reserved for a built-in`)
    }
    switch (step['kind']) {
      case 'input': {
        const min = present('min_length') ? (step['min_length'] as number) : 0
        if (fits([...base, 'min_length']) && present('max_length') && min > (step['max_length'] as number)) {
          add([...base, 'max_length'], `${where()}: min_length ${min} is greater than max_length ${String(step['max_length'])}`)
        }
        if (present('pattern')) checkPattern(step['pattern'] as string, [...base, 'pattern'], where('pattern'), add)
        break
      }
      case 'choose': {
        const options = step['options']
        if (options === undefined && step['options_from'] === undefined) add(base, `${where()}: a choose step needs options or options_from`, 'owner')
        if (options !== undefined && step['options_from'] !== undefined) add([...base, 'options_from'], `${where('options_from')}: use options or options_from, not both`)
        if (step['options_from'] !== undefined && step['on_empty'] === undefined) {
          add(base, `${where()}: missing 'on_empty': options from a list must say where an empty list goes`, 'owner', 'FLOW_NO_FAILURE_PATH')
        }
        if (step['options_from'] === undefined && step['on_empty'] !== undefined) add([...base, 'on_empty'], `${where('on_empty')}: only options_from can be empty`)
        if (!Array.isArray(options)) break
        const seen: unknown[] = []
        options.forEach((option: unknown, index) => {
          const path = [...base, 'options', String(index), 'value']
          if (!isMapping(option) || !fits(path)) return
          if (seen.includes(option['value'])) add(path, `${pathText(file, path)}: '${String(option['value'])}' is used by another option`)
          seen.push(option['value'])
        })
        const guarded = options.filter((option: unknown) => isMapping(option) && option['when'] !== undefined).length
        checkConditions(file, [...base, 'options'], options, add)
        // One option always offered: a step whose every option can be switched off could show nothing to pick.
        if (guarded > 0 && guarded === options.length) {
          add([...base, 'options'], `${where('options')}: every option has a 'when'; leave at least one without, so the step always offers something`, 'value', 'FLOW_BAD_CONDITION')
        }
        break
      }
      case 'wait_for':
        if (present('save_as') && step['fields'] === undefined) {
          add(base, `${where()}: missing 'fields': a wait_for that saves the event must declare its fields`, 'owner', 'FLOW_NO_REPLY_SHAPE')
        }
        if (step['fields'] !== undefined) checkReplyShape(file, [...base, 'fields'], fits, add)
        break
      case 'request':
        if (step['reply'] !== undefined) checkReplyShape(file, [...base, 'reply'], fits, add)
        break
      case 'pay_qr':
        for (const [key, literal] of Object.entries(LITERAL_VIETQR)) {
          if (!present(key)) continue
          const value = String(step[key])
          if (templateReferences(value).length === 0 && !literal.pattern.test(value)) add([...base, key], `${where(key)}: '${value}' is not ${literal.name}`)
        }
        break
      case 'branch': {
        const cases = step['cases']
        if (Array.isArray(cases)) checkConditions(file, [...base, 'cases'], cases, add)
        break
      }
    }
  }
}

type Add = (path: string[], message: string, at?: SchemaProblem['at'], code?: SchemaProblem['code']) => void

/** The `when` of each item of a branch's cases or a choose step's options, as conditions.ts words its problems. */
function checkConditions(file: unknown, listPath: string[], items: unknown[], add: Add): void {
  items.forEach((item: unknown, index) => {
    if (!isMapping(item) || item['when'] === undefined) return
    const whenPath = [...listPath, String(index), 'when']
    for (const problem of parseCondition(item['when']).problems) {
      const path = [...whenPath, ...problem.path.map(String)]
      add(path, `${pathText(file, path)}: ${problem.message}`, 'value', 'FLOW_BAD_CONDITION')
    }
  })
}

function checkPattern(source: string, path: string[], where: string, add: Add): boolean {
  try {
    new RegExp(source, 'u')
    return true
  } catch (error) {
    add(path, `${where}: not a valid regular expression (${error instanceof Error ? error.message : String(error)})`)
    return false
  }
}

/** A reply's or an event's declared shape: each full field on its own, then the required_when across fields. */
function checkReplyShape(file: unknown, shapePath: string[], fits: (path: readonly string[]) => boolean, add: Add): void {
  const shape = valueAt(file, shapePath)
  if (!isMapping(shape)) return
  const fields = new Map<string, FieldShape>()
  let clean = fits(shapePath)
  for (const [name, written] of Object.entries(shape)) {
    const path = [...shapePath, name]
    if (!fits(path)) continue
    const field = written as ReplyFieldFile
    const at = (...keys: string[]): string[] => [...path, ...keys]
    const where = pathText(file, path)
    if (isMapping(field) && field['type'] === 'list') {
      checkReplyShape(file, [...path, 'items'], fits, add)
      if (!fits(path)) {
        clean = false
        continue
      }
    } else if (isMapping(field)) {
      const full = field as Exclude<ReplyFieldFile, string | string[]>
      let ok = true
      if (full.type === 'string') {
        if (full.pattern !== undefined) ok = checkPattern(full.pattern, at('pattern'), pathText(file, at('pattern')), add) && ok
        if (full.pattern !== undefined && full.example === undefined) {
          add(at('pattern'), `${where}: a pattern needs an example that fits it (for station flows test)`)
          ok = false
        }
      }
      if ((full.type === 'integer' || full.type === 'number') && full.min !== undefined && full.max !== undefined && full.min > full.max) {
        add(path, `${where}: min ${full.min} is greater than max ${full.max}`)
        ok = false
      }
      if (ok && full.type === 'string') {
        const shaped = replyFieldOf(full)
        const samples: Array<[string, string[]]> = [...(full.enum ?? []).map((value): [string, string[]] => [value, at('enum')]), ...(full.example === undefined ? [] : [[full.example, at('example')] as [string, string[]]])]
        const misfit = samples.map(([sample, samplePath]) => ({ sample, samplePath, problem: fieldProblem(shaped, sample) })).find((entry) => entry.problem !== undefined)
        if (misfit) {
          add(misfit.samplePath, `${where}: '${misfit.sample}' does not fit the field itself (${String(misfit.problem)})`)
          ok = false
        }
      }
      if (!ok) {
        clean = false
        continue
      }
    }
    fields.set(name, replyFieldOf(field))
  }
  for (const [name, field] of fields) {
    if (!field.requiredWhen) continue
    const { field: other, value } = field.requiredWhen
    const path = [...shapePath, name, 'required_when']
    const target = other === name ? undefined : fields.get(other)
    if (!target) {
      if (clean) add(path, `${pathText(file, path)}: '${other}' is not another field of this shape`)
      clean = false
    } else if (fieldProblem(target, value) !== undefined) {
      add(path, `${pathText(file, path)}: ${describe(value)} is not a value '${other}' can have`)
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
