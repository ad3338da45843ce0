// Shared helpers for the js-libp2p interop tests of chiral-relay.
//
// Every test script imports './lib/polyfill.mjs' first, then this module.
// Set INTEROP_VERBOSE=1 to echo child-process output live (it is always dumped on failure), and
// DEBUG='libp2p:*' for js-libp2p's own logs.

import './polyfill.mjs'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { AssertionError } from 'node:assert'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'

export { multiaddr }

const VERBOSE = process.env.INTEROP_VERBOSE === '1'

// ---------------------------------------------------------------------------------------------
// Child processes (the daemon, chiral-dial)

/**
 * The line the daemon must print (on stdout or stderr) for each listen address. The first match
 * gives the port and the peer id (base58btc, as in every canonical /p2p/ component).
 */
export const DAEMON_ADDR_RE = /\/ip4\/127\.0\.0\.1\/tcp\/([1-9]\d{0,4})\/p2p\/([1-9A-HJ-NP-Za-km-z]{32,})/

// spdlog and friends may colour their output; strip ANSI CSI sequences before matching.
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g

/** Every child we spawned, killed with SIGKILL if the test process exits first. */
const children = new Set()
/** Every daemon handle, so failures can dump their output. */
const daemons = []

process.on('exit', () => {
  for (const child of children) {
    try { child.kill('SIGKILL') } catch {}
  }
})

/**
 * Spawn `bin args`, collect its stdout/stderr line by line.
 * Returns { proc, lines, output(), waitForLine(re, ms), exited: Promise<{code, signal}>, stop() }.
 */
function spawnCollected (bin, args, { env, cwd, name } = {}) {
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
    cwd
  })
  children.add(proc)
  const label = name ?? bin.split('/').pop()
  const lines = [] // { stream: 'stdout'|'stderr', t: ms since spawn, line }
  const raw = { stdout: '', stderr: '' }
  const waiters = new Set() // { re, resolve }
  const t0 = Date.now()

  const onLine = (stream, line) => {
    line = line.replace(ANSI_RE, '').replace(/\r$/, '')
    const entry = { stream, t: Date.now() - t0, line }
    lines.push(entry)
    if (VERBOSE) process.stderr.write(`[${label} ${stream}] ${line}\n`)
    for (const w of waiters) {
      const m = line.match(w.re)
      if (m != null) { waiters.delete(w); w.resolve({ match: m, entry }) }
    }
  }
  for (const stream of ['stdout', 'stderr']) {
    let partial = ''
    proc[stream].setEncoding('utf8')
    proc[stream].on('data', (chunk) => {
      raw[stream] += chunk
      partial += chunk
      let i
      while ((i = partial.indexOf('\n')) >= 0) {
        onLine(stream, partial.slice(0, i))
        partial = partial.slice(i + 1)
      }
    })
    proc[stream].on('end', () => { if (partial.length > 0) { onLine(stream, partial); partial = '' } })
  }

  let exitInfo = null
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      children.delete(proc)
      exitInfo = { code, signal }
      for (const w of waiters) w.resolve(null)
      waiters.clear()
      resolve(exitInfo)
    })
    proc.on('error', (err) => {
      children.delete(proc)
      exitInfo = { code: null, signal: null, error: err }
      for (const w of waiters) w.resolve(null)
      waiters.clear()
      resolve(exitInfo)
    })
  })

  const output = () => lines.map(l => `[${l.stream}] ${l.line}`).join('\n')

  /** Resolves with { match, entry } for the first line (already seen or future) matching `re`. */
  const waitForLine = async (re, timeoutMs = 10_000, { since = 0 } = {}) => {
    for (let i = since; i < lines.length; i++) {
      const m = lines[i].line.match(re)
      if (m != null) return { match: m, entry: lines[i] }
    }
    if (exitInfo != null) throw new Error(`${label} exited (${fmtExit(exitInfo)}) before printing a line matching ${re}`)
    const { promise, resolve } = Promise.withResolvers()
    const w = { re, resolve }
    waiters.add(w)
    try {
      const r = await withTimeout(promise, timeoutMs, `${label}: a log line matching ${re}`)
      if (r == null) throw new Error(`${label} exited (${fmtExit(exitInfo)}) before printing a line matching ${re}`)
      return r
    } finally {
      waiters.delete(w)
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves { code, signal, killed, ms }. */
  const stop = async (graceMs = 5_000) => {
    const t = Date.now()
    if (exitInfo != null) return { ...exitInfo, killed: false, ms: 0 }
    try { proc.kill('SIGTERM') } catch {}
    let timer
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise(resolve => { timer = setTimeout(() => resolve(true), graceMs) })
    ])
    clearTimeout(timer)
    if (timedOut) {
      try { proc.kill('SIGKILL') } catch {}
      await exited
    }
    return { ...exitInfo, killed: timedOut, ms: Date.now() - t }
  }

  return { proc, label, lines, raw, output, waitForLine, exited, stop, get exitInfo () { return exitInfo } }
}

function fmtExit (info) {
  if (info == null) return 'still running'
  if (info.error != null) return `spawn error: ${info.error.message}`
  return info.signal != null ? `signal ${info.signal}` : `code ${info.code}`
}

/**
 * Start the daemon and wait until it has printed its first /ip4/127.0.0.1/tcp/<port>/p2p/<id>.
 *
 * Resolves a handle:
 *   addr (string, with /p2p), multiaddr, port (number), peerId (string),
 *   lines [{stream, t, line}], output(), waitForLine(re, ms), exited, exitInfo,
 *   stop(graceMs = 5000) -> { code, signal, killed, ms }   (SIGTERM, SIGKILL after graceMs)
 * Rejects (after killing the process) on timeout, early exit or spawn failure, with the output.
 */
export async function startDaemon (binaryPath, args = [], { timeoutMs = 15_000, env, cwd, name = 'daemon' } = {}) {
  const handle = spawnCollected(binaryPath, args, { env, cwd, name })
  const child = handle
  handle.binaryPath = binaryPath
  handle.args = args
  daemons.push(handle)
  let found
  try {
    found = await child.waitForLine(DAEMON_ADDR_RE, timeoutMs)
  } catch (err) {
    await child.stop(1_000)
    throw new Error(`${name} (${binaryPath} ${args.join(' ')}) did not report its listen address: ` +
      `${err.message}\n--- ${name} output ---\n${child.output()}\n--- end ---`)
  }
  const [addr, port, peerId] = found.match
  handle.addr = addr
  handle.multiaddr = multiaddr(addr)
  handle.port = Number(port)
  handle.peerId = peerId
  return handle
}

/**
 * Run a command to completion (e.g. chiral-dial). Resolves { code, signal, stdout, stderr, lines, ms }.
 * Kills it (SIGKILL) and rejects after timeoutMs.
 */
export async function runProcess (bin, args = [], { timeoutMs = 30_000, env, cwd, name } = {}) {
  const child = spawnCollected(bin, args, { env, cwd, name })
  const t = Date.now()
  try {
    await withTimeout(child.exited, timeoutMs, `${child.label} to exit`)
  } catch (err) {
    try { child.proc.kill('SIGKILL') } catch {}
    await child.exited
    throw new Error(`${err.message}\n--- ${child.label} output ---\n${child.output()}\n--- end ---`)
  }
  const info = child.exitInfo
  if (info.error != null) throw new Error(`could not run ${bin}: ${info.error.message}`)
  return { ...info, stdout: child.raw.stdout, stderr: child.raw.stderr, lines: child.lines, output: child.output, ms: Date.now() - t }
}

/**
 * Print the last maxLines lines of every daemon started so far (or of `only`, an array of daemon
 * handles) to stderr. Daemons passed to forgetDaemon() are left out.
 */
export function dumpDaemonOutput (maxLines = 200, only) {
  for (const d of only ?? daemons) {
    const lines = d.lines.slice(-maxLines)
    console.error(`--- ${d.label} (${d.binaryPath} ${d.args.join(' ')}) ${fmtExit(d.exitInfo)}; last ${lines.length} of ${d.lines.length} lines ---`)
    for (const l of lines) console.error(`[${l.stream} +${l.t}ms] ${l.line}`)
    console.error(`--- end ${d.label} ---`)
  }
}

/**
 * Leave a daemon (already stopped, or not) out of the output dumped on failure - for scripts that run
 * several sub-tests, each with its own daemon, once a sub-test has passed or has been reported.
 */
export function forgetDaemon (handle) {
  const i = daemons.indexOf(handle)
  if (i >= 0) daemons.splice(i, 1)
}

// ---------------------------------------------------------------------------------------------
// js-libp2p nodes

/**
 * A js-libp2p node: tcp + noise + yamux + identify + ping, nothing else unless asked.
 * No peer discovery/bootstrap (none configured), and a connection gater that allows dialing
 * private/loopback addresses.
 *
 * opts: listen (array of multiaddr strings, default none), addresses (merged into { listen }, e.g.
 *       appendAnnounce), privateKey, userAgent,
 *       identify / ping (init objects for those services), identifyPush (true or an init object),
 *       websockets (true or an init object: adds @libp2p/websockets), transports (extra),
 *       services (extra services map), connectionMonitor, connectionManager, start (default true),
 *       anything else is passed to createLibp2p as is.
 */
export async function createNode (opts = {}) {
  const {
    listen = [],
    privateKey,
    userAgent,
    identify: identifyInit = {},
    identifyPush: pushInit = false,
    ping: pingInit = {},
    websockets: wsInit = false,
    transports = [],
    services = {},
    connectionGater = {},
    addresses = {},
    ...rest
  } = opts
  const allTransports = [tcp()]
  if (wsInit !== false && wsInit != null) {
    const { webSockets } = await import('@libp2p/websockets')
    allTransports.push(webSockets(wsInit === true ? {} : wsInit))
  }
  allTransports.push(...transports)
  const allServices = {
    identify: identify(identifyInit),
    ping: ping(pingInit)
  }
  if (pushInit !== false && pushInit != null) allServices.identifyPush = identifyPush(pushInit === true ? {} : pushInit)
  Object.assign(allServices, services)

  return createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    ...(userAgent != null ? { nodeInfo: { userAgent } } : {}),
    addresses: { listen, ...addresses },
    transports: allTransports,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialMultiaddr: async () => false,
      ...connectionGater
    },
    services: allServices,
    ...rest
  })
}

/**
 * Records every `eventName` event of a node from now on.
 * rec.events: the event details so far; rec.waitFor(pred, ms, what) resolves the first detail
 * (past or future) for which pred(detail) is true; rec.stop() removes the listener.
 */
export function recordEvents (node, eventName) {
  const events = []
  const waiters = new Set()
  const listener = (evt) => {
    events.push(evt.detail)
    for (const w of waiters) {
      let ok = false
      try { ok = w.pred(evt.detail) } catch {}
      if (ok) { waiters.delete(w); w.resolve(evt.detail) }
    }
  }
  node.addEventListener(eventName, listener)
  return {
    events,
    async waitFor (pred = () => true, timeoutMs = 10_000, what = eventName) {
      const hit = events.find(d => { try { return pred(d) } catch { return false } })
      if (hit != null) return hit
      const { promise, resolve } = Promise.withResolvers()
      const w = { pred, resolve }
      waiters.add(w)
      try {
        return await withTimeout(promise, timeoutMs, what)
      } finally {
        waiters.delete(w)
      }
    },
    stop () { node.removeEventListener(eventName, listener) }
  }
}

/**
 * Start listening for `peer:identify` BEFORE dialing, then await the returned promise. Resolves the
 * IdentifyResult for `peerId` (string or PeerId):
 *   { peerId, publicKey (protobuf-encoded PublicKey bytes), agentVersion, protocolVersion,
 *     protocols: string[], listenAddrs: Multiaddr[] (the unsigned field 2), observedAddr?: Multiaddr,
 *     signedPeerRecord?: { seq: bigint, addresses: Multiaddr[] }, connection }
 */
export function waitForIdentify (node, peerId, timeoutMs = 10_000) {
  const rec = recordEvents(node, 'peer:identify')
  const id = peerId.toString()
  return rec.waitFor(d => d.peerId.toString() === id, timeoutMs, `peer:identify from ${id}`)
    .finally(() => rec.stop())
}

/** Read a peer's identify metadata (AgentVersion/ProtocolVersion) from the js node's peer store. */
export async function peerMetadata (node, peerId) {
  const peer = await node.peerStore.get(typeof peerId === 'string' ? peerIdFromString(peerId) : peerId)
  const get = (k) => {
    const v = peer.metadata.get(k)
    return v == null ? undefined : uint8ArrayToString(v)
  }
  return { agentVersion: get('AgentVersion'), protocolVersion: get('ProtocolVersion'), peer }
}

/** This js node's own user agent as sent in identify. */
export async function ownAgentVersion (node) {
  return (await peerMetadata(node, node.peerId)).agentVersion
}

/**
 * Local (ip, port) of a js connection's TCP socket. js-libp2p's Connection has no localAddr; the
 * raw TCP MultiaddrConnection (connection.maConn, not public API) keeps the node socket. Fallback:
 * the only /proc/net/tcp entry whose remote end is the connection's remote ip:port.
 */
export function connectionLocalAddr (conn) {
  const sock = conn?.maConn?.socket
  if (sock?.localAddress != null && sock?.localPort != null) {
    return { ip: sock.localAddress.replace(/^::ffff:/, ''), port: sock.localPort, via: 'socket' }
  }
  const remote = ipPort(conn.remoteAddr)
  if (remote == null || remote.family !== 4) throw new Error(`cannot find the local address of ${conn.remoteAddr}`)
  const hex = (ip, port) => ip.split('.').reverse().map(o => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase() +
    ':' + port.toString(16).padStart(4, '0').toUpperCase()
  const want = hex(remote.ip, remote.port)
  const rows = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map(l => l.trim().split(/\s+/))
    .filter(c => c.length > 3 && c[2] === want && c[3] === '01') // ESTABLISHED
  if (rows.length !== 1) throw new Error(`cannot find the local address of ${conn.remoteAddr}: ${rows.length} candidate sockets`)
  const [lh, lp] = rows[0][1].split(':')
  const ip = lh.match(/../g).reverse().map(h => parseInt(h, 16)).join('.')
  return { ip, port: parseInt(lp, 16), via: '/proc/net/tcp' }
}

// ---------------------------------------------------------------------------------------------
// Multiaddr helpers

/** Multiaddr (or string) -> string without a trailing /p2p/<id>. */
export function stripP2p (ma) {
  return ma.toString().replace(/\/p2p\/[^/]+$/, '')
}

/** The /p2p/<id> value of a multiaddr string, or undefined. */
export function p2pOf (ma) {
  const m = ma.toString().match(/\/p2p\/([^/]+)$/)
  return m?.[1]
}

/** { family: 4|6, ip, proto: 'tcp'|'udp', port } of an /ip4|ip6/.../tcp|udp/... multiaddr, or undefined. */
export function ipPort (ma) {
  const m = ma.toString().match(/^\/(ip4|ip6)\/([^/]+)\/(tcp|udp)\/(\d+)/)
  if (m == null) return undefined
  return { family: m[1] === 'ip4' ? 4 : 6, ip: m[2], proto: m[3], port: Number(m[4]) }
}

// ---------------------------------------------------------------------------------------------
// Assertions (throw AssertionError with a readable message)

const show = (v) => {
  try {
    // Multiaddr and PeerId serialise through their toJSON()
    return JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? x.toString() : x)
  } catch { return String(v) }
}

export function fail (what, details) {
  throw new AssertionError({ message: details == null ? what : `${what}: ${details}` })
}
export function assertOk (cond, what, details) {
  if (!cond) fail(what, details)
}
export function assertEqual (actual, expected, what) {
  if (actual !== expected) fail(what, `expected ${show(expected)}, got ${show(actual)}`)
}
export function assertIncludes (list, item, what) {
  if (list == null || !Array.from(list).includes(item)) fail(what, `${show(item)} not in ${show(list == null ? list : Array.from(list))}`)
}
export function assertMatch (str, re, what) {
  if (typeof str !== 'string' || !re.test(str)) fail(what, `${show(str)} does not match ${re}`)
}
export function assertSome (list, pred, what) {
  if (list == null || !Array.from(list).some(pred)) fail(what, `no match in ${show(list == null ? list : Array.from(list))}`)
}

// ---------------------------------------------------------------------------------------------
// Timeouts and the test runner

/** Reject with "timed out after <ms> ms: <what>" unless `promise` settles first. */
export async function withTimeout (promise, ms, what = 'operation') {
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

let globalTimer
/** Exit 1 with a message (and the daemons' output) if the test is still running after ms. */
export function setGlobalTimeout (ms, what = 'test') {
  clearTimeout(globalTimer)
  globalTimer = setTimeout(() => {
    console.error(`FAIL ${what}: global timeout of ${ms} ms exceeded`)
    dumpDaemonOutput()
    process.exit(1)
  }, ms)
  globalTimer.unref()
}

/**
 * Run one test: fn() must resolve for a pass. Exits the process: 0 on success, 1 on failure
 * (printing the error and every daemon's output) or after the global timeout (default 100 s,
 * below ctest's TIMEOUT 120 so our message wins).
 */
export async function runTest (name, fn, { timeoutMs = 100_000 } = {}) {
  setGlobalTimeout(timeoutMs, name)
  // ctest (or a user) stopping us: say so, and let the 'exit' hook SIGKILL our children
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`FAIL ${name}: got ${sig}`)
      dumpDaemonOutput()
      process.exit(1)
    })
  }
  process.on('unhandledRejection', (err) => {
    console.error(`FAIL ${name}: unhandled rejection: ${err?.stack ?? err}`)
    dumpDaemonOutput()
    process.exit(1)
  })
  try {
    await fn()
  } catch (err) {
    console.error(`FAIL ${name}: ${err?.stack ?? err}`)
    dumpDaemonOutput()
    process.exit(1)
  }
  console.error(`PASS ${name}`)
  process.exit(0)
}
