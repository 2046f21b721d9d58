package bbb

import "strings"

// SignedURL returns the URL of call on the BBB server at serverURL (normally
// https://host/bigbluebutton/api) with p as the query and the checksum of
// call+query+secret appended as the last parameter, as Scalelite's
// encode_bbb_uri builds it. BBB checks the checksum over the query bytes it
// receives, so only the consistency of encoding and signing matters.
func SignedURL(serverURL, call string, p Params, secret string, a Algorithm) string {
	query := p.Encode()
	sum := Checksum(a, call, query, secret)
	var b strings.Builder
	b.Grow(len(serverURL) + 1 + len(call) + 1 + len(query) + len("&checksum=") + len(sum))
	b.WriteString(serverURL)
	if !strings.HasSuffix(serverURL, "/") {
		b.WriteByte('/')
	}
	b.WriteString(call)
	b.WriteByte('?')
	if query != "" {
		b.WriteString(query)
		b.WriteByte('&')
	}
	b.WriteString("checksum=")
	b.WriteString(sum)
	return b.String()
}

// VersionURL returns the URL of the index (version) document of the BBB
// server at serverURL. BBB needs no checksum there, but Scalelite's poller
// sends the checksum of an empty call and query, and some front proxies in
// front of BBB expect one, so it is sent too.
func VersionURL(serverURL, secret string, a Algorithm) string {
	return serverURL + "?checksum=" + Checksum(a, "", "", secret)
}
