// Drives a BBB API endpoint with the bigbluebutton-js client, the way a
// Node front-end would, and prints one JSON object with what it saw.
// integration/js_test.go runs it against the Caddy under test.
//
// Environment:
//   BBB_URL         the endpoint as bbb-conf --secret prints it,
//                   e.g. http://localhost:9080/bigbluebutton/
//   BBB_SECRET      its shared secret
//   BBB_MEETING_ID  the meeting to create (not numeric: fast-xml-parser
//                   would turn it into a number)
//   BBB_HASH        sha1 (the library's own), sha256, sha384 or sha512
//
// bigbluebutton-js always signs with SHA-1 through hash.js. For the other
// algorithms the script swaps hash.js's sha1 for the one asked for, so the
// library still builds and signs every URL itself; the checksum lengths in
// the output prove the swap took effect.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const bbb = require('bigbluebutton-js')
const hash = require('hash.js')

function env(name) {
  const v = process.env[name]
  if (!v) {
    throw new Error(`${name} is not set`)
  }
  return v
}

const url = env('BBB_URL')
const secret = env('BBB_SECRET')
const meetingID = env('BBB_MEETING_ID')
const algorithm = process.env.BBB_HASH || 'sha1'
if (!(algorithm in hash)) {
  throw new Error(`hash.js has no ${algorithm}`)
}
hash.sha1 = hash[algorithm]

const api = bbb.api(url, secret)
const out = { algorithm, checksumLengths: {} }

// call fetches a URL the library built and parses it with the library.
async function call(name, builtURL) {
  out.checksumLengths[name] = new URL(builtURL).searchParams.get('checksum').length
  return bbb.http(builtURL)
}

// redirectOf fetches a URL without following redirects (axios, under
// bbb.http, would follow them) and returns the status and Location.
async function redirectOf(target) {
  const res = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(5000) })
  await res.arrayBuffer()
  return { status: res.status, location: res.headers.get('location') }
}

// Characters Node's querystring leaves unescaped in the signed query; no
// "'", which axios would send as %27 and so break any server's checksum.
out.create = await call('create', api.administration.create('Acceptance (JS) test! *~', meetingID, {
  attendeePW: 'ap-js',
  moderatorPW: 'mp-js',
  record: false,
  'meta_origin-name': 'bigbluebutton-js acceptance',
}))
out.runningBeforeJoin = await call('isMeetingRunning', api.monitoring.isMeetingRunning(meetingID))

const joinURL = api.administration.join('Ada Lovelace', meetingID, 'mp-js', { userID: 'ada-1' })
out.checksumLengths.join = new URL(joinURL).searchParams.get('checksum').length
out.join = await redirectOf(joinURL)
// The browser would go on to the BBB server: that adds the user.
if (out.join.status === 302 && out.join.location) {
  out.joinAtServer = await redirectOf(out.join.location)
}

out.runningAfterJoin = await call('isMeetingRunning', api.monitoring.isMeetingRunning(meetingID))
out.info = await call('getMeetingInfo', api.monitoring.getMeetingInfo(meetingID))
out.meetings = await call('getMeetings', api.monitoring.getMeetings())
out.end = await call('end', api.administration.end(meetingID, 'mp-js'))
out.runningAfterEnd = await call('isMeetingRunning', api.monitoring.isMeetingRunning(meetingID))
out.meetingsAfterEnd = await call('getMeetings', api.monitoring.getMeetings())

process.stdout.write(JSON.stringify(out) + '\n')
