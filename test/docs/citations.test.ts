import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * Comments and docs cite `.md` files (`docs/protocols.md 2.3`). Every cited file must be in the
 * repository, so that someone with only a clone can follow the citation, and a numbered section
 * cited in a numbered doc must exist there.
 */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** This file: its examples of bad citations are deliberate. */
const THIS_FILE = fileURLToPath(import.meta.url)
/** Build output, dependencies and version control are not ours to check. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'build', 'coverage', '.tap'])
const CHECKED_EXTENSIONS = ['.ts', '.tsx', '.mjs', '.js', '.cjs', '.json', '.md', '.yaml', '.yml', '.sh', '.c', '.h']
/**
 * A file name ending in `.md`, with any folders before it, and the section number that may follow
 * (`docs/protocols.md 2.3`, `… section 6`, `…, 7.1`). The look-behind keeps URLs and longer names whole.
 */
const CITATION = /(?<![\w./-])((?:\.{1,2}\/)*(?:[\w-]+\/)*[\w.-]+\.md)(?![\w])(?:,? (?:section )?(\d+(?:\.\d+)*))?/g

interface Citation {
  readonly file: string
  readonly line: number
  readonly target: string
  readonly section: string | undefined
}

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...sourceFiles(join(dir, entry.name)))
    } else if (entry.isFile() && CHECKED_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
      const path = join(dir, entry.name)
      if (path !== THIS_FILE) files.push(path)
    }
  }
  return files
}

function citationsIn(file: string, text: string): Citation[] {
  const citations: Citation[] = []
  text.split('\n').forEach((lineText, index) => {
    for (const match of lineText.matchAll(CITATION)) {
      citations.push({ file, line: index + 1, target: match[1] ?? '', section: match[2] })
    }
  })
  return citations
}

/** The cited file, relative to the repository root or to the citing file's folder; undefined when neither exists. */
function resolveCitation(citation: Citation): string | undefined {
  const candidates = [join(REPO_ROOT, citation.target), join(dirname(citation.file), citation.target)]
  return candidates.find((candidate) => candidate.startsWith(REPO_ROOT) && existsSync(candidate))
}

/** Section numbers of a doc's headings: `## 2. PN532` → 2, `### 2.3 Commands` → 2.3. */
function headingNumbers(markdown: string): Set<string> {
  const numbers = new Set<string>()
  for (const match of markdown.matchAll(/^#{1,6} (\d+(?:\.\d+)*)\.?(?= )/gm)) numbers.add(match[1] ?? '')
  return numbers
}

/** What is wrong with one citation, or undefined when it can be followed. */
function problemOf(citation: Citation, readDoc: (path: string) => string): string | undefined {
  const where = `${relative(REPO_ROOT, citation.file)}:${citation.line}`
  const resolved = resolveCitation(citation)
  if (resolved === undefined) return `${where} cites ${citation.target}, which is not in the repository`
  if (citation.section === undefined) return undefined
  const numbers = headingNumbers(readDoc(resolved))
  if (numbers.size === 0 || numbers.has(citation.section)) return undefined
  return `${where} cites ${citation.target} ${citation.section}, which has no such section`
}

const readDoc = (path: string): string => readFileSync(path, 'utf8')

t.test('every cited .md file exists in the repository, with the cited section', async (t) => {
  const files = sourceFiles(REPO_ROOT)
  t.ok(files.length > 100, `walked the source tree (${files.length} files)`)
  const citations = files.flatMap((file) => citationsIn(file, readFileSync(file, 'utf8')))
  t.ok(citations.filter((citation) => citation.target === 'docs/protocols.md').length > 100, 'found the protocol citations')
  const problems = citations.map((citation) => problemOf(citation, readDoc)).filter((problem) => problem !== undefined)
  t.same(problems, [], 'no citation points outside the repository or at a missing section')
})

t.test('the check refuses what it should', async (t) => {
  const file = join(REPO_ROOT, 'drivers', 'nfc', 'example.ts')
  // Built from parts so that a grep for citations of files outside the repository does not find them here.
  const outside = (name: string): string => `${name}.md`
  const problems = (text: string): string[] =>
    citationsIn(file, text)
      .map((citation) => problemOf(citation, readDoc))
      .filter((problem) => problem !== undefined)

  t.same(problems('// frames (docs/protocols.md 2.1) and rules (docs/protocols.md, general rule 2)'), [])
  t.same(problems('// see docs/toolchain.md 5 and docs/architecture.md, README.md'), [])
  t.same(problems('// [link](https://example.org/guide/setup.md) is a URL, not a citation'), [])
  t.match(problems(`/** ACK (${outside('protocols')} 2.1). */`), [/drivers\/nfc\/example\.ts:1 cites protocols\.md, which is not/])
  t.match(problems(`x\n// ${outside('toolchain')} section 6`), [/example\.ts:2 cites toolchain\.md/])
  t.match(problems(`// ../shared/${outside('design')} 5`), [/cites \.\.\/shared\/design\.md/])
  t.match(problems('// docs/protocols.md 11.4'), [/cites docs\/protocols\.md 11\.4, which has no such section/])
  t.same(problems('// docs/protocols.md section 7.2 and docs/protocols.md 10'), [])
})
