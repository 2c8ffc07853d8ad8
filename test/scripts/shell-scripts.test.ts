import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO_ROOT } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

/** scripts/*.sh, and every file under .ci/ whose first line names a shell. */
function shellScripts(): string[] {
  const scripts = readdirSync(join(REPO_ROOT, 'scripts'))
    .filter((name) => name.endsWith('.sh'))
    .map((name) => join('scripts', name))
  const ci = readdirSync(join(REPO_ROOT, '.ci'))
    .map((name) => join('.ci', name))
    .filter((file) => /^#!.*\b(ba|da)?sh\b/.test(readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')[0] ?? ''))
  return [...scripts, ...ci]
}

t.test('shellcheck finds nothing in the shell scripts', async (t) => {
  const files = shellScripts()
  t.ok(files.includes(join('scripts', 'install.sh')) && files.includes(join('.ci', 'run')), files.join(', '))
  const result = await promisify(execFile)('shellcheck', ['--severity=style', ...files], { cwd: REPO_ROOT }).catch(
    (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? String(error), code: error.code }),
  )
  t.equal(result.stdout, '', 'no findings')
})

t.test('shellcheck does report a finding (the check is not a no-op)', async (t) => {
  const dir = testDir(t, { 'bad.sh': '#!/bin/sh\nrm -rf $1/*\n' })
  await t.rejects(promisify(execFile)('shellcheck', [join(dir, 'bad.sh')]), { code: 1, stdout: /SC2086/ })
})
