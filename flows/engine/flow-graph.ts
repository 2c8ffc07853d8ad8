/** The step graph of a validated flow: who goes where. Pure; used by the session and the flow tools. */
import type { FlowDefinition, Step } from './flow-types.js'

/** One edge of the step graph. */
export interface Transition {
  /**
   * The key that names the target: `next`, `on_timeout`, `on_error`, `otherwise`,
   * `options[i].next`, `options_from.next`, `on_empty`, `leave.next` or `cases[i].next` (i from 0, as in the file).
   */
  field: string
  target: string
  /** True when taking it means the step did its job (answer, identity, reply or reference set). */
  success: boolean
}

/** Every transition out of `step`, in a fixed order (success paths first). */
export function transitionsOf(step: Step): Transition[] {
  const optional = (field: string, target: string | undefined): Transition[] =>
    target === undefined ? [] : [{ field, target, success: false }]
  switch (step.kind) {
    case 'choose':
      return [
        ...step.options.map((option, index) => ({ field: `options[${index}].next`, target: option.next, success: true })),
        ...(step.optionsFrom === undefined ? [] : [{ field: 'options_from.next', target: step.optionsFrom.next, success: true }]),
        ...optional('on_empty', step.onEmpty),
        ...optional('on_timeout', step.onTimeout),
      ]
    case 'scan_id':
    case 'input':
    case 'show':
    case 'consent':
      return [{ field: 'next', target: step.next, success: true }, ...optional('on_timeout', step.onTimeout)]
    case 'submit':
    case 'print':
    case 'pay_qr':
      return [
        { field: 'next', target: step.next, success: true },
        { field: 'on_error', target: step.onError, success: false },
      ]
    case 'request':
      return [
        { field: 'next', target: step.next, success: true },
        { field: 'on_error', target: step.onError, success: false },
        ...optional('on_timeout', step.onTimeout),
      ]
    case 'wait_for':
      return [
        { field: 'next', target: step.next, success: true },
        { field: 'on_timeout', target: step.onTimeout, success: false },
        ...optional('on_error', step.onError),
        ...optional('leave.next', step.leave?.next),
      ]
    case 'branch':
      return [
        ...step.cases.map((branchCase, index) => ({ field: `cases[${index}].next`, target: branchCase.next, success: true })),
        { field: 'otherwise', target: step.otherwise, success: true },
      ]
    case 'end':
      return []
  }
}

/** Ids of the steps reachable from `from` (inclusive), following `edges`. */
export function reachableIds(from: Iterable<string>, edges: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>()
  const queue = [...from]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue
    seen.add(id)
    queue.push(...edges(id))
  }
  return seen
}

/** Ids of the steps of `flow` reachable from `from` (inclusive). */
export function reachableSteps(flow: FlowDefinition, from: string): Set<string> {
  return reachableIds([from], (id) => {
    const step = flow.steps.get(id)
    return step ? transitionsOf(step).map((transition) => transition.target) : []
  })
}
