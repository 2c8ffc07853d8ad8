import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** One datagram as systemd would see it: the sender's pid (SCM_CREDENTIALS) and the text. */
export interface NotifyDatagram {
  atMs: number
  pid: number
  text: string
}

export interface NotifySocket {
  /** The NOTIFY_SOCKET value: a path, or '@name' for an abstract socket. */
  address: string
  received: NotifyDatagram[]
  close(): void
}

// A real AF_UNIX SOCK_DGRAM socket with SO_PASSCRED, as systemd's own: the kernel stamps each
// datagram with the sender's pid, so a test sees who sent it. python3 has unix datagram
// sockets; Node has not (docs/deployment.md).
const RECEIVER = `
import json, socket, struct, sys, time
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind('\\0' + address[1:] if address.startswith('@') else address)
print(json.dumps({'listening': True}), flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = -1
    for level, kind, body in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', body[:12])[0]
    print(json.dumps({'atMs': time.time() * 1000, 'pid': pid, 'text': data.decode()}), flush=True)
`

/** Binds a notify socket at `address` and records every datagram until teardown. */
export async function openNotifySocket(t: { teardown(fn: () => unknown): void }, address: string): Promise<NotifySocket> {
  const child = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const received: NotifyDatagram[] = []
  const lines = createInterface({ input: child.stdout })
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`notify socket receiver exited ${code}: ${stderr}`)))
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as NotifyDatagram | { listening: true }
      if ('listening' in parsed) resolve()
      else received.push(parsed)
    })
  })
  const close = () => {
    child.removeAllListeners('exit')
    child.kill()
  }
  t.teardown(close)
  return { address, received, close }
}

/** Every message's assignments, in order, e.g. ['READY=1', 'STATUS=…']. */
export function assignments(datagrams: readonly NotifyDatagram[]): string[] {
  return datagrams.flatMap((datagram) => datagram.text.split('\n').filter((line) => line !== ''))
}

/** A socket path short enough for sun_path (a tap testdir is often not), removed at teardown. */
export function shortSocketPath(t: { teardown(fn: () => unknown): void }, name = 'notify'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-notify-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, name)
}
