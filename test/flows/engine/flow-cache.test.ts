import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { computeFingerprint, ENGINE_DIR, engineFingerprint } from '../../../flows/engine/engine-fingerprint.js'
import { encodeParse, flowCacheKey, type EncodedParse } from '../../../flows/engine/flow-cache.js'
import { decodeCacheFile, encodeCacheFile, MAX_CACHE_ENTRIES, openFlowCacheFile, PREBUILT_FLOWS_CACHE } from '../../../flows/engine/flow-cache-file.js'
import { loadFlowsDir, type FlowLoadOptions } from '../../../flows/engine/flow-folder.js'
import { parseFlow } from '../../../flows/engine/flow-validate.js'
import { testDir } from '../../support/test-dir.js'

const BUNDLED = fileURLToPath(new URL('../../../flows/', import.meta.url))
const CHECKS = { capabilities: { identitySources: ['cccd_qr', 'mrz'] }, display: { cols: 20, rows: 4 } }

/** A flow with a warning (an unreachable step), so cached diagnostics are exercised too. */
const WARNED = `id: warned
version: 1
title: { vi: "Thử", en: "Try" }
start: done
steps:
  done: { kind: end, outcome: completed, text: { vi: "Xong", en: "Done" } }
  orphan: { kind: end, outcome: completed, text: { vi: "Lạc", en: "Lost" } }
`

/** A folder with two bundled flows and the warned one. */
function flowsFolder(root: string, name = 'flows'): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  for (const file of ['security-feedback.yaml', 'pay-bill.yaml']) copyFileSync(join(BUNDLED, file), join(dir, file))
  writeFileSync(join(dir, 'warned.yaml'), WARNED)
  return dir
}

async function openCache(path: string, problems: string[] = [], engine?: string) {
  return openFlowCacheFile({ path, onProblem: (message) => problems.push(message), ...(engine === undefined ? {} : { engine }) })
}

/** Rewrites the cache file with every entry's flow title changed, so a hit shows in the result. */
function markEntries(path: string, engine: string): void {
  const decoded = decodeCacheFile(readFileSync(path, 'utf8'), engine)
  if (!('entries' in decoded)) throw new Error('cache file does not decode')
  const marked = new Map<string, EncodedParse>()
  for (const [key, entry] of decoded.entries) {
    const flow = entry.flow as { title?: unknown } | null
    marked.set(key, flow === null ? entry : { ...entry, flow: { ...flow, title: { vi: 'từ bộ nhớ', en: 'from the cache' } } })
  }
  writeFileSync(path, encodeCacheFile(engine, marked))
}

t.test('a miss parses and writes the cache; the next load takes every flow from it', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const path = join(root, 'flows-cache.json')
  const uncached = await loadFlowsDir(dir, CHECKS)
  const problems: string[] = []
  const first = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path, problems) })
  t.strictSame(first, uncached, 'a miss gives what a parse gives')
  t.ok(readdirSync(root).includes('flows-cache.json'), 'the cache is written')
  t.notOk(readdirSync(root).some((name) => name.endsWith('.tmp')), 'no temp file left')

  const again = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path, problems) })
  t.strictSame(again, uncached, 'a hit gives the same flows, diagnostics and order')
  t.match(again.diagnostics, [{ code: 'FLOW_UNREACHABLE', file: join(dir, 'warned.yaml') }])

  const engine = await engineFingerprint()
  markEntries(path, engine)
  const hit = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path, problems) })
  t.strictSame([...hit.flows.values()].map((flow) => flow.title.en), ['from the cache', 'from the cache', 'from the cache'], 'every flow came from the cache')
  t.strictSame(problems, [])
})

t.test('the same bytes hit from another folder, with diagnostics naming the file read', async (t) => {
  const root = testDir(t, {})
  const path = join(root, 'flows-cache.json')
  await loadFlowsDir(flowsFolder(root, 'a'), { ...CHECKS, cache: await openCache(path) })
  markEntries(path, await engineFingerprint())
  const other = flowsFolder(root, 'b')
  const loaded = await loadFlowsDir(other, { ...CHECKS, cache: await openCache(path) })
  t.equal(loaded.flows.get('warned')?.title.en, 'from the cache')
  t.strictSame(loaded.diagnostics.map((d) => d.file), [join(other, 'warned.yaml')])
})

t.test('a key that does not match is a miss: other bytes, other checks, another engine', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const path = join(root, 'flows-cache.json')
  await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path) })
  const engine = await engineFingerprint()
  markEntries(path, engine)
  const titles = (loaded: Awaited<ReturnType<typeof loadFlowsDir>>) => [...loaded.flows.values()].map((flow) => flow.title.en)

  writeFileSync(join(dir, 'warned.yaml'), WARNED.replace('"Try"', '"Try again"'))
  const edited = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path) })
  t.equal(edited.flows.get('warned')?.title.en, 'Try again', 'an edited file is parsed again')
  t.equal(edited.flows.get('pay-bill')?.title.en, 'from the cache', 'the others still hit')

  const wider = await loadFlowsDir(dir, { ...CHECKS, display: { cols: 40, rows: 4 }, cache: await openCache(path) })
  t.notOk(titles(wider).includes('from the cache'), 'another display size is parsed again')
  const more = await loadFlowsDir(dir, { ...CHECKS, capabilities: { identitySources: ['cccd_qr', 'mrz', 'nfc'] }, cache: await openCache(path) })
  t.notOk(titles(more).includes('from the cache'), 'other capabilities are parsed again')

  const problems: string[] = []
  const upgraded = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path, problems, 'another-engine') })
  t.notOk(titles(upgraded).includes('from the cache'), 'another engine never hits')
  t.strictSame(problems, [], 'an engine change is not a problem')
  t.match(decodeCacheFile(readFileSync(path, 'utf8'), 'another-engine'), { entries: Map }, 'and the file is rewritten for the new engine')
  t.match(decodeCacheFile(readFileSync(path, 'utf8'), engine), { stale: true })

  t.not(flowCacheKey(engine, CHECKS, WARNED), flowCacheKey(engine, CHECKS, `${WARNED} `), 'one byte more is another key')
  t.equal(flowCacheKey(engine, CHECKS, WARNED), flowCacheKey(engine, { ...CHECKS }, WARNED), 'the same inputs, the same key')
})

t.test('a damaged cache is reported, ignored and rewritten', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const path = join(root, 'flows-cache.json')
  const uncached = await loadFlowsDir(dir, CHECKS)
  await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path) })
  const engine = await engineFingerprint()
  markEntries(path, engine)
  const good = readFileSync(path, 'utf8')
  const damages: Record<string, string> = {
    'a flipped byte': good.replace('from the cache', 'from the cachf'),
    'torn in the middle': good.slice(0, Math.floor(good.length / 2)),
    'empty': '',
    'not JSON': 'garbage\n{}\n',
    'no second line': `${good.split('\n')[0]}\n`,
  }
  for (const [what, text] of Object.entries(damages)) {
    writeFileSync(path, text)
    const problems: string[] = []
    const loaded = await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(path, problems) })
    t.strictSame(loaded, uncached, `${what}: every flow is parsed`)
    t.match(problems, [/flows cache .* ignored/], `${what}: reported`)
    t.match(decodeCacheFile(readFileSync(path, 'utf8'), engine), { entries: Map }, `${what}: rewritten whole`)
  }
})

t.test('a cache that cannot be written costs time, not the flows', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const problems: string[] = []
  const cache = await openCache(join(root, 'missing-folder', 'flows-cache.json'), problems)
  const loaded = await loadFlowsDir(dir, { ...CHECKS, cache })
  t.strictSame(loaded, await loadFlowsDir(dir, CHECKS))
  t.match(problems, [/cannot write the flows cache/])
})

t.test('a result that would not come back identical is not cached', async (t) => {
  const parsed = parseFlow(WARNED, 'warned.yaml', CHECKS)
  t.ok(encodeParse(parsed, 'warned.yaml'), 'a parse encodes')
  t.equal(encodeParse(parsed, 'elsewhere.yaml'), undefined, 'diagnostics of another file')
  const flow = parsed.flow!
  const steps = new Map<string, unknown>(flow.steps)
  const withText = (text: unknown) => ({ ...(steps.get('done') as object), text })
  const broken = () => ({ ...parsed, flow: { ...flow, steps: steps as typeof flow.steps } })
  steps.set('done', withText({ vi: 'x', en: undefined }))
  t.equal(encodeParse(broken(), 'warned.yaml'), undefined, 'an undefined value')
  steps.set('done', withText({ vi: 'x', en: /y/ }))
  t.equal(encodeParse(broken(), 'warned.yaml'), undefined, 'a value JSON cannot carry')
  steps.set('done', withText({ '$flow-cache:set': [] }))
  t.equal(encodeParse(broken(), 'warned.yaml'), undefined, 'a key that looks like a tag')
})

t.test('writes race one at a time; the cache keeps at most its limit', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const path = join(root, 'flows-cache.json')
  const cache = await openCache(path)
  await Promise.all([loadFlowsDir(dir, { ...CHECKS, cache }), loadFlowsDir(dir, { ...CHECKS, display: { cols: 40, rows: 4 }, cache })])
  const decoded = decodeCacheFile(readFileSync(path, 'utf8'), await engineFingerprint())
  t.equal('entries' in decoded ? decoded.entries.size : -1, 6, 'both loads are in the file')

  const full = await openCache(join(root, 'full.json'))
  for (let i = 0; i <= MAX_CACHE_ENTRIES; i++) full.put(`key-${i}`, { flow: null, diagnostics: [] })
  full.get('key-1')
  full.put('one-more', { flow: null, diagnostics: [] })
  await full.persist()
  const kept = decodeCacheFile(readFileSync(join(root, 'full.json'), 'utf8'), await engineFingerprint())
  const keys = 'entries' in kept ? [...kept.entries.keys()] : []
  t.equal(keys.length, MAX_CACHE_ENTRIES)
  t.notOk(keys.includes('key-0') || keys.includes('key-2'), 'the least recently used went first')
  t.ok(keys.includes('key-1') && keys.includes('one-more'), 'what was just used stays')
})

t.test('the engine fingerprint follows the engine code', async (t) => {
  const root = testDir(t, { 'a.js': 'export const a = 1\n', 'b.ts': 'export const b = 2\n', 'notes.json': '{}', 'x.d.ts': '' })
  const before = await computeFingerprint(root)
  writeFileSync(join(root, 'notes.json'), '{"changed":true}')
  writeFileSync(join(root, 'x.d.ts'), 'declare const x: 1')
  t.equal(await computeFingerprint(root), before, 'data and declarations do not count')
  writeFileSync(join(root, 'a.js'), 'export const a = 3\n')
  t.not(await computeFingerprint(root), before, 'a code change does')
  t.equal(await engineFingerprint(), await computeFingerprint(ENGINE_DIR), 'the engine is fingerprinted from its own folder')
  t.ok(PREBUILT_FLOWS_CACHE.startsWith(ENGINE_DIR), 'the build writes its cache beside the engine')
})

t.test('a prebuilt cache is read, never written', async (t) => {
  const root = testDir(t, {})
  const dir = flowsFolder(root)
  const prebuilt = join(root, 'prebuilt.json')
  await loadFlowsDir(dir, { ...CHECKS, cache: await openCache(prebuilt) })
  markEntries(prebuilt, await engineFingerprint())
  const before = readFileSync(prebuilt, 'utf8')
  const own = join(root, 'own.json')
  const options: FlowLoadOptions = { ...CHECKS, cache: await openFlowCacheFile({ path: own, prebuilt: [prebuilt] }) }
  const loaded = await loadFlowsDir(dir, options)
  t.equal(loaded.flows.get('pay-bill')?.title.en, 'from the cache', 'a hit in the prebuilt cache')
  t.notOk(readdirSync(root).includes('own.json'), 'nothing to write when every flow hit')
  t.equal(readFileSync(prebuilt, 'utf8'), before)
})
