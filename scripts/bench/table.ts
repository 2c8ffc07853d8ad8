/** The table `npm run bench` prints (docs/benchmarks.md). Pure. */
import type { FigureResult } from './figure.js'

/** Three significant digits, without exponent for the sizes seen here. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'n/a'
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  if (magnitude >= 1) return value.toFixed(2)
  if (magnitude === 0) return '0'
  return value.toPrecision(2)
}

export function formatRatio(spread: { min: number; median: number; max: number }): string {
  return `${formatNumber(spread.min)} / ${formatNumber(spread.median)} / ${formatNumber(spread.max)}x`
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

/** Rows of: figure, ours median, reference median, ratio min/median/max, goal, met; then notes. */
export function renderTable(figures: readonly FigureResult[]): string {
  const header = ['figure', 'ours (median)', 'reference (median)', 'ratio min / median / max', 'goal', 'met']
  const rows = figures.map((figure) => [
    figure.title,
    `${formatNumber(figure.oursMedian)} ${figure.unit}`,
    `${formatNumber(figure.referenceMedian)} ${figure.unit} (${figure.reference})`,
    formatRatio(figure.ratio),
    figure.goal?.text ?? '-',
    figure.goalMet === null ? '-' : figure.goalMet ? 'yes' : 'NO',
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: readonly string[]) => cells.map((cell, column) => pad(cell, widths[column]!)).join(' | ')
  const out = [line(header), widths.map((width) => '-'.repeat(width)).join('-|-')]
  for (const row of rows) out.push(line(row))
  const notes: string[] = []
  for (const figure of figures) {
    const extras = Object.entries(figure.extra).map(([key, value]) => `${key} ${formatNumber(value.median)} (${formatNumber(value.min)}-${formatNumber(value.max)})`)
    if (extras.length > 0) notes.push(`${figure.name}: ${extras.join(', ')}`)
    for (const note of figure.notes) notes.push(`${figure.name}: ${note}`)
  }
  if (notes.length > 0) out.push('', 'medians (min-max) of further numbers, and notes:', ...notes.map((note) => `  ${note}`))
  return out.join('\n')
}
