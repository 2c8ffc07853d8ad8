import t, { type Test } from 'tap'
import { ReopeningSerialLink } from '../../../drivers/serial/reopening-serial-link.js'
import type { SerialLink } from '../../../drivers/serial/serial-link.js'
import { openSerialportLink } from '../../../drivers/serial/serialport-link.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { systemClock } from '../../../runtime/core/clock.js'
import { describeSerialLinkContract } from '../../support/contracts/serial-link-contract.js'
import { createPtyPair } from '../../support/socat.js'

const BAUD_RATE = 9600

/** Opens a SerialportLink on a real pty and closes it at teardown (an open port keeps the process alive). */
async function openPty(t: Test, path: string): Promise<SerialLink> {
  const link = await openSerialportLink({ path, baudRate: BAUD_RATE })
  t.teardown(() => link.close())
  return link
}

describeSerialLinkContract(t, 'SimSerialLink', async () => {
  const { host, device } = SimSerialLink.pair('/dev/ttySIM0')
  return { link: host, peer: device, unplug: async () => host.unplug() }
})

describeSerialLinkContract(t, 'SerialportLink on a socat pty pair', async (t) => {
  const pty = await createPtyPair(t)
  const peer = await openPty(t, pty.pathB)
  const link = await openPty(t, pty.pathA)
  return { link, peer, unplug: () => pty.kill() }
})

describeSerialLinkContract(t, 'ReopeningSerialLink over SimSerialLink', async (t) => {
  let device: SimSerialLink | undefined
  let host: SimSerialLink | undefined
  const link = new ReopeningSerialLink({
    path: '/dev/ttySIM0',
    clock: systemClock,
    async open() {
      ;({ host, device } = SimSerialLink.pair('/dev/ttySIM0'))
      return host
    },
  })
  t.teardown(() => link.close())
  await link.open()
  if (!device || !host) throw new Error('not opened')
  const unplugged = host
  return { link, peer: device, unplug: async () => unplugged.unplug(), survivesUnplug: true }
})

describeSerialLinkContract(t, 'ReopeningSerialLink over a socat pty pair', async (t) => {
  const pty = await createPtyPair(t)
  const peer = await openPty(t, pty.pathB)
  const link = new ReopeningSerialLink({
    path: pty.pathA,
    clock: systemClock,
    minBackoffMs: 20,
    open: () => openSerialportLink({ path: pty.pathA, baudRate: BAUD_RATE }),
  })
  t.teardown(() => link.close())
  await link.open()
  return { link, peer, unplug: () => pty.kill(), survivesUnplug: true }
})
