import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { keysCommand } from '../../../runtime/cli/keys-command.js'
import { keyIdOf } from '../../../runtime/ops/signed-envelope.js'
import { loadSigningKey, loadTrustedKeys } from '../../../runtime/ops/trusted-keys.js'
import { testDir } from '../../support/test-dir.js'

function io() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) } }
}

t.test('keys generate writes a private key (0600) and its public key, and prints both paths and the key id', async (t) => {
  const dir = join(testDir(t, {}), 'new', 'keys')
  const run = io()
  t.equal(await keysCommand(['generate', '--out', dir], run.io), 0)
  const privatePath = join(dir, 'ops.key')
  const publicPath = join(dir, 'ops.pub')
  t.equal(statSync(privatePath).mode & 0o777, 0o600, 'private key is readable by its owner only')
  const [publicKey] = [...(await loadTrustedKeys([publicPath])).values()]
  const keyId = keyIdOf(await loadSigningKey(privatePath))
  t.equal(publicKey && keyIdOf(publicKey), keyId, 'the two files are one pair')
  t.same(run.out, [`private key: ${privatePath}`, `public key:  ${publicPath}`, `key id:      ${keyId}`])
})

t.test('keys generate never overwrites an existing private key', async (t) => {
  const dir = testDir(t, { 'ops-2026.key': 'precious\n' })
  const run = io()
  t.equal(await keysCommand(['generate', '--out', dir, '--name', 'ops-2026'], run.io), 1)
  t.equal(readFileSync(join(dir, 'ops-2026.key'), 'utf8'), 'precious\n', 'the old key is untouched')
  t.match(run.err.join('\n'), /ops-2026\.key already exists; refusing to overwrite/)
  t.same(run.out, [])
})

t.test('usage errors exit 2', async (t) => {
  const dir = testDir(t, {})
  for (const args of [[], ['generate'], ['make', '--out', dir], ['generate', '--out', dir, '--name', '../x'], ['generate', '--out', dir, '--bogus']]) {
    const run = io()
    t.equal(await keysCommand(args, run.io), 2, args.join(' '))
    t.match(run.err.join('\n'), /usage: station keys generate/)
  }
  writeFileSync(join(dir, 'file'), '')
  const run = io()
  t.equal(await keysCommand(['generate', '--out', join(dir, 'file')], run.io), 1, 'an --out that is a file fails with a message')
  t.match(run.err.join('\n'), /station keys generate: /)
})
