import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { edges, renderDot, renderMermaid } from '../../../flows/engine/flow-graph-render.js'
import type { FlowDefinition } from '../../../flows/engine/flow-types.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'

async function load(url: URL): Promise<FlowDefinition> {
  const file = fileURLToPath(url)
  const { flow, diagnostics } = parseFlow(await readFile(file, 'utf8'), file)
  if (!flow) throw new Error(JSON.stringify(diagnostics))
  return flow
}

const feedback = () => load(new URL('./graph-fixtures/feedback-short.yaml', import.meta.url))
const waterBill = () => load(new URL('../fixtures/water-bill.yaml', import.meta.url))

t.test('renders a short feedback flow as Mermaid: one node per step, one labelled edge per transition', async (t) => {
  t.equal(
    renderMermaid(await feedback()),
    `flowchart TD
  s0["identify (scan_id)"]
  s1["topic (choose)"]
  s2["phone (input)"]
  s3["confirm (show)"]
  s4["send (submit)"]
  s5["receipt (print)"]
  s6["no_receipt (show)"]
  s7["done (end)"]
  s8["send_failed (end)"]
  s0 -->|next| s1
  s1 -->|option 1| s2
  s1 -->|option 2| s2
  s1 -->|option 3| s2
  s1 -->|option 4| s2
  s1 -->|option 5| s2
  s1 -->|option 6| s2
  s2 -->|next| s3
  s3 -->|next| s4
  s4 -->|next| s5
  s4 -->|on_error| s8
  s5 -->|next| s7
  s5 -->|on_error| s6
  s6 -->|next| s7
  s6 -->|on_timeout| s7
`,
  )
})

t.test('renders a short feedback flow as DOT', async (t) => {
  t.equal(
    renderDot(await feedback()),
    `digraph "security-feedback" {
  rankdir=TB;
  node [shape=box];
  "identify" [label="identify (scan_id)"];
  "topic" [label="topic (choose)"];
  "phone" [label="phone (input)"];
  "confirm" [label="confirm (show)"];
  "send" [label="send (submit)"];
  "receipt" [label="receipt (print)"];
  "no_receipt" [label="no_receipt (show)"];
  "done" [label="done (end)"];
  "send_failed" [label="send_failed (end)"];
  "identify" -> "topic" [label="next"];
  "topic" -> "phone" [label="option 1"];
  "topic" -> "phone" [label="option 2"];
  "topic" -> "phone" [label="option 3"];
  "topic" -> "phone" [label="option 4"];
  "topic" -> "phone" [label="option 5"];
  "topic" -> "phone" [label="option 6"];
  "phone" -> "confirm" [label="next"];
  "confirm" -> "send" [label="next"];
  "send" -> "receipt" [label="next"];
  "send" -> "send_failed" [label="on_error"];
  "receipt" -> "done" [label="next"];
  "receipt" -> "no_receipt" [label="on_error"];
  "no_receipt" -> "done" [label="next"];
  "no_receipt" -> "done" [label="on_timeout"];
}
`,
  )
})

t.test('labels branch cases 1-based, otherwise, and the request and wait failure paths', async (t) => {
  t.strictSame(
    edges(await waterBill()).map((edge) => `${edge.from} ${edge.cause} ${edge.to}`),
    [
      'customer next lookup',
      'lookup next check',
      'lookup on_error offline',
      'lookup on_timeout slow',
      'check case 1 already_paid',
      'check case 2 confirm',
      'check otherwise offline',
      'confirm next pay',
      'pay next paying',
      'pay on_error no_slip',
      'paying next thanks',
      'paying on_timeout not_paid',
    ],
  )
  const mermaid = renderMermaid(await waterBill())
  t.match(mermaid, /s2 -->\|case 1\| s7\n {2}s2 -->\|case 2\| s3\n {2}s2 -->\|otherwise\| s8/)
  t.match(renderDot(await waterBill()), /"paying" -> "not_paid" \[label="on_timeout"\];/)
})

t.test('never uses a step id as a Mermaid node id (end is a Mermaid keyword)', async (t) => {
  const yaml = `id: tiny
version: 1
title: { vi: "T", en: "T" }
start: end
steps:
  end: { kind: end, outcome: completed, text: { vi: "x", en: "x" } }
`
  const { flow } = parseFlow(yaml, 't.yaml')
  t.equal(renderMermaid(flow as FlowDefinition), 'flowchart TD\n  s0["end (end)"]\n')
})
