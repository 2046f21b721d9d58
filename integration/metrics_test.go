package integration

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// scrape reads Caddy's admin /metrics page into a map from each series, as
// printed (name{label="value",…}, labels sorted by name), to its value.
func (l *lb) scrape() map[string]float64 {
	l.t.Helper()
	r := l.do(http.MethodGet, adminBase+"/metrics", "", nil)
	if r.status != http.StatusOK {
		l.t.Fatalf("GET /metrics: status %d (%s)", r.status, r.body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			l.t.Fatalf("/metrics line %q does not end in a value", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics drives API calls of every kind of result and a poll through a
// real Caddy, then reads the admin endpoint's /metrics: the counters moved by
// exactly what was done, and the pool gauges show the live store.
func TestMetrics(t *testing.T) {
	sims := startFleet(t, 2)
	l := startLB(t, lbConfig{})
	l.addServers(sims)
	before := l.scrape()

	l.get(frontEnd.url("create", "meetingID=metrics-1&name=Metrics&moderatorPW=mp&attendeePW=ap")).wantSuccess(t, "create")
	l.join(frontEnd, "fullName=Ann&meetingID=metrics-1&password=mp")
	l.get(frontEnd.url("isMeetingRunning", "meetingID=no-such-meeting")).wantSuccess(t, "isMeetingRunning")
	l.get(frontEnd.url("getMeetingInfo", "meetingID=no-such-meeting")).wantError(t, "getMeetingInfo", bbb.ErrMeetingNotFound)
	wrong := caller{host: lbAddr, secret: "not-the-secret", algorithm: bbb.SHA256}
	l.get(wrong.url("getMeetings", "")).wantError(t, "wrong checksum", bbb.ErrChecksumFailed)
	l.get(frontEnd.url("makeCoffee", "")).wantError(t, "unknown call", bbb.ErrUnsupportedRequest)
	l.get("http://"+lbAddr+"/bigbluebutton/api").wantSuccess(t, "index")
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/poll", wantStatus: http.StatusOK})

	after := l.scrape()
	deltas := []struct {
		series string
		want   float64
	}{
		{`caddy_bbb_api_requests_total{call="create",result="success"}`, 1},
		{`caddy_bbb_api_requests_total{call="join",result="success"}`, 1},
		{`caddy_bbb_api_requests_total{call="isMeetingRunning",result="success"}`, 1},
		{`caddy_bbb_api_requests_total{call="getMeetingInfo",result="notFound"}`, 1},
		{`caddy_bbb_api_requests_total{call="getMeetings",result="checksumError"}`, 1},
		{`caddy_bbb_api_requests_total{call="unsupported",result="unsupportedRequest"}`, 1},
		{`caddy_bbb_api_requests_total{call="index",result="success"}`, 1},
		{`caddy_bbb_api_request_duration_seconds_count{call="create"}`, 1},
		// A made-up call name never becomes a label value.
		{`caddy_bbb_api_requests_total{call="makeCoffee",result="unsupportedRequest"}`, 0},
	}
	for _, d := range deltas {
		if got := after[d.series] - before[d.series]; got != d.want {
			t.Errorf("%s went up by %v, want %v", d.series, got, d.want)
		}
	}
	// The periodic poller runs too; the forced poll counts at least once.
	if got := after[`caddy_bbb_poll_cycles_total{result="ok"}`] - before[`caddy_bbb_poll_cycles_total{result="ok"}`]; got < 1 {
		t.Errorf("caddy_bbb_poll_cycles_total{result=\"ok\"} went up by %v, want at least 1", got)
	}
	if after[`caddy_bbb_poll_cycle_duration_seconds_count`] < 1 {
		t.Error("no poll cycle duration observed")
	}

	// The pool, as the live store has it after the poll.
	meetings := 0.0
	for i, sim := range sims {
		id := serverID(i)
		info := `caddy_bbb_server_info{bbb_version="3.0.9",server="` + id + `",state="enabled",tag="",url="` + sim.URL() + `"}`
		gauges := map[string]float64{
			info: 1,
			`caddy_bbb_server_online{server="` + id + `"}`: 1,
		}
		for series, want := range gauges {
			if got, ok := after[series]; !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
			}
		}
		if _, ok := after[`caddy_bbb_server_load{server="`+id+`"}`]; !ok {
			t.Errorf("no load reported for online server %s", id)
		}
		meetings += after[`caddy_bbb_server_meetings{server="`+id+`"}`]
	}
	if meetings != 1 {
		t.Errorf("caddy_bbb_server_meetings sum to %v over the pool, want 1 (metrics-1)", meetings)
	}
	if got, ok := after["caddy_bbb_tenants"]; !ok || got != 0 {
		t.Errorf("caddy_bbb_tenants = %v (present %v), want 0", got, ok)
	}
}
