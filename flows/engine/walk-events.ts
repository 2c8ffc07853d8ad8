/**
 * What `station flows test` can do to a session where it waits (docs/flows.md, "How `station flows
 * test` walks"): the keys of each option, typed values, an identity, `ok`, letting a timer expire,
 * results for the call it waits on (stored, printed, replies and events from the declared shape, a
 * malformed one, failures) and `back`. Each is plain data, so a copy of a walk can carry the one it
 * is to take.
 */
import type { KeyName } from '../../config/schema.js'
import type { IdentitySource } from './identity.js'
import { keysToChoose } from './session-machine.js'
import { screenPageCount } from './session-values.js'
import { inputValues, keyEvents, malformed, outcomeOf, replies, typedMatch, typing, type Probe } from './walk-values.js'
import type { Decision } from './walk-world.js'
import { numberedOptions } from './session-values.js'

export type Perform =
  | { kind: 'keys'; keys: KeyName[] }
  /** Let time pass until the machine's timer in this slot fires (a step's countdown, a call's deadline). */
  | { kind: 'expire'; timer: 'step' | 'effect' }
  | { kind: 'identity'; source: IdentitySource }
  | { kind: 'resolve'; value: unknown }
  | { kind: 'reject'; code: string }

/** One thing the walker does to a session. */
export interface Action {
  /** For failure reports: `topic: option 2`. */
  label: string
  perform: Perform
  back?: boolean
  /** Nothing after it differs from an earlier alternative: finish along the shortest way only. */
  finishOnly?: boolean
  /** A reply or event the session must accept, or refuse (E_REPLY_INVALID, E_EVENT_INVALID) for its shape. */
  expect?: 'accepted' | 'refused'
}

/** What a path needs to know about the session it decides for. */
export interface At {
  /** The session there, to ask the machine what a candidate leads to. */
  probe: Probe
  /** Steps whose `back` some path has already tried. */
  backTried: ReadonlySet<string>
}

/** Every cause the walker tries at `decision`, the one to explore first first. */
export function alternativesOf(decision: Decision, at: At): Action[] {
  const alternatives = decision.kind === 'wait' ? residentActions(decision.step, at) : callResults(decision, at)
  const step = decision.step
  const canGoBack = decision.kind === 'wait' || step.kind === 'request' || step.kind === 'wait_for'
  if (canGoBack && !at.backTried.has(step.id)) {
    alternatives.push({ label: `${step.id}: back`, perform: { kind: 'keys', keys: ['back'] }, back: true })
  }
  return alternatives
}

/** What a resident can do at a waiting step, and the step's timeout. */
function residentActions(step: Extract<Decision, { kind: 'wait' }>['step'], at: At): Action[] {
  const named = (what: string): string => `${step.id}: ${what}`
  const alternatives: Action[] = []
  switch (step.kind) {
    case 'scan_id': {
      const source = step.accept[0] ?? 'cccd_qr'
      alternatives.push({ label: named(`identity (${source})`), perform: { kind: 'identity', source } })
      break
    }
    case 'choose': {
      const seen = new Set<string>()
      // As numbered now: the written options, or the items of the reply list the walk gave (session-values.ts).
      numberedOptions(step, at.probe.state, at.probe.nowMs).forEach((_option, index) => {
        // Key 0 until the option's page shows: a number on another page picks nothing (docs/flows.md, "The panel").
        const keys: KeyName[] = keysToChoose(step, at.probe.state, at.probe.nowMs, index)
        const outcome = outcomeOf(at.probe, keyEvents(keys))
        alternatives.push({ label: named(`option ${index + 1}`), perform: { kind: 'keys', keys }, ...(seen.has(outcome) ? { finishOnly: true } : {}) })
        seen.add(outcome)
      })
      break
    }
    case 'input': {
      const { valid, invalid } = inputValues(step, at.probe)
      for (const value of valid) alternatives.push({ label: named(`type '${value}'`), perform: { kind: 'keys', keys: typing(value) } })
      const first = valid[0]
      if (invalid !== undefined && first !== undefined) {
        alternatives.push({
          label: named(`type '${invalid}' (refused), then '${first}'`),
          perform: { kind: 'keys', keys: [...typing(invalid), ...typing(first)] },
          finishOnly: true,
        })
      }
      break
    }
    case 'show':
      alternatives.push({ label: named('ok'), perform: { kind: 'keys', keys: ['ok'] } })
      break
    case 'consent': {
      // ok reads on page by page and agrees on the last one.
      const pages = screenPageCount(at.probe.flow, at.probe.state, at.probe.nowMs)
      alternatives.push({ label: named('agree'), perform: { kind: 'keys', keys: Array.from({ length: pages }, (): KeyName => 'ok') } })
      break
    }
  }
  alternatives.push({ label: named('timeout'), perform: { kind: 'expire', timer: 'step' } })
  return alternatives
}

/** The results a device or central can give the call the session waits on. */
function callResults(decision: Extract<Decision, { kind: 'call' }>, at: At): Action[] {
  const { step, call, attempt } = decision
  const named = (what: string): string => `${step.id}: ${what}`
  const alternatives: Action[] = []
  switch (call.effect) {
    case 'submit':
      alternatives.push({ label: named('stored'), perform: { kind: 'resolve', value: { id: 'walk-1', reference: 'WALK-0001' } } })
      alternatives.push({ label: named('store failed'), perform: { kind: 'reject', code: 'E_OUTBOX_IO' } })
      break
    case 'print':
      alternatives.push({ label: named('printed'), perform: { kind: 'resolve', value: undefined } })
      alternatives.push({ label: named('print failed'), perform: { kind: 'reject', code: 'E_PRINTER_NOT_READY' } })
      break
    case 'request':
    case 'waitFor': {
      if (step.kind !== 'request' && step.kind !== 'wait_for') break
      const shape = step.kind === 'request' ? step.reply : step.fields
      // What the event must carry to match, typed as its shape declares (an amount is a number).
      const matched = step.kind === 'wait_for' ? typedMatch(at.probe.state.progress.match ?? {}, shape) : {}
      const fitting = replies(at.probe, step.saveAs, shape, matched)
      fitting.forEach((fields, index) => {
        alternatives.push({
          label: named(`${call.effect === 'request' ? 'reply' : 'event'} ${index + 1} ${JSON.stringify(fields)}`),
          perform: { kind: 'resolve', value: fields },
          ...(shape === undefined ? {} : { expect: 'accepted' as const }),
        })
      })
      const bad = shape === undefined ? undefined : malformed(shape, fitting[0] ?? matched)
      if (step.kind === 'request' && shape !== undefined) {
        // Central answered with something that does not fit: the request fails at once, retries or not.
        alternatives.push({ label: named(`malformed reply ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, finishOnly: true, expect: 'refused' })
      } else if (step.kind === 'wait_for' && bad !== undefined && attempt === 0) {
        // A notification that does not fit is not accepted: the step waits on.
        alternatives.push({ label: named(`malformed event ${JSON.stringify(bad)}`), perform: { kind: 'resolve', value: bad }, finishOnly: true, expect: 'refused' })
      }
      if (step.kind === 'wait_for' && step.leave !== undefined && attempt === 0) {
        // Back asks while the wait goes on; ok leaves.
        alternatives.push({ label: named('back, then ok (leave)'), perform: { kind: 'keys', keys: ['back', 'ok'] } })
      }
      const timeout: Action = { label: named('timeout'), perform: { kind: 'expire', timer: 'effect' } }
      if (step.kind === 'request') {
        alternatives.push({ label: named('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' } }, timeout)
      } else {
        alternatives.push(timeout)
        if (step.onError !== undefined) alternatives.push({ label: named('error'), perform: { kind: 'reject', code: 'E_MQTT_UNAVAILABLE' } })
      }
      break
    }
  }
  return alternatives
}
