import { SerialPort } from 'serialport'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
const open = (path) => new Promise((res, rej) => { const p = new SerialPort({ path, baudRate: 9600 }, (e) => e ? rej(e) : res(p)) })
const dir = mkdtempSync('/tmp/sp-probe/x')
const s = spawn('socat', ['-d','-d',`pty,raw,echo=0,link=${dir}/ttyA`,`pty,raw,echo=0,link=${dir}/ttyB`], { stdio: ['ignore','ignore','pipe'] })
await new Promise(r => s.stderr.on('data', d => { if (String(d).includes('starting data transfer loop')) r() }))
const b = await open(`${dir}/ttyB`); const a = await open(`${dir}/ttyA`)
const t0 = Date.now()
const res = {}; const ev = []
for (const [n, p] of [['A', a], ['B', b]]) {
  p.on('data', d => {})
  p.on('close', (e) => { res[n] = Date.now() - t0 })
  p.on('error', e => {})
  p.port.poller.on('readable', (e) => ev.push(n + ' readable ' + e?.message))
}
await new Promise(r => setTimeout(r, 100))
s.kill('SIGTERM'); await new Promise(r => s.on('exit', r));
await new Promise(r => setTimeout(r, 500))
const fds = { a: a.port.fd, b: b.port?.fd }
console.log('RESULT', JSON.stringify(res), ev.join(','), JSON.stringify(fds))
if (a.isOpen) a.close(); if (b.isOpen) b.close()
