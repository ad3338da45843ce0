// Browser side of the browser interop test (bundled by browser.mjs with esbuild, loaded by index.html in
// headless Chromium): a js-libp2p node with only the WebSocket and circuit relay transports. It dials
// chiral-relay over /ws, identifies, reserves a slot by listening on <relay>/p2p-circuit, and echoes the
// bytes a Node peer sends it through the relay.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'

const ECHO = '/chiral-test/echo/1.0.0'

function log (msg) {
  const el = document.getElementById('log')
  if (el != null) el.textContent += `${msg}\n`
  console.log(`[page] ${msg}`)
}

function timeout (promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms) })
  ]).finally(() => clearTimeout(timer))
}

const stats = { echoedBytes: 0, echoStreams: 0 }

async function echoStream (stream) {
  stats.echoStreams++
  for await (const buf of stream) {
    const u = buf instanceof Uint8Array ? buf : buf.subarray()
    stats.echoedBytes += u.length
    if (!stream.send(u)) await stream.onDrain()
  }
  await stream.close()
}

// Called by the test driver through page.evaluate; resolves what the browser saw.
window.chiralBrowserTest = async (relayWsAddr, relayPeerId) => {
  log(`dialing ${relayWsAddr}`)
  const node = await createLibp2p({
    addresses: { listen: [`${relayWsAddr}/p2p-circuit`] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // the default gater refuses private addresses in browsers; the relay here is on 127.0.0.1
    connectionGater: { denyDialMultiaddr: async () => false },
    services: { identify: identify() },
    start: false
  })
  window.chiralNode = node
  const identified = new Promise((resolve) => {
    node.addEventListener('peer:identify', (evt) => {
      if (evt.detail.peerId.toString() === relayPeerId) resolve(evt.detail)
    })
  })
  await node.handle(ECHO, (stream) => { echoStream(stream).catch((err) => log(`echo failed: ${err.message}`)) },
    { runOnLimitedConnection: true })
  await timeout(node.start(), 30_000, 'node.start() (reservation on the relay)')
  const id = await timeout(identified, 30_000, 'identify from the relay')
  log(`identified the relay: observed ${id.observedAddr}`)
  const want = `/p2p/${relayPeerId}/p2p-circuit/p2p/${node.peerId}`
  const t0 = Date.now()
  while (!node.getMultiaddrs().some(a => a.toString().endsWith(want))) {
    if (Date.now() - t0 > 30_000) throw new Error(`no circuit address ${want}: ${node.getMultiaddrs().join(' ')}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  log(`reserved: ${node.getMultiaddrs().join(' ')}`)
  return {
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(a => a.toString()),
    relayConnections: node.getConnections().map(c => c.remoteAddr.toString()),
    relayListenAddrs: id.listenAddrs.map(a => a.toString()),
    observedAddr: id.observedAddr?.toString() ?? null,
    relayAgent: id.agentVersion ?? null
  }
}

window.chiralBrowserStats = () => ({ ...stats })
log('ready')
