package integration

import (
	"net/http"
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// simsByTenant maps the tenant-id metadata of every simulator running
// meetingID to that simulator's index.
func simsByTenant(t *testing.T, sims []*bbbsim.Sim, meetingID string) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for i, sim := range sims {
		m, ok := sim.Meeting(meetingID)
		if !ok {
			continue
		}
		tenant, _ := m.Metadata.Get("tenant-id")
		if prev, dup := out[tenant]; dup {
			t.Fatalf("%s of tenant %q runs on sim %d and sim %d", meetingID, tenant, prev, i)
		}
		out[tenant] = i
	}
	return out
}

// TestTenantIsolation runs two tenants on <name>.localhost: each signs with
// its own secrets only, both run room1 at once on different servers, and
// neither can see, join, end or query the other's meetings.
func TestTenantIsolation(t *testing.T) {
	sims := startFleet(t, 3)
	l := startLB(t, lbConfig{Multitenancy: true})
	l.addServers(sims)
	alphaTenant := l.addTenant("alpha", "alpha-secret")
	betaTenant := l.addTenant("beta", "beta-secret-1", "beta-secret-2")
	alpha := caller{host: "alpha." + lbAddr, secret: "alpha-secret", algorithm: bbb.SHA256}
	// A tenant with two secrets may sign with either.
	beta := caller{host: "beta." + lbAddr, secret: "beta-secret-2", algorithm: bbb.SHA1}
	betaFirst := caller{host: "beta." + lbAddr, secret: "beta-secret-1", algorithm: bbb.SHA512}

	t.Run("secrets", func(t *testing.T) {
		l := l.in(t)
		refused := map[string]caller{
			"apex with the LB secret":  {host: lbAddr, secret: lbSecret, algorithm: bbb.SHA256},
			"unknown tenant":           {host: "gamma." + lbAddr, secret: "alpha-secret", algorithm: bbb.SHA256},
			"alpha with beta's secret": {host: alpha.host, secret: beta.secret, algorithm: bbb.SHA256},
			"beta with alpha's secret": {host: beta.host, secret: alpha.secret, algorithm: bbb.SHA256},
			"beta with the LB secret":  {host: beta.host, secret: lbSecret, algorithm: bbb.SHA256},
		}
		for name, c := range refused {
			l.get(c.url("getMeetings", "")).wantError(t, name, bbb.ErrChecksumFailed)
			l.get(c.url("create", "name=Nope&meetingID=refused")).wantError(t, name+" create", bbb.ErrChecksumFailed)
		}
		if i := simRunning(t, sims, "refused"); i >= 0 {
			t.Errorf("a create with a refused checksum reached sim %d", i)
		}
		for _, c := range []caller{alpha, beta, betaFirst} {
			l.get(c.url("getMeetings", "")).wantSuccess(t, c.host+" getMeetings")
		}
	})

	// Both tenants run room1, and each one meeting of its own.
	for _, c := range []caller{alpha, beta} {
		l.get(c.url("create", "name=Room+One&meetingID=room1&moderatorPW=mp&attendeePW=ap")).wantSuccess(t, c.host+" create room1")
	}
	l.get(alpha.url("create", "name=Alpha+Only&meetingID=alpha-only&moderatorPW=mp")).wantSuccess(t, "create alpha-only")
	l.get(betaFirst.url("create", "name=Beta+Only&meetingID=beta-only&moderatorPW=mp")).wantSuccess(t, "create beta-only")

	room1 := simsByTenant(t, sims, "room1")
	if len(room1) != 2 || room1[alphaTenant.ID] == room1[betaTenant.ID] {
		t.Fatalf("room1 runs on %v (tenant id → sim); want one per tenant on different servers", room1)
	}
	for _, tt := range []struct{ id, tenant, name string }{
		{"alpha-only", alphaTenant.ID, "alpha"}, {"beta-only", betaTenant.ID, "beta"},
	} {
		i := simRunning(t, sims, tt.id)
		if i < 0 {
			t.Fatalf("%s runs nowhere", tt.id)
		}
		p := sims[i].CreateParams(tt.id)
		if p.Get("meta_tenant-id") != tt.tenant || p.Get("meta_tenant-name") != tt.name {
			t.Errorf("%s created with meta_tenant-id %q, meta_tenant-name %q; want %q, %q",
				tt.id, p.Get("meta_tenant-id"), p.Get("meta_tenant-name"), tt.tenant, tt.name)
		}
	}

	type tenantCase struct {
		name        string
		c           caller
		tenantID    string
		own, others string
	}
	cases := []tenantCase{
		{"alpha", alpha, alphaTenant.ID, "alpha-only", "beta-only"},
		{"beta", beta, betaTenant.ID, "beta-only", "alpha-only"},
	}

	t.Run("room1 on each tenant's own server", func(t *testing.T) {
		l := l.in(t)
		for _, tc := range cases {
			d := l.get(tc.c.url("getMeetingInfo", "meetingID=room1")).wantSuccess(t, tc.name+" getMeetingInfo room1")
			if got, _ := d.Metadata.Get("tenant-id"); got != tc.tenantID {
				t.Errorf("%s getMeetingInfo room1 answered tenant-id %q, want %q", tc.name, got, tc.tenantID)
			}
			loc := l.join(tc.c, "fullName=User&meetingID=room1&password=mp")
			checkJoinLocation(t, loc, sims[room1[tc.tenantID]])
		}
	})

	// Someone is in each tenant's own meeting, so it runs for its owner.
	for _, tc := range cases {
		l.followJoin(l.join(tc.c, "fullName=Owner&meetingID="+tc.own+"&password=mp"))
	}

	for _, tc := range cases {
		t.Run(tc.name+" cannot reach the other's meeting", func(t *testing.T) {
			l := l.in(t)
			before := apiRequestCount(sims)
			other := "meetingID=" + tc.others
			l.get(tc.c.url("join", "fullName=Intruder&"+other+"&password=mp")).wantError(t, "join", bbb.ErrMeetingNotFound)
			l.get(tc.c.url("getMeetingInfo", other)).wantError(t, "getMeetingInfo", bbb.ErrMeetingNotFound)
			l.get(tc.c.url("end", other+"&password=mp")).wantError(t, "end", bbb.ErrMeetingNotFound)
			l.post(tc.c.url("insertDocument", other), "application/xml", slidesXML).wantError(t, "insertDocument", bbb.ErrMeetingNotFound)
			l.get(tc.c.url("sendChatMessage", other+"&message=spam")).wantError(t, "sendChatMessage", bbb.ErrMeetingNotFound)
			if d := l.get(tc.c.url("isMeetingRunning", other)).wantSuccess(t, "isMeetingRunning"); d.Running {
				t.Error("isMeetingRunning of the other tenant's running meeting: running=true")
			}
			if after := apiRequestCount(sims); after != before {
				t.Errorf("calls on another tenant's meeting reached the BBB servers (%d requests)", after-before)
			}
			if i := simRunning(t, sims, tc.others); i < 0 {
				t.Errorf("%s no longer runs after the other tenant's end", tc.others)
			}

			d := l.get(tc.c.url("getMeetings", "")).wantSuccess(t, "getMeetings")
			listed := d.meetingIDs()
			if slices.Sort(listed); !slices.Equal(listed, []string{tc.own, "room1"}) {
				t.Errorf("getMeetings lists %v, want [%s room1]", listed, tc.own)
			}
			for _, m := range d.Meetings {
				if got, _ := m.Metadata.Get("tenant-id"); got != tc.tenantID {
					t.Errorf("getMeetings lists %s of tenant %q", m.MeetingID, got)
				}
			}
			if d := l.get(tc.c.url("isMeetingRunning", "meetingID="+tc.own)).wantSuccess(t, "own isMeetingRunning"); !d.Running {
				t.Errorf("own meeting %s: running=false", tc.own)
			}
		})
	}

	t.Run("ending room1 ends one tenant's only", func(t *testing.T) {
		l := l.in(t)
		l.get(alpha.url("end", "meetingID=room1&password=mp")).wantSuccess(t, "alpha end room1")
		left := simsByTenant(t, sims, "room1")
		if _, ok := left[alphaTenant.ID]; ok || left[betaTenant.ID] != room1[betaTenant.ID] {
			t.Errorf("after alpha ended room1 it runs on %v; want only beta's, on sim %d", left, room1[betaTenant.ID])
		}
		l.get(alpha.url("getMeetingInfo", "meetingID=room1")).wantError(t, "alpha getMeetingInfo", bbb.ErrMeetingNotFound)
		l.get(beta.url("getMeetingInfo", "meetingID=room1")).wantSuccess(t, "beta getMeetingInfo")
		r := l.do(http.MethodGet, beta.url("join", "fullName=B&meetingID=room1&password=ap"), "", nil)
		if r.status != http.StatusFound {
			t.Errorf("beta join room1 after alpha's end: status %d (%s)", r.status, r.body)
		}
	})
}
