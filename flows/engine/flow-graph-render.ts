/**
 * A flow's step graph as text for diagrams: Mermaid (renders in Markdown on most forges) and
 * Graphviz DOT. Every step is a node labelled `id (kind)`; every transition an edge labelled with its
 * cause: `next`, `option n` (the key that picks it), `case n` (1-based, in file order), `otherwise`,
 * `on_error`, `on_timeout`, `on_empty`, `list option` (any option made from a reply's list), `leave` (back, then ok, on a wait). `back` goes to whichever waiting step came before, so it is not drawn.
 * Pure.
 */
import { transitionsOf } from './flow-graph.js'
import type { FlowDefinition, Step } from './flow-types.js'

/** `flowchart TD` source. Nodes get positional ids (`s0`, `s1`, …): step ids like `end` are Mermaid keywords. */
export function renderMermaid(flow: FlowDefinition): string {
  const nodeOf = nodeIds(flow)
  const lines = ['flowchart TD']
  for (const [id, step] of flow.steps) lines.push(`  ${nodeOf(id)}["${label(step)}"]`)
  for (const edge of edges(flow)) lines.push(`  ${nodeOf(edge.from)} -->|${edge.cause}| ${nodeOf(edge.to)}`)
  return `${lines.join('\n')}\n`
}

/** `digraph` source; step ids are quoted as they are. */
export function renderDot(flow: FlowDefinition): string {
  const lines = [`digraph "${flow.id}" {`, '  rankdir=TB;', '  node [shape=box];']
  for (const [id, step] of flow.steps) lines.push(`  "${id}" [label="${label(step)}"];`)
  for (const edge of edges(flow)) lines.push(`  "${edge.from}" -> "${edge.to}" [label="${edge.cause}"];`)
  lines.push('}')
  return `${lines.join('\n')}\n`
}

/** Every transition of `flow`, steps in file order, each step's transitions in transitionsOf order. */
export function edges(flow: FlowDefinition): Array<{ from: string; to: string; cause: string }> {
  return [...flow.steps.values()].flatMap((step) =>
    transitionsOf(step).map((transition) => ({ from: step.id, to: transition.target, cause: causeOf(transition.field) })),
  )
}

/** `options[2].next` → `option 3`; `cases[0].next` → `case 1`; other fields as written. */
function causeOf(field: string): string {
  // Any option of a list, and the confirmed leave of a wait: one arrow each.
  if (field === 'options_from.next') return 'list option'
  if (field === 'leave.next') return 'leave'
  const indexed = /^(options|cases)\[(\d+)\]\.next$/.exec(field)
  if (!indexed) return field
  return `${indexed[1] === 'options' ? 'option' : 'case'} ${Number(indexed[2]) + 1}`
}

function label(step: Step): string {
  // Step ids are [a-z][a-z0-9_-]* and kinds are fixed words: nothing here needs escaping.
  return `${step.id} (${step.kind})`
}

function nodeIds(flow: FlowDefinition): (id: string) => string {
  const ids = new Map([...flow.steps.keys()].map((id, index) => [id, `s${index}`]))
  return (id) => ids.get(id) ?? id
}
