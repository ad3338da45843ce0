// js-libp2p over WebSocket (@libp2p/websockets in Node) <-> chiral-relay's /ws and /tls/ws listeners.
//
// usage: node ws.mjs <path-to-chiral-relay>
//
//  (a) /ws: daemon `--listen /ip4/127.0.0.1/tcp/0 --listen /ip4/127.0.0.1/tcp/0/ws`. js A dials the /ws
//      address only (its connection's remoteAddr has /ws): identify lists the /ws listen address and an
//      observedAddr ending in /ws; A reserves by listening on <ws addr>/p2p-circuit; a raw RESERVE over
//      that connection gets reservation addrs that include the /ws address; js B (TCP) dials
//      <relay>/p2p-circuit/p2p/A and 256 KiB are echoed back intact by A.
//  (b) /tls/ws with a self-signed certificate (openssl req): same flow over wss (the js WebSocket is
//      given the certificate as its trust anchor); identify lists /tls/ws.
//  (c) a plain HTTP GET to the /ws port gets 426 and the connection is closed.
//  (d) configuration errors exit 2 with one stderr line naming the flag: unreadable --tls-cert, a key
//      not matching the certificate (--tls-key), /tls/ws without --tls-cert.
import './lib/polyfill.mjs'
import WS from 'ws'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { peerIdFromString } from '@libp2p/peer-id'
import { echo } from '@libp2p/utils'
import {
  assertEqual, assertOk, createNode, forgetDaemon, multiaddr, runProcess, runTest, startDaemon,
  waitForIdentify, withTimeout, sleep
} from './lib/harness.mjs'
import { HopType, Status, hopReserve, statusName } from './lib/relay_proto.mjs'
import { ECHO, TLS_WS_ADDR_RE, WS_ADDR_RE, echoBytes, makeSelfSignedCert } from './lib/ws_common.mjs'

const [bin] = process.argv.slice(2)
if (bin == null) {
  console.error('usage: node ws.mjs <path-to-chiral-relay>')
  process.exit(2)
}
const info = (...a) => console.error('   ', ...a)

/** A reserves on the relay through `wsAddr`, B (TCP) reaches A through the relay; identify and RESERVE checked. */
async function relayOverWebSocket (daemon, wsAddr, suffix, nodes) {
  const relayId = peerIdFromString(daemon.peerId)
  const A = await createNode({
    websockets: true,
    listen: [`${wsAddr}/p2p-circuit`],
    transports: [circuitRelayTransport()],
    start: false
  })
  nodes.push(A)
  const identified = waitForIdentify(A, relayId, 20_000)
  await withTimeout(A.start(), 20_000, `A.start() (reserves through ${wsAddr})`)
  const id = await identified
  const listen = id.listenAddrs.map(a => a.toString())
  const bare = wsAddr.replace(/\/p2p\/[^/]+$/, '')
  assertOk(listen.includes(bare), `identify listenAddrs include the ${suffix} address ${bare}`, listen.join(' '))
  const observed = id.observedAddr?.toString() ?? ''
  assertOk(observed.startsWith('/ip4/127.0.0.1/tcp/') && observed.endsWith(suffix), `identify observedAddr is A's address + ${suffix}`, observed)
  const conns = A.getConnections(relayId)
  assertOk(conns.length > 0 && conns.every(c => c.remoteAddr.toString().includes(suffix)), `A's connections to the relay are over ${suffix}`,
    conns.map(c => c.remoteAddr.toString()).join(' '))

  // A advertises the circuit address once the reservation is in place
  const want = `/p2p/${daemon.peerId}/p2p-circuit/p2p/${A.peerId}`
  const t = Date.now()
  while (!A.getMultiaddrs().some(a => a.toString().endsWith(want))) {
    if (Date.now() - t > 15_000) throw new Error(`A advertises no ${want}: ${A.getMultiaddrs().join(' ')}`)
    await sleep(50)
  }
  // the reservation (a raw refresh on the same connection) carries the WebSocket address
  const r = await hopReserve(A, relayId)
  assertEqual(r.reply.type, HopType.STATUS, 'raw RESERVE reply type')
  assertOk(r.reply.status === Status.OK, 'raw RESERVE over WebSocket is OK', statusName(r.reply.status))
  const addrs = r.reply.reservation.addrs.map(b => multiaddr(b).toString())
  assertOk(addrs.includes(`${bare}/p2p/${daemon.peerId}`), `reservation addrs include the ${suffix} address`, addrs.join(' '))

  await A.handle(ECHO, (stream) => { echo(stream).catch(() => {}) }, { runOnLimitedConnection: true })
  const B = await createNode({ transports: [circuitRelayTransport()] })
  nodes.push(B)
  const conn = await withTimeout(B.dial(multiaddr(`${daemon.addr}/p2p-circuit/p2p/${A.peerId}`)), 15_000, 'B dials A through the relay')
  assertOk(conn.remoteAddr.toString().includes('/p2p-circuit'), 'B\'s connection to A is relayed', conn.remoteAddr.toString())
  const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(10_000) })
  await echoBytes(stream, randomBytes(256 * 1024), `B -> relay -> A (${suffix})`)
  return { addrs }
}

async function withDaemon (args, fn) {
  const tmp = await mkdtemp(join(tmpdir(), 'chiral-ws-'))
  const nodes = []
  let daemon
  try {
    daemon = await startDaemon(bin, ['--identity-path', join(tmp, 'id.key'), '--circuit-data-limit', '0',
      '--circuit-duration', '0', ...args(tmp)])
    return await fn(daemon, tmp, nodes)
  } finally {
    for (const n of nodes) await n.stop().catch(() => {})
    if (daemon != null) {
      const s = await daemon.stop()
      assertOk(s.code === 0 && !s.killed, 'daemon exits 0 on SIGTERM', JSON.stringify(s))
      forgetDaemon(daemon)
    }
    await rm(tmp, { recursive: true, force: true })
  }
}

function httpGet (port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('HTTP GET timed out')))
  })
}

await runTest('interop_ws', async () => {
  // (a) plain /ws
  await withDaemon(() => ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'], async (daemon, _tmp, nodes) => {
    const wsAddr = (await daemon.waitForLine(WS_ADDR_RE, 10_000)).match[0]
    const r = await relayOverWebSocket(daemon, wsAddr, '/ws', nodes)
    console.log(`PASS (a) /ws: identify, reservation over ${wsAddr}, relayed echo; reservation addrs ${r.addrs.join(' ')}`)

    // (c) the same listener refuses a plain HTTP request
    const port = Number(wsAddr.match(WS_ADDR_RE)[1])
    const res = await httpGet(port)
    assertEqual(res.status, 426, 'plain HTTP GET on the /ws port: status')
    assertEqual(res.headers.connection, 'close', 'plain HTTP GET on the /ws port: Connection header')
    console.log('PASS (c) plain HTTP GET gets 426 and Connection: close')
  })

  // (b) /tls/ws with a self-signed certificate
  const certDir = await mkdtemp(join(tmpdir(), 'chiral-ws-cert-'))
  try {
    const { cert, key, pem } = await makeSelfSignedCert(certDir)
    await withDaemon(() => ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/tls/ws',
      '--tls-cert', cert, '--tls-key', key], async (daemon, _tmp, nodes) => {
      const wssAddr = (await daemon.waitForLine(TLS_WS_ADDR_RE, 10_000)).match[0]
      // @libp2p/websockets calls `new WebSocket(url)`: trust our certificate for these dials only
      const Plain = globalThis.WebSocket
      globalThis.WebSocket = class extends WS {
        constructor (url, protocols) { super(url, protocols, { ca: pem }) }
      }
      try {
        const r = await relayOverWebSocket(daemon, wssAddr, '/tls/ws', nodes)
        console.log(`PASS (b) /tls/ws (self-signed): identify, reservation over ${wssAddr}, relayed echo; reservation addrs ${r.addrs.join(' ')}`)
      } finally {
        globalThis.WebSocket = Plain
      }
    })

    // (d) configuration errors: exit 2, one line naming the flag
    const other = await makeSelfSignedCert(await mkdtemp(join(certDir, 'other-')))
    const cases = [
      { args: ['--tls-cert', join(certDir, 'missing.pem'), '--tls-key', key], flag: '--tls-cert' },
      { args: ['--tls-cert', cert, '--tls-key', other.key], flag: '--tls-key' },
      { args: ['--listen', '/ip4/127.0.0.1/tcp/0/tls/ws'], flag: '--listen' },
      { args: ['--tls-cert', cert], flag: '--tls-cert' }
    ]
    for (const c of cases) {
      const r = await runProcess(bin, ['--identity-path', join(certDir, 'id.key'), ...c.args], { timeoutMs: 10_000 })
      const lines = r.stderr.split('\n').filter(l => l.trim() !== '')
      assertEqual(r.code, 2, `exit code for ${c.args.join(' ')}`)
      assertEqual(lines.length, 1, `stderr lines for ${c.args.join(' ')} (${r.stderr})`)
      assertOk(lines[0].includes(c.flag), `the error names ${c.flag}`, lines[0])
    }
    console.log('PASS (d) bad --tls-cert / --tls-key / wss --listen: exit 2, one line naming the flag')
  } finally {
    await rm(certDir, { recursive: true, force: true })
  }
  info('all WebSocket sub-tests passed')
}, { timeoutMs: 150_000 })
