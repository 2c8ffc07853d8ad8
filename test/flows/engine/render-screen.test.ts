import t from 'tap'
import { renderScreen, wrapText } from '../../../flows/engine/render-screen.js'

const LCD = { cols: 20, rows: 4 }
const cells = (row: string) => Array.from(row).length

t.test('renders exactly 4 rows of exactly 20 characters, title first and body wrapped at spaces', async (t) => {
  const { rows, pageCount } = renderScreen({ title: 'Phản ánh ANTT', body: 'Vui lòng quét mã QR hoặc mặt sau thẻ CCCD' }, { ...LCD, page: 0 })
  t.equal(pageCount, 1)
  t.strictSame(rows, [
    'Phản ánh ANTT       ',
    'Vui lòng quét mã QR ',
    'hoặc mặt sau thẻ    ',
    'CCCD                ',
  ])
  t.ok(rows.every((row) => cells(row) === 20))
})

t.test('counts a decomposed Vietnamese letter as one cell (NFC code points)', async (t) => {
  const decomposed = 'Nguyễn Văn Đức'.normalize('NFD')
  const { rows } = renderScreen({ title: decomposed, body: '' }, { ...LCD, page: 0 })
  t.equal(rows[0], 'Nguyễn Văn Đức      '.normalize('NFC'))
  t.equal(cells(rows[0] ?? ''), 20)
})

t.test('truncates a long title and hard-breaks a word longer than a row', async (t) => {
  const { rows } = renderScreen({ title: 'Security and order feedback', body: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ end' }, { ...LCD, page: 0 })
  t.strictSame(rows, ['Security and order f', 'ABCDEFGHIJKLMNOPQRST', 'UVWXYZ end          ', '                    '])
})

t.test('numbers options after the body and pages them, with a page marker on the title row', async (t) => {
  const screen = {
    title: 'Security report',
    body: 'Pick topic. 0: more',
    options: ['Theft', 'Fighting, disorder', 'Drugs, social evils', 'Fire risk', 'Traffic, parking', 'Other'],
  }
  const first = renderScreen(screen, { ...LCD, page: 0 })
  t.equal(first.pageCount, 3)
  t.strictSame(first.rows, ['Security report  1/3', 'Pick topic. 0: more ', '1 Theft             ', '2 Fighting, disorder'])
  t.strictSame(renderScreen(screen, { ...LCD, page: 1 }).rows, [
    'Security report  2/3',
    '3 Drugs, social     ',
    '  evils             ',
    '4 Fire risk         ',
  ])
  t.strictSame(renderScreen(screen, { ...LCD, page: 2 }).rows, [
    'Security report  3/3',
    '5 Traffic, parking  ',
    '6 Other             ',
    '                    ',
  ])
  t.strictSame(renderScreen(screen, { ...LCD, page: 9 }).rows, renderScreen(screen, { ...LCD, page: 2 }).rows, 'clamps the page')
})

t.test('keeps a wrapped option together on the next page rather than splitting it', async (t) => {
  const { rows, pageCount } = renderScreen({ title: 'T', body: 'one\ntwo', options: ['a long option label here'] }, { ...LCD, page: 0 })
  t.equal(pageCount, 2)
  t.strictSame(rows.slice(1), ['one                 ', 'two                 ', '                    '])
  t.strictSame(renderScreen({ title: 'T', body: 'one\ntwo', options: ['a long option label here'] }, { ...LCD, page: 1 }).rows.slice(1), [
    '1 a long option     ',
    '  label here        ',
    '                    ',
  ])
})

t.test('echoes input on the last row, keeping the newest digits in view', async (t) => {
  const { rows, pageCount } = renderScreen({ title: 'Phone', body: 'Phone (optional), then press OK', input: '0912345678' }, { ...LCD, page: 0 })
  t.equal(pageCount, 1)
  t.strictSame(rows, ['Phone               ', 'Phone (optional),   ', 'then press OK       ', '> 0912345678        '])
  const long = renderScreen({ title: 'X', body: '', input: '123456789012345678901234' }, { ...LCD, page: 0 })
  t.equal(long.rows[3], '> 789012345678901234')
  t.equal(renderScreen({ title: 'X', body: '', input: '' }, { ...LCD, page: 0 }).rows[3], '>                   ')
})

t.test('adds the hint after the options', async (t) => {
  const { rows } = renderScreen({ title: 'Xin chào', body: 'Quét CCCD hoặc chọn', options: ['Tiếng Việt'], hint: 'Ngoại tuyến' }, { ...LCD, page: 0 })
  t.strictSame(rows, ['Xin chào            ', 'Quét CCCD hoặc chọn ', '1 Tiếng Việt        ', 'Ngoại tuyến         '])
})

t.test('works on other geometries (16x2) and always returns the asked number of rows', async (t) => {
  const { rows, pageCount } = renderScreen({ title: 'Title', body: 'one two three four five six' }, { cols: 16, rows: 2, page: 1 })
  t.equal(pageCount, 2)
  t.strictSame(rows, ['Title        2/2', 'four five six   '])
  const tiny = renderScreen({ title: 'Title', body: 'x', input: '1' }, { cols: 8, rows: 1, page: 0 })
  t.strictSame(tiny.rows, ['Title   '])
})

t.test('wrapText honours explicit line breaks and blank lines', async (t) => {
  t.strictSame(wrapText('a\n\nb c', 20), ['a', '', 'b c'])
})

t.test('with a "more" text, every page of a long list says so on its title row, and each option knows its page', async (t) => {
  const screen = { title: 'Phản ánh ANTT', body: 'Chọn vấn đề', options: ['Trộm cắp', 'Gây rối, đánh nhau', 'Ma túy, tệ nạn', 'Nguy cơ cháy nổ', 'Giao thông, đỗ xe', 'Vấn đề khác'] }
  const geometry = { ...LCD, more: '0: thêm' }
  const first = renderScreen(screen, { ...geometry, page: 0 })
  t.equal(first.pageCount, 3)
  t.strictSame(first.optionPages, [0, 0, 1, 1, 1, 2])
  t.strictSame(first.rows, ['Phản ánh ANT 0: thêm', 'Chọn vấn đề         ', '1 Trộm cắp          ', '2 Gây rối, đánh nhau'])
  t.equal(renderScreen(screen, { ...geometry, page: 2 }).rows[0], 'Phản ánh ANT 0: thêm', 'the last page says it too (0 turns back to the first)')
  const short = renderScreen({ title: 'Phản ánh ANTT', body: 'Chọn', options: ['Một', 'Hai'] }, { ...geometry, page: 0 })
  t.equal(short.rows[0], 'Phản ánh ANTT       ', 'a list that fits says nothing of pages')
  t.strictSame(short.optionPages, [0, 0])
})

t.test('a marker (a countdown) sits at the right of the title row of a screen that fits', async (t) => {
  const { rows } = renderScreen({ title: 'Trả hóa đơn', body: 'Đang chờ thanh toán', marker: '9:05' }, { ...LCD, page: 0 })
  t.equal(rows[0], 'Trả hóa đơn     9:05')
})
