package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// TestMeetingLifecycle runs a meeting's whole life through Caddy over a
// fleet of three servers: create, join, isMeetingRunning, getMeetingInfo,
// getMeetings, end.
func TestMeetingLifecycle(t *testing.T) {
	sims := startFleet(t, 3)
	l := startLB(t, lbConfig{})
	l.addServers(sims)

	// Three creates back to back: placement counts each new meeting's
	// expected load at once, so they land on three different servers.
	ids := []string{"lifecycle-a", "lifecycle-b", "lifecycle-c"}
	on := make(map[string]int)
	for _, id := range ids {
		d := l.get(frontEnd.url("create", "name=Lifecycle+Test&meetingID="+id+"&attendeePW=ap&moderatorPW=mp")).
			wantSuccess(t, "create "+id)
		if d.MeetingID != id {
			t.Errorf("create %s: meetingID %q", id, d.MeetingID)
		}
		i := simRunning(t, sims, id)
		if i < 0 {
			t.Fatalf("create %s answered SUCCESS but no server runs it", id)
		}
		on[id] = i
		if bound, err := l.live.Meeting(t.Context(), "", id); err != nil || bound.ServerID != serverID(i) {
			t.Errorf("binding of %s: %+v, %v; want it on %s", id, bound, err, serverID(i))
		}
	}
	if servers := []int{on[ids[0]], on[ids[1]], on[ids[2]]}; len(slices.Compact(slices.Sorted(slices.Values(servers)))) != 3 {
		t.Errorf("three creates landed on servers %v; want three different ones", servers)
	}

	a, sim := ids[0], sims[on[ids[0]]]
	loc := l.join(frontEnd, "fullName=Alice+Example&meetingID="+a+"&password=mp&userID=alice")
	params := checkJoinLocation(t, loc, sim)
	for k, want := range map[string]string{"meetingID": a, "fullName": "Alice Example", "password": "mp", "userID": "alice"} {
		if got := params.Get(k); got != want {
			t.Errorf("join Location %s = %q, want %q", k, got, want)
		}
	}
	l.followJoin(loc)

	if d := l.get(frontEnd.url("isMeetingRunning", "meetingID="+a)).wantSuccess(t, "isMeetingRunning"); !d.Running {
		t.Errorf("isMeetingRunning %s after a join: running=false", a)
	}
	if d := l.get(frontEnd.url("isMeetingRunning", "meetingID="+ids[1])).wantSuccess(t, "isMeetingRunning"); d.Running {
		t.Errorf("isMeetingRunning %s, nobody joined: running=true", ids[1])
	}
	// Extra parameters are not forwarded: only the meetingID goes on.
	d := l.get(frontEnd.url("getMeetingInfo", "meetingID="+a+"&extra=1")).wantSuccess(t, "getMeetingInfo")
	if d.MeetingID != a || d.Participant != 1 {
		t.Errorf("getMeetingInfo %s: meetingID %q, participantCount %d; want %s, 1", a, d.MeetingID, d.Participant, a)
	}
	forwarded := sim.RequestsFor("getMeetingInfo")
	if len(forwarded) == 0 {
		t.Fatal("getMeetingInfo was not forwarded to the meeting's server")
	}
	if q, _ := url.ParseQuery(forwarded[len(forwarded)-1].RawQuery); len(q) != 2 || q.Get("meetingID") != a || q.Get("checksum") == "" {
		t.Errorf("getMeetingInfo forwarded with %q; want only meetingID and checksum", forwarded[len(forwarded)-1].RawQuery)
	}

	listed := l.get(frontEnd.url("getMeetings", "")).wantSuccess(t, "getMeetings").meetingIDs()
	if slices.Sort(listed); !slices.Equal(listed, ids) {
		t.Errorf("getMeetings lists %v, want %v (merged from three servers)", listed, ids)
	}

	d = l.get(frontEnd.url("end", "meetingID="+a+"&password=mp")).wantSuccess(t, "end")
	if d.MessageKey != bbb.KeySentEndMeetingRequest {
		t.Errorf("end: messageKey %q, want %s", d.MessageKey, bbb.KeySentEndMeetingRequest)
	}
	if _, ok := sim.Meeting(a); ok {
		t.Errorf("end: %s still runs on its server", a)
	}
	if _, err := l.live.Meeting(t.Context(), "", a); err == nil {
		t.Errorf("end: %s is still bound", a)
	}
	if d := l.get(frontEnd.url("isMeetingRunning", "meetingID="+a)).wantSuccess(t, "isMeetingRunning after end"); d.Running {
		t.Error("isMeetingRunning after end: running=true")
	}
	l.get(frontEnd.url("getMeetingInfo", "meetingID="+a)).wantError(t, "getMeetingInfo after end", bbb.ErrMeetingNotFound)
	l.get(frontEnd.url("join", "fullName=Late&meetingID="+a+"&password=mp")).wantError(t, "join after end", bbb.ErrMeetingNotFound)
	listed = l.get(frontEnd.url("getMeetings", "")).wantSuccess(t, "getMeetings after end").meetingIDs()
	if slices.Sort(listed); !slices.Equal(listed, ids[1:]) {
		t.Errorf("getMeetings after end lists %v, want %v", listed, ids[1:])
	}
}

// TestMeetingCallErrors checks the error answers of the meeting calls, and
// that none of them reaches a BBB server.
func TestMeetingCallErrors(t *testing.T) {
	sims := startFleet(t, 3)
	l := startLB(t, lbConfig{})
	l.addServers(sims)
	l.get(frontEnd.url("create", "name=Errors&meetingID=errors-running")).wantSuccess(t, "create")

	type request struct {
		name   string
		method string
		url    string
		ctype  string
		body   string
	}
	get := func(name, call, query string) request {
		return request{name: name, method: http.MethodGet, url: frontEnd.url(call, query)}
	}
	xmlPost := func(name, call, query string) request {
		return request{name: name, method: http.MethodPost, url: frontEnd.url(call, query), ctype: "application/xml", body: slidesXML}
	}
	sha1 := caller{host: lbAddr, secret: lbSecret, algorithm: bbb.SHA1}
	sum := bbb.Checksum(bbb.SHA256, "isMeetingRunning", "meetingID=errors-running", lbSecret)
	tests := []struct {
		request
		want bbb.Error
	}{
		{get("join unknown", "join", "fullName=U&meetingID=nope&password=p"), bbb.ErrMeetingNotFound},
		{get("getMeetingInfo unknown", "getMeetingInfo", "meetingID=nope"), bbb.ErrMeetingNotFound},
		{get("end unknown", "end", "meetingID=nope&password=p"), bbb.ErrMeetingNotFound},
		{xmlPost("insertDocument unknown", "insertDocument", "meetingID=nope"), bbb.ErrMeetingNotFound},
		{get("sendChatMessage unknown", "sendChatMessage", "meetingID=nope&message=hi"), bbb.ErrMeetingNotFound},

		{get("create without meetingID", "create", "name=No+ID"), bbb.ErrMissingMeetingID},
		{get("create blank meetingID", "create", "name=No+ID&meetingID="), bbb.ErrMissingMeetingID},
		{get("join without meetingID", "join", "fullName=U&password=p"), bbb.ErrMissingMeetingID},
		{get("end without meetingID", "end", "password=p"), bbb.ErrMissingMeetingID},
		{get("isMeetingRunning without meetingID", "isMeetingRunning", ""), bbb.ErrMissingMeetingID},
		{get("getMeetingInfo blank meetingID", "getMeetingInfo", "meetingID="), bbb.ErrMissingMeetingID},
		{get("sendChatMessage without meetingID", "sendChatMessage", "message=hi"), bbb.ErrMissingMeetingID},
		{xmlPost("insertDocument without meetingID", "insertDocument", ""), bbb.ErrMissingMeetingID},

		{request{name: "no checksum", method: http.MethodGet, url: "http://" + lbAddr + "/bigbluebutton/api/getMeetings"}, bbb.ErrChecksumFailed},
		{request{name: "empty checksum", method: http.MethodGet, url: "http://" + lbAddr + "/bigbluebutton/api/getMeetings?checksum="}, bbb.ErrChecksumFailed},
		{request{name: "40 x", method: http.MethodGet, url: "http://" + lbAddr + "/bigbluebutton/api/getMeetings?checksum=" + strings.Repeat("x", 40)}, bbb.ErrChecksumFailed},
		{request{name: "MD5 length", method: http.MethodGet, url: "http://" + lbAddr + "/bigbluebutton/api/getMeetings?checksum=" + strings.Repeat("a", 32)}, bbb.ErrChecksumFailed},
		{request{name: "signed for another call", method: http.MethodGet,
			url: "http://" + lbAddr + "/bigbluebutton/api/getMeetingInfo?meetingID=errors-running&checksum=" + sum}, bbb.ErrChecksumFailed},
		{request{name: "query changed after signing", method: http.MethodGet,
			url: "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?meetingID=errors-other&checksum=" + sum}, bbb.ErrChecksumFailed},
		{request{name: "parameter added after the checksum", method: http.MethodGet,
			url: "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?meetingID=errors-running&checksum=" + sum + "&extra=1"}, bbb.ErrChecksumFailed},
		{request{name: "two checksums", method: http.MethodGet,
			url: "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?meetingID=errors-running&checksum=" + sum + "&checksum=" + sum}, bbb.ErrChecksumFailed},
		{request{name: "re-encoded query", method: http.MethodGet,
			// Signed in Node's encoding of "a b!", sent in Go's.
			url: "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?meetingID=a+b%21&checksum=" +
				bbb.Checksum(bbb.SHA1, "isMeetingRunning", "meetingID=a%20b!", lbSecret)}, bbb.ErrChecksumFailed},
		{request{name: "other secret", method: http.MethodGet, url: caller{lbAddr, "not-the-secret", bbb.SHA256}.url("getMeetings", "")}, bbb.ErrChecksumFailed},
		{request{name: "sha1 of other secret", method: http.MethodGet, url: caller{lbAddr, lbSecret + "x", bbb.SHA1}.url("create", "name=X&meetingID=x")}, bbb.ErrChecksumFailed},

		{get("getJoinUrl", "getJoinUrl", "sessionToken=x"), bbb.ErrUnsupportedRequest},
		{get("feedback", "feedback", ""), bbb.ErrUnsupportedRequest},
		{get("putRecordingTextTrack", "putRecordingTextTrack", "recordID=r"), bbb.ErrUnsupportedRequest},
		{get("hooks/create", "hooks/create", "callbackURL=http%3A%2F%2Fexample.com"), bbb.ErrUnsupportedRequest},
		{get("unknown call", "noSuchCall", ""), bbb.ErrUnsupportedRequest},
		{request{name: "POST join", method: http.MethodPost, url: frontEnd.url("join", "fullName=U&meetingID=errors-running&password=p")}, bbb.ErrUnsupportedRequest},
		{request{name: "GET insertDocument", method: http.MethodGet, url: frontEnd.url("insertDocument", "meetingID=errors-running")}, bbb.ErrUnsupportedRequest},
		{request{name: "POST sendChatMessage", method: http.MethodPost, url: frontEnd.url("sendChatMessage", "meetingID=errors-running&message=hi")}, bbb.ErrUnsupportedRequest},
		{request{name: "GET analytics_callback", method: http.MethodGet, url: "http://" + lbAddr + "/bigbluebutton/api/analytics_callback"}, bbb.ErrUnsupportedRequest},
		{request{name: "PUT create", method: http.MethodPut, url: frontEnd.url("create", "name=Put&meetingID=put")}, bbb.ErrUnsupportedRequest},
		{request{name: "DELETE end", method: http.MethodDelete, url: frontEnd.url("end", "meetingID=errors-running")}, bbb.ErrUnsupportedRequest},

		{request{name: "form body without content type", method: http.MethodPost, url: frontEnd.url("getMeetingInfo", ""),
			body: "meetingID=errors-running"}, bbb.ErrUnsupportedContentType},
		{request{name: "JSON body", method: http.MethodPost, url: frontEnd.url("isMeetingRunning", ""),
			ctype: "application/json", body: `{"meetingID":"errors-running"}`}, bbb.ErrUnsupportedContentType},
		{request{name: "XML body to end", method: http.MethodPost, url: frontEnd.url("end", "meetingID=errors-running"),
			ctype: "application/xml", body: slidesXML}, bbb.ErrUnsupportedContentType},
		{request{name: "form body to insertDocument", method: http.MethodPost, url: frontEnd.url("insertDocument", "meetingID=errors-running"),
			ctype: bbb.ContentTypeForm, body: "a=b"}, bbb.ErrUnsupportedContentType},
		{request{name: "sha1 signed unknown meeting end", method: http.MethodGet, url: sha1.url("end", "meetingID=nope")}, bbb.ErrMeetingNotFound},
	}
	before := apiRequestCount(sims)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := l.in(t)
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			l.doc(l.do(tt.method, tt.url, tt.ctype, body), tt.name).wantError(t, tt.name, tt.want)
		})
	}
	if after := apiRequestCount(sims); after != before {
		t.Errorf("failed calls reached the BBB servers: %d API requests before, %d after", before, after)
	}

	// The one call that answers an unknown meeting with SUCCESS.
	if d := l.get(frontEnd.url("isMeetingRunning", "meetingID=nope")).wantSuccess(t, "isMeetingRunning unknown"); d.Running {
		t.Error("isMeetingRunning of an unknown meeting: running=true")
	}
}

// apiRequestCount counts the requests the simulators received, leaving out
// the poller's (index and getMeetings).
func apiRequestCount(sims []*bbbsim.Sim) int {
	n := 0
	for _, sim := range sims {
		for _, r := range sim.Requests() {
			if r.Call != "" && r.Call != "getMeetings" {
				n++
			}
		}
	}
	return n
}

// TestChecksumVariants checks checksums the load balancer must accept: every
// configured algorithm, upper-case hex, the checksum first, and a query
// signed in the raw bytes a client sent rather than in Go's encoding.
func TestChecksumVariants(t *testing.T) {
	sims := startFleet(t, 2)
	l := startLB(t, lbConfig{})
	l.addServers(sims)

	for _, alg := range bbb.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			l := l.in(t)
			c := caller{host: lbAddr, secret: lbSecret, algorithm: alg}
			id := "alg-" + string(alg)
			l.get(c.url("create", "name=Algorithm&meetingID="+id+"&moderatorPW=mp")).wantSuccess(t, "create")
			l.get(c.url("isMeetingRunning", "meetingID="+id)).wantSuccess(t, "isMeetingRunning")
			l.get(c.url("getMeetingInfo", "meetingID="+id)).wantSuccess(t, "getMeetingInfo")
			l.get(c.url("getMeetings", "")).wantSuccess(t, "getMeetings")
			loc := l.join(c, "fullName=Ann&meetingID="+id+"&password=mp")
			i := simRunning(t, sims, id)
			if i < 0 {
				t.Fatalf("%s runs nowhere", id)
			}
			// Towards the servers the load balancer signs with its own
			// algorithm (default sha256), whatever the client used.
			if sum := checkJoinLocation(t, loc, sims[i]).Get("checksum"); len(sum) != 64 {
				t.Errorf("join Location checksum has %d hex digits, want 64 (sha256)", len(sum))
			}
			l.get(c.url("end", "meetingID="+id+"&password=mp")).wantSuccess(t, "end")
		})
	}

	accepted := []struct {
		name string
		url  string
	}{
		{"upper-case hex", "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?meetingID=x&checksum=" +
			strings.ToUpper(bbb.Checksum(bbb.SHA256, "isMeetingRunning", "meetingID=x", lbSecret))},
		{"checksum first", "http://" + lbAddr + "/bigbluebutton/api/isMeetingRunning?checksum=" +
			bbb.Checksum(bbb.SHA1, "isMeetingRunning", "meetingID=x", lbSecret) + "&meetingID=x"},
		// Node's querystring leaves !()*~ alone and writes a space as %20.
		{"raw query bytes", frontEnd.url("isMeetingRunning", "meetingID=raw%20id!(x)*~")},
		{"trailing slash", strings.Replace(frontEnd.url("isMeetingRunning", "meetingID=x"), "isMeetingRunning?", "isMeetingRunning/?", 1)},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			l := l.in(t)
			if d := l.get(tt.url).wantSuccess(t, tt.name); d.Running {
				t.Errorf("%s: running=true for a meeting that does not exist", tt.name)
			}
		})
	}
}

// TestChecksumAlgorithmConfig checks checksum_algorithms (inbound) and
// outbound_checksum against a config that changes both.
func TestChecksumAlgorithmConfig(t *testing.T) {
	sims := startFleet(t, 1)
	l := startLB(t, lbConfig{Extra: []string{"checksum_algorithms sha256 sha384", "outbound_checksum sha512"}})
	l.addServers(sims)

	for _, alg := range bbb.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			l := l.in(t)
			c := caller{host: lbAddr, secret: lbSecret, algorithm: alg}
			id := "cfg-" + string(alg)
			d := l.get(c.url("create", "name=Configured&meetingID="+id+"&moderatorPW=mp"))
			if alg == bbb.SHA1 || alg == bbb.SHA512 {
				d.wantError(t, "create with "+string(alg), bbb.ErrChecksumFailed)
				if _, ok := sims[0].Meeting(id); ok {
					t.Errorf("a create refused by checksum reached the server")
				}
				return
			}
			d.wantSuccess(t, "create with "+string(alg))
			creates := sims[0].RequestsFor("create")
			if q, _ := url.ParseQuery(creates[len(creates)-1].RawQuery); len(q.Get("checksum")) != 128 {
				t.Errorf("create forwarded with a %d-digit checksum, want 128 (sha512)", len(q.Get("checksum")))
			}
			loc := l.join(c, "fullName=Ann&meetingID="+id+"&password=mp")
			if sum := checkJoinLocation(t, loc, sims[0]).Get("checksum"); len(sum) != 128 {
				t.Errorf("join Location checksum has %d hex digits, want 128 (sha512)", len(sum))
			}
		})
	}
}

// slidesXML is a pre-uploaded slides document with what a careless
// re-encoding would change: a declaration, odd spacing, entities, non-ASCII.
const slidesXML = "<?xml version='1.0' encoding='UTF-8'?>\n<modules>\n  <module name=\"presentation\">\r\n" +
	"    <document url=\"https://example.com/a.pdf?x=1&amp;y=2\" filename=\"Präsentation.pdf\"/>\n" +
	"\t<document name=\"inline.txt\">SGVsbG8=</document>\n  </module>\n</modules>\n"

// TestBodies checks POSTed parameters (checksum over the URL query only) and
// XML bodies forwarded byte for byte.
func TestBodies(t *testing.T) {
	sims := startFleet(t, 1)
	l := startLB(t, lbConfig{})
	l.addServers(sims)
	sim := sims[0]

	t.Run("create form POST", func(t *testing.T) {
		l := l.in(t)
		d := l.post(frontEnd.url("create", ""), bbb.ContentTypeForm, "name=Form+Meeting&meetingID=form-1&moderatorPW=mp")
		d.wantSuccess(t, "create")
		creates := sim.RequestsFor("create")
		last := creates[len(creates)-1]
		q, _ := url.ParseQuery(last.RawQuery)
		// A form create becomes a GET with every parameter in the query.
		if last.Method != http.MethodGet || q.Get("name") != "Form Meeting" || q.Get("meetingID") != "form-1" || len(last.Body) != 0 {
			t.Errorf("forwarded as %s %q with %d body bytes; want GET with name and meetingID in the query", last.Method, last.RawQuery, len(last.Body))
		}
	})
	t.Run("create multipart POST", func(t *testing.T) {
		l := l.in(t)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, kv := range [][2]string{{"name", "Multipart Meeting"}, {"meetingID", "form-2"}} {
			if err := mw.WriteField(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		l.post(frontEnd.url("create", ""), mw.FormDataContentType(), body.String()).wantSuccess(t, "create")
		if m, ok := sim.Meeting("form-2"); !ok || m.MeetingName != "Multipart Meeting" {
			t.Errorf("multipart create: server has %+v, %v", m.MeetingName, ok)
		}
	})
	t.Run("checksum in the form body", func(t *testing.T) {
		l := l.in(t)
		// The check string covers the (empty) URL query only.
		sum := bbb.Checksum(bbb.SHA1, "getMeetingInfo", "", lbSecret)
		d := l.post("http://"+lbAddr+"/bigbluebutton/api/getMeetingInfo", bbb.ContentTypeForm, "meetingID=form-1&checksum="+sum)
		if d.wantSuccess(t, "getMeetingInfo"); d.MeetingID != "form-1" {
			t.Errorf("getMeetingInfo: meetingID %q", d.MeetingID)
		}
	})
	t.Run("empty POST", func(t *testing.T) {
		l := l.in(t)
		// An empty body is a GET in all but name, whatever its type.
		d := l.post(frontEnd.url("isMeetingRunning", "meetingID=form-1"), "application/json", "")
		d.wantSuccess(t, "isMeetingRunning")
	})
	t.Run("end form POST", func(t *testing.T) {
		l := l.in(t)
		l.post(frontEnd.url("end", ""), bbb.ContentTypeForm, "meetingID=form-2").wantSuccess(t, "end")
		if _, ok := sim.Meeting("form-2"); ok {
			t.Error("form-2 still runs after end")
		}
	})
	t.Run("create XML body", func(t *testing.T) {
		l := l.in(t)
		for _, ctype := range []string{"text/xml", "application/xml; charset=utf-8"} {
			id := "slides-" + strings.Fields(strings.NewReplacer("/", " ", ";", " ").Replace(ctype))[0]
			l.post(frontEnd.url("create", "name=Slides&meetingID="+id), ctype, slidesXML).wantSuccess(t, "create "+ctype)
			if got := sim.CreateBody(id); string(got) != slidesXML {
				t.Errorf("%s: server got body %q, want %q", ctype, got, slidesXML)
			}
			creates := sim.RequestsFor("create")
			if last := creates[len(creates)-1]; last.Method != http.MethodPost || last.ContentType != "application/xml" {
				t.Errorf("%s: forwarded as %s with Content-Type %q; want POST application/xml", ctype, last.Method, last.ContentType)
			}
		}
	})
	t.Run("insertDocument", func(t *testing.T) {
		l := l.in(t)
		l.post(frontEnd.url("insertDocument", "meetingID=form-1"), "application/xml", slidesXML).wantSuccess(t, "insertDocument")
		docs := sim.Documents("form-1")
		if len(docs) != 1 || string(docs[0]) != slidesXML {
			t.Errorf("server got documents %q, want one %q", docs, slidesXML)
		}
		inserts := sim.RequestsFor("insertDocument")
		if last := inserts[len(inserts)-1]; last.ContentType != "application/xml" {
			t.Errorf("insertDocument forwarded with Content-Type %q, want application/xml", last.ContentType)
		}
	})
	t.Run("sendChatMessage", func(t *testing.T) {
		l := l.in(t)
		l.get(frontEnd.url("sendChatMessage", "meetingID=form-1&message=Hello+all&userName=Bot")).wantSuccess(t, "sendChatMessage")
		msgs := sim.ChatMessages("form-1")
		if len(msgs) != 1 || msgs[0].Message != "Hello all" || msgs[0].UserName != "Bot" {
			t.Errorf("server chat: %+v; want one message \"Hello all\" from Bot", msgs)
		}
	})
}

// analyticsPost is one request the front-end's analytics endpoint received.
type analyticsPost struct {
	contentType, userAgent, token string
	doc                           map[string]any
}

// TestAnalyticsCallback relays a BBB server's analytics document to the URL
// the front-end gave at create, re-signed with the load balancer's secret;
// a document whose token no server signed goes nowhere. Every answer is 204.
func TestAnalyticsCallback(t *testing.T) {
	received := make(chan analyticsPost, 4)
	frontEndSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		received <- analyticsPost{r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), token, doc}
	}))
	defer frontEndSrv.Close()

	sims := startFleet(t, 1)
	l := startLB(t, lbConfig{})
	l.addServers(sims)
	cb := url.QueryEscape(frontEndSrv.URL + "/analytics")
	l.get(frontEnd.url("create", "name=Analytics&meetingID=analytics-1&meta_analytics-callback-url="+cb)).wantSuccess(t, "create")
	// The BBB server is told to call the load balancer, never the front-end.
	if got := sims[0].CreateParams("analytics-1").Get("meta_analytics-callback-url"); got != "https://"+lbAddr+"/bigbluebutton/api/analytics_callback" {
		t.Errorf("create forwarded meta_analytics-callback-url %q, want the load balancer's analytics_callback", got)
	}

	serverToken, err := bbb.SignJWT(bbb.HS512, map[string]any{"exp": time.Now().Add(time.Hour).Unix()}, sims[0].Secret())
	if err != nil {
		t.Fatal(err)
	}
	otherToken, err := bbb.SignJWT(bbb.HS512, map[string]any{"exp": time.Now().Add(time.Hour).Unix()}, "not-a-server-secret")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"version":"1.0","meeting_id":"analytics-1","data":{"duration":42}}`
	post := func(t *testing.T, authorization string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			"http://"+lbAddr+"/bigbluebutton/api/analytics_callback", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := l.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("analytics_callback: status %d, want 204", resp.StatusCode)
		}
	}

	for _, tt := range []struct{ name, authorization string }{
		{"no token", ""},
		{"token of no server", "Bearer " + otherToken},
		{"garbage token", "Bearer not.a.jwt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			post(t, tt.authorization)
			// The relay happens before the 204, so anything sent is here.
			select {
			case got := <-received:
				t.Errorf("relayed %v with %s", got.doc, tt.name)
			default:
			}
		})
	}

	t.Run("server token", func(t *testing.T) {
		post(t, "Bearer "+serverToken)
		var got analyticsPost
		select {
		case got = <-received:
		default:
			t.Fatal("the front-end received nothing")
		}
		if got.doc["meeting_id"] != "analytics-1" || got.doc["customer"] != "scalelite" || got.doc["version"] != "1.0" {
			t.Errorf("relayed document %v; want the server's with customer scalelite", got.doc)
		}
		if got.contentType != "application/json" || got.userAgent != "BigBlueButton Analytics Callback" {
			t.Errorf("relayed with Content-Type %q, User-Agent %q", got.contentType, got.userAgent)
		}
		if _, err := bbb.VerifyJWT(got.token, bbb.HS512, []string{lbSecret}, time.Now()); err != nil {
			t.Errorf("relayed token does not verify with the load balancer's secret: %v", err)
		}
	})
}
