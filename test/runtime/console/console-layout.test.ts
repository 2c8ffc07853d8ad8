import t from 'tap'
import { consoleLayout, packItems, rollWindow, truncate, wrapWords } from '../../../runtime/console/console-layout.js'

const width = (line: string) => [...line].length

t.test('wrapWords breaks at spaces and cuts a word longer than a line', async (t) => {
  t.same(wrapWords('one two three', 7), ['one two', 'three'])
  t.same(wrapWords('abcdefghij xy', 4), ['abcd', 'efgh', 'ij', 'xy'])
  t.same(wrapWords('ab abcdefgh', 4), ['ab', 'abcd', 'efgh'])
  t.same(wrapWords('', 10), [''])
  t.same(wrapWords('x', 0), ['x'], 'a width below 1 is taken as 1')
})

t.test('packItems keeps each item whole on one line unless it alone is too wide', async (t) => {
  t.same(packItems(['broker: connected', 'outbox: 2 waiting', 'screen: menu'], 40), ['broker: connected · outbox: 2 waiting', 'screen: menu'])
  t.same(packItems(['a', 'b'], 80), ['a · b'])
  t.same(packItems(['a very long item indeed'], 10), ['a very', 'long item', 'indeed'])
  for (const line of packItems(['0-9 digits', 'Enter ok', 'Backspace/Esc back', 'c card', 'x bad card'], 20)) t.ok(width(line) <= 20, line)
})

t.test('truncate cuts with an ellipsis', async (t) => {
  t.equal(truncate('short', 10), 'short')
  t.equal(truncate('citizen-station', 8), 'citizen…')
  t.equal(truncate('abc', 1), 'a')
  t.equal(truncate('abc', 0), '')
})

const HELP = ['0-9 digits', 'Enter ok', 'Backspace/Esc back', 'c card', 'x bad card', 'w Wiegand card', 'q quit']
const STATUS = ['broker: connected', 'outbox: 0 waiting', 'screen: menu']

t.test('the roll goes beside the display when both fit, under it otherwise', async (t) => {
  const wide = consoleLayout({ columns: 80, rows: 24, paperCols: 32, help: HELP, status: STATUS })
  t.equal(wide.sideBySide, true)
  t.equal(wide.rollBoxCols, 36)
  // 24 rows: header 1, roll label and border 3, help 2, status 1, message 1, spare 1.
  t.equal(wide.rollLines, 24 - 1 - 3 - wide.help.length - wide.status.length - 2)
  t.equal(consoleLayout({ columns: 62, rows: 24, paperCols: 32, help: HELP, status: STATUS }).sideBySide, true, '24 + 2 + 36 columns')
  const narrow = consoleLayout({ columns: 61, rows: 24, paperCols: 32, help: HELP, status: STATUS })
  t.equal(narrow.sideBySide, false)
  t.equal(narrow.rollLines, 24 - 1 - 7 - 3 - narrow.help.length - narrow.status.length - 2)
  const tiny = consoleLayout({ columns: 30, rows: 10, paperCols: 32, help: HELP, status: STATUS })
  t.equal(tiny.rollBoxCols, 30, 'the roll box never wider than the terminal')
  t.equal(tiny.rollLines, 1, 'at least one line of paper')
  t.equal(consoleLayout({ columns: 0, rows: 24, paperCols: 32, help: HELP, status: STATUS }).rollBoxCols, 1)
})

t.test('rollWindow shows the end of a long receipt and scrolls up to its top', async (t) => {
  const paper = Array.from({ length: 20 }, (_, index) => `line ${index + 1}`)
  t.same(rollWindow(paper.slice(0, 3), 5, 0), { shown: ['line 1', 'line 2', 'line 3'], maxScroll: 0 }, 'a short receipt whole')
  const end = rollWindow(paper, 6, 0)
  t.same(end.shown, ['↑ 16 more (↑/↓ scroll)', 'line 17', 'line 18', 'line 19', 'line 20', ''])
  t.equal(end.maxScroll, 16)
  t.same(rollWindow(paper, 6, 3).shown, ['↑ 13 more (↑/↓ scroll)', 'line 14', 'line 15', 'line 16', 'line 17', '↓ 3 more'])
  t.same(rollWindow(paper, 6, 99).shown, ['', 'line 1', 'line 2', 'line 3', 'line 4', '↓ 16 more'], 'scrolled past the top stops there')
  t.same(rollWindow(paper, 6, -5).shown, end.shown, 'below the end stops at the end')
  t.same(rollWindow(paper, 2, 0).shown, ['↑ 19 more (↑/↓ scroll)', 'line 20'])
  t.same(rollWindow(paper, 1, 0).shown, ['line 20'])
  for (const lines of [1, 2, 3, 6, 19]) t.equal(rollWindow(paper, lines, 0).shown.length, lines, `${lines} lines fill exactly ${lines}`)
})
