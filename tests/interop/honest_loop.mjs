// An honest js-libp2p relay user, in a loop, for the daemon flood tests (tests/daemon/flood_test.cpp):
// each round a fresh js node A reserves a slot on the relay (listens on <relay>/p2p-circuit), a fresh js
// node B dials A through the relay and echoes 4 KiB over the circuit, then both stop.
//
// usage: node honest_loop.mjs <relay multiaddr with /p2p> <seconds>
// Prints one JSON line per round on stdout: {"round":n,"ok":true,"ms":...} or {"round":n,"ok":false,
// "error":"..."}, then {"done":true,"ok":<rounds ok>,"failed":<rounds failed>}. Rounds start until
// <seconds> have passed; each round has 20 s at most.
import './lib/polyfill.mjs'
import { randomBytes } from 'node:crypto'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { echo } from '@libp2p/utils'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { createNode, multiaddr, sleep, withTimeout } from './lib/harness.mjs'

const [relayAddr, secondsArg] = process.argv.slice(2)
if (relayAddr == null || secondsArg == null) {
  console.error('usage: node honest_loop.mjs <relay multiaddr> <seconds>')
  process.exit(2)
}
const ECHO = '/chiral-test/echo/1.0.0'
const relayPeer = relayAddr.split('/p2p/')[1]

async function relayClient (listenOnRelay) {
  return createNode({
    listen: listenOnRelay ? [`${relayAddr}/p2p-circuit`] : [],
    transports: [circuitRelayTransport()],
    start: false
  })
}

async function round () {
  const nodes = []
  try {
    const A = await relayClient(true)
    nodes.push(A)
    await A.handle(ECHO, (stream) => { echo(stream).catch(() => {}) }, { runOnLimitedConnection: true })
    await withTimeout(A.start(), 15_000, 'A reserves (start)')
    const want = `/p2p/${relayPeer}/p2p-circuit/p2p/${A.peerId}`
    const t = Date.now()
    while (!A.getMultiaddrs().some(a => a.toString().endsWith(want))) {
      if (Date.now() - t > 10_000) throw new Error('A has no relayed address after 10 s')
      await sleep(50)
    }
    const B = await relayClient(false)
    nodes.push(B)
    await B.start()
    const target = multiaddr(`${relayAddr}/p2p-circuit/p2p/${A.peerId}`)
    const stream = await withTimeout(B.dialProtocol(target, ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(15_000) }), 16_000, 'B dials A through the relay')
    const data = randomBytes(4096)
    const got = []
    let n = 0
    const reader = (async () => {
      for await (const buf of stream) {
        const u = buf instanceof Uint8Array ? buf : buf.subarray()
        got.push(u)
        n += u.length
        if (n >= data.length) break
      }
    })()
    stream.send(data)
    await withTimeout(reader, 10_000, 'echo through the relay')
    const back = new Uint8Array(n)
    let off = 0
    for (const u of got) { back.set(u, off); off += u.length }
    if (!uint8ArrayEquals(back.subarray(0, data.length), data)) throw new Error(`echo mismatch (${n} bytes back)`)
    await stream.close().catch(() => {})
  } finally {
    await Promise.all(nodes.map(n => n.stop().catch(() => {})))
  }
}

const end = Date.now() + Number(secondsArg) * 1000
let ok = 0
let failed = 0
for (let i = 1; Date.now() < end; i++) {
  const t = Date.now()
  try {
    await withTimeout(round(), 20_000, `round ${i}`)
    ok++
    console.log(JSON.stringify({ round: i, ok: true, ms: Date.now() - t }))
  } catch (err) {
    failed++
    console.log(JSON.stringify({ round: i, ok: false, ms: Date.now() - t, error: String(err?.message ?? err).split('\n')[0] }))
  }
}
console.log(JSON.stringify({ done: true, ok, failed }))
process.exit(0)
