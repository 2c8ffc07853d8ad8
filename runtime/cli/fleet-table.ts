/**
 * The text of `station ops watch`: fleet rows laid out as lines no wider than the terminal, one
 * page at a time (docs/fleet.md). Pure: the ink view only prints these lines.
 */
import type { FleetRow, Trouble } from '../ops/fleet-model.js'

/** Lines that are not station rows: summary, column heads, footer; plus one spare so ink never scrolls. */
export const CHROME_LINES = 4

/** Station rows that fit on a terminal `height` lines high (at least one). */
export function rowsPerPage(height: number): number {
  return Math.max(1, height - CHROME_LINES)
}

/** `12s`, `5m`, `3h`, `2d`; `-` when unknown. */
export function formatAge(ageS: number | null): string {
  if (ageS === null) return '-'
  if (ageS < 60) return `${ageS}s`
  if (ageS < 3600) return `${Math.floor(ageS / 60)}m`
  if (ageS < 86_400) return `${Math.floor(ageS / 3600)}h`
  return `${Math.floor(ageS / 86_400)}d`
}

/** Cuts `text` to `width` characters, marking the cut with `…`; pads to `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  const chars = [...text]
  if (chars.length <= width) return text + ' '.repeat(width - chars.length)
  return `${chars.slice(0, width - 1).join('')}…`
}

interface Column {
  head: string
  width: number
  cell: (row: FleetRow) => string
}

const STATE_LABEL: Record<FleetRow['state'], string> = {
  online: 'online',
  offline: 'OFFLINE',
  maintenance: 'maint',
  unknown: '?',
}

function flowsCell(row: FleetRow): string {
  return row.flows.map((flow) => (flow.version === null ? flow.id : `${flow.id}@${flow.version}`)).join(',') || '-'
}

function outboxCell(row: FleetRow): string {
  if (row.outboxDepth === null) return '-'
  return row.outboxDepth === 0 ? '0' : `${row.outboxDepth} ${formatAge(row.outboxOldestAgeS)}`
}

function linkCell(row: FleetRow): string {
  if (row.linkConnected === null) return '-'
  return row.linkConnected ? 'up' : 'down'
}

/** Fixed-width columns; the id column takes what the longest id needs (within bounds), faults the rest. */
function columns(rows: readonly FleetRow[], width: number): Column[] {
  const longestId = rows.reduce((longest, row) => Math.max(longest, [...row.id].length), 7)
  const longestFlows = rows.reduce((longest, row) => Math.max(longest, [...flowsCell(row)].length), 5)
  // 80 columns give flows 14; a wider terminal shares what it has beyond 80 between flows and faults.
  const flowsWidth = Math.max(5, Math.min(longestFlows, 14 + Math.max(0, Math.floor((width - 80) / 2))))
  const fixed: Column[] = [
    { head: 'STATE', width: 7, cell: (row) => STATE_LABEL[row.state] },
    { head: 'SEEN', width: 4, cell: (row) => formatAge(row.lastSeenAgeS) },
    { head: 'OUTBOX', width: 8, cell: outboxCell },
    { head: 'LINK', width: 4, cell: linkCell },
    { head: 'LOST', width: 4, cell: (row) => String(row.lostMessages) },
    { head: 'FLOWS', width: flowsWidth, cell: flowsCell },
  ]
  const separators = fixed.length + 1
  const fixedWidth = fixed.reduce((sum, column) => sum + column.width, 0)
  // At least 8 for faults; the id gets up to 24 and never fewer than 8.
  const idWidth = Math.max(8, Math.min(longestId, 24, width - fixedWidth - separators - 8))
  const faultsWidth = Math.max(0, width - fixedWidth - separators - idWidth)
  return [
    { head: 'STATION', width: idWidth, cell: (row) => row.id },
    ...fixed,
    { head: 'FAULTS', width: faultsWidth, cell: (row) => row.faults.join('; ') || (row.trouble === 'ok' ? '' : '-') },
  ]
}

function line(columnsOfTable: Column[], cells: string[], width: number): string {
  const text = columnsOfTable.map((column, index) => fit(cells[index] ?? '', column.width)).join(' ')
  return fit(text.trimEnd(), width).trimEnd()
}

export interface FleetScreen {
  lines: string[]
  /** The page shown, after clamping (0-based). */
  page: number
  pages: number
  /** The rows on this page, in the order of lines 2.. (for colouring). */
  shown: FleetRow[]
}

export interface FleetScreenInput {
  rows: readonly FleetRow[]
  width: number
  height: number
  page: number
  /** Broker label (footer) and whether the watcher is connected (summary line). */
  broker: string
  connected: boolean
}

/** Every line of one screen, each at most `width` characters. */
export function fleetScreen(input: FleetScreenInput): FleetScreen {
  const { rows, width, height } = input
  const perPage = rowsPerPage(height)
  const pages = Math.max(1, Math.ceil(rows.length / perPage))
  const page = Math.min(Math.max(0, input.page), pages - 1)
  const counts = new Map<Trouble, number>()
  for (const row of rows) counts.set(row.trouble, (counts.get(row.trouble) ?? 0) + 1)
  const summaryParts = [
    ...(input.connected ? [] : ['DISCONNECTED']),
    `${rows.length} stations`,
    ...(['offline', 'faults', 'maintenance', 'outbox', 'lost'] as const)
      .filter((trouble) => (counts.get(trouble) ?? 0) > 0)
      .map((trouble) => `${counts.get(trouble)} ${trouble}`),
    `${counts.get('ok') ?? 0} ok`,
  ]
  const table = columns(rows, width)
  const shown = rows.slice(page * perPage, (page + 1) * perPage)
  const first = shown.length === 0 ? 0 : page * perPage + 1
  const rest = rows.length - (page * perPage + shown.length)
  const footer = [
    `${first}-${page * perPage + shown.length} of ${rows.length}`,
    ...(rest > 0 ? [`${rest} more`] : []),
    ...(pages > 1 ? [`page ${page + 1}/${pages}`, 'n/p page'] : []),
    'q quit',
    input.broker,
  ].join(' · ')
  return {
    page,
    pages,
    shown,
    lines: [
      fit(summaryParts.join(' · '), width).trimEnd(),
      line(table, table.map((column) => column.head), width),
      ...shown.map((row) => line(table, table.map((column) => column.cell(row)), width)),
      fit(footer, width).trimEnd(),
    ],
  }
}
