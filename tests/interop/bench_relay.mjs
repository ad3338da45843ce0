// js-libp2p Circuit Relay v2 server for the side-by-side benchmark (bench/run.sh, `make bench`); not a
// test. It lives here to use this folder's pinned node_modules.
//
// usage: node bench_relay.mjs     prints "js-relay <multiaddr> pid <pid>" once listening; SIGTERM/SIGINT stop it
//
// tcp + noise + yamux + identify + circuitRelayServer with every limit off, so the bench measures the
// relay and not its throttles:
//  - reservations: unlimited count, applyDefaultLimit false (circuits carry no data/duration limit);
//  - hop/stop stream caps raised (registrar defaults: 32 inbound per protocol and connection, which 64
//    parallel circuits over one connection would exceed);
//  - connection manager: no connection cap, no per-host inbound rate limit (default 5/s), no cap on
//    pending inbound upgrades (default 10);
//  - yamux maxEarlyStreams raised (default 10: js aborts the whole connection when more streams arrive
//    before it has finished setting the connection up, as 64 circuits opened right after the handshake do);
//  - connection monitor off: it pings every connection every 10 s with /ipfs/ping streams, which would
//    add js-only CPU to the idle-connection figures (chiral-relay's keep-alive is a yamux ping).
import './lib/polyfill.mjs'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

const MANY = 1 << 20

const node = await createLibp2p({
  addresses: { listen: [process.env.JS_RELAY_LISTEN ?? '/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux({ maxEarlyStreams: MANY })],
  connectionManager: {
    maxConnections: MANY,
    inboundConnectionThreshold: MANY,
    maxIncomingPendingConnections: MANY
  },
  connectionMonitor: { enabled: false },
  services: {
    identify: identify(),
    relay: circuitRelayServer({
      maxInboundHopStreams: MANY,
      maxOutboundHopStreams: MANY,
      maxOutboundStopStreams: MANY,
      reservations: {
        maxReservations: Infinity,
        applyDefaultLimit: false
      }
    })
  }
})

const addr = node.getMultiaddrs().map(a => a.toString()).find(a => a.includes('/tcp/'))
if (addr == null) {
  console.error('js-relay: no tcp listen address')
  process.exit(1)
}
console.log(`js-relay ${addr} pid ${process.pid}`)

let stopping = false
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    if (stopping) return
    stopping = true
    // 10,000 open connections take a while to close politely: don't wait for it.
    setTimeout(() => process.exit(0), 2000).unref()
    node.stop().finally(() => process.exit(0))
  })
}
