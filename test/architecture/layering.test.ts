/**
 * The layering rules of docs/architecture.md ("Layers"), as dependency-cruiser checks them
 * (.dependency-cruiser.mjs), plus the one rule an import graph cannot show: only runtime/main.ts
 * touches the `process` global. Each rule is also shown to bite on a small tree that breaks it.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import ts from 'typescript'
import { testDir } from '../support/test-dir.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CONFIG = join(ROOT, '.dependency-cruiser.mjs')
const CRUISER = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const LAYERS = ['runtime', 'drivers', 'flows', 'config']

interface Violation {
  from: string
  to: string
  rule: { name: string }
}

/** Runs dependency-cruiser over `paths` in `cwd` and returns what breaks a rule. */
async function violations(cwd: string, paths: string[]): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [CRUISER, ...paths, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }))
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } }
  return report.summary.violations
}

t.test('the project keeps its layers', async (t) => {
  const found = await violations(ROOT, LAYERS)
  t.same(
    found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
    [],
    'no import breaks a layering rule',
  )
})

t.test('each rule bites on a tree that breaks it', async (t) => {
  const dir = testDir(t)
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }))
  file('package.json', JSON.stringify({ type: 'module' }))
  file('runtime/station.ts', 'export const station = 1\n')
  file('runtime/core/errors.ts', "import { station } from '../station.js'\nexport const e = station\n")
  file('drivers/display/display.ts', "import { station } from '../../runtime/station.js'\nimport { flow } from '../../flows/engine/flow.js'\nexport const d = station + flow\n")
  file('drivers/i2c/native-i2c-bus.ts', 'export const native = 1\n')
  file('drivers/i2c/bus-user.ts', "export async function load() { return import('i2c-bus') }\n")
  file('node_modules/i2c-bus/package.json', JSON.stringify({ name: 'i2c-bus', main: 'index.js' }))
  file('node_modules/i2c-bus/index.js', 'module.exports = {}\n')
  file('flows/engine/flow.ts', "import { native } from '../../drivers/i2c/native-i2c-bus.js'\nimport { station } from '../../runtime/station.js'\nexport const flow = native + station\n")
  file('config/load.ts', "import { station } from '../runtime/station.js'\nexport const c = station\n")
  // A type import closes a cycle as surely as a value import: both files must change together.
  file('runtime/ping.ts', "import type { Pong } from './pong.js'\nexport type Ping = { pong?: Pong }\n")
  file('runtime/pong.ts', "import type { Ping } from './ping.js'\nexport type Pong = { ping?: Ping }\n")
  // No pair of files is exempt, not even the flow session's facade and runner that once shared a type.
  file('flows/engine/flow-session.ts', "import type { Runner } from './session-runner.js'\nexport type Effects = { runner?: Runner }\n")
  file('flows/engine/session-runner.ts', "import type { Effects } from './flow-session.js'\nexport type Runner = { effects?: Effects }\n")

  const found = await violations(dir, LAYERS)
  const seen = new Set(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`))
  for (const expected of [
    'kernel-imports-nothing-of-ours: runtime/core/errors.ts -> runtime/station.ts',
    'drivers-use-only-the-kernel-of-runtime: drivers/display/display.ts -> runtime/station.ts',
    'drivers-do-not-import-flows: drivers/display/display.ts -> flows/engine/flow.ts',
    'flows-do-not-import-runtime: flows/engine/flow.ts -> runtime/station.ts',
    'flows-do-not-import-native-adapters: flows/engine/flow.ts -> drivers/i2c/native-i2c-bus.ts',
    'config-does-not-import-runtime: config/load.ts -> runtime/station.ts',
    'only-adapters-load-native-modules: drivers/i2c/bus-user.ts -> node_modules/i2c-bus/index.js',
    'no-circular: runtime/ping.ts -> runtime/pong.ts',
    'no-circular: flows/engine/flow-session.ts -> flows/engine/session-runner.ts',
  ]) {
    t.ok(seen.has(expected), expected)
  }
})

/** Files under `dir` with a TypeScript extension, relative to ROOT. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
}

/** Lines where `text` uses the `process` global (an identifier, not a property or a word in a comment). */
function processUses(path: string, text: string): number[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const lines: number[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === 'process') {
      const parent = node.parent
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        ((ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node)
      if (!isPropertyName) lines.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return lines
}

t.test('only runtime/main.ts touches the process global', async (t) => {
  const users: string[] = []
  for (const path of LAYERS.flatMap(sources)) {
    if (path === join('runtime', 'main.ts')) continue
    for (const line of processUses(path, readFileSync(join(ROOT, path), 'utf8'))) users.push(`${path}:${line}`)
  }
  t.same(users, [], 'process is handed in by main.ts (argv, env, pid, signals), never read where it is used')
  t.same(processUses('probe.ts', 'const a = { process: 1 }.process\n// process.exit()\nprocess.exit(1)\n'), [3], 'the check sees a use and only a use')
})
