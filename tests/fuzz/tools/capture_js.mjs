// Captures real js-libp2p plaintext traffic for the fuzz seed corpora (tests/fuzz/README.md).
// Run from tests/interop so that its node_modules resolve:
//   cd tests/interop && node --input-type=module - <out-dir> < ../fuzz/tools/capture_js.mjs
// then: python3 tests/fuzz/tools/seeds_from_capture.py <out-dir> tests/fuzz/corpus
// Three js nodes: R (circuit relay v2 server), A (reserves on R, listens on /p2p-circuit), B (dials A
// through R, pings). Noise's ChaChaPoly encrypt is wrapped, so every plaintext each node encrypts is
// recorded: handshake payloads and the yamux byte stream of every connection direction (including the
// relayed A<->B connection). Output: <out-dir>/<node>-<key-id>.bin, one file per (node, cipher key), each
// the concatenation of that key's plaintexts in order.
import './lib/polyfill.mjs'
import { mkdirSync, writeFileSync } from 'node:fs'
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const out = process.argv[2] ?? 'capture'
mkdirSync(out, { recursive: true })
const streams = new Map()  // "<node>-<key hex prefix>" -> [Uint8Array]

function recordingCrypto (name) {
  return {
    ...pureJsCrypto,
    chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
      const id = `${name}-${Buffer.from(k).toString('hex').slice(0, 8)}`
      const bytes = plaintext.subarray != null ? plaintext.subarray() : plaintext
      if (!streams.has(id)) streams.set(id, [])
      streams.get(id).push(Uint8Array.from(bytes))
      return pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    }
  }
}

async function node (name, { listen = [], relayServer = false } = {}) {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise({ crypto: recordingCrypto(name) })],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: {
      identify: identify(),
      ping: ping(),
      ...(relayServer ? { relay: circuitRelayServer() } : {})
    }
  })
}

const r = await node('R', { listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: true })
const rAddr = r.getMultiaddrs()[0]
const a = await node('A', { listen: [`${rAddr}/p2p-circuit`] })
const b = await node('B')
for (let i = 0; i < 100 && !a.getMultiaddrs().some(m => m.toString().includes('/p2p-circuit')); ++i) {
  await new Promise(resolve => setTimeout(resolve, 100))
}
const circuit = a.getMultiaddrs().find(m => m.toString().includes('/p2p-circuit'))
if (circuit == null) throw new Error('A made no reservation on R')
await b.services.ping.ping(multiaddr(rAddr))
const rtt = await b.services.ping.ping(multiaddr(circuit.toString()), { signal: AbortSignal.timeout(10_000) })
await new Promise(resolve => setTimeout(resolve, 1000))  // let identify finish everywhere
await Promise.all([a.stop(), b.stop(), r.stop()])
for (const [id, parts] of streams) writeFileSync(`${out}/${id}.bin`, Buffer.concat(parts))
console.log(`relayed ping ${rtt} ms; ${streams.size} plaintext streams in ${out}`)
