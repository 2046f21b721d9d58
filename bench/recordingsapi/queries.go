package main

import (
	"net/url"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
)

// apiQuery is one kind of getRecordings request. next returns the request
// of run i: runs cycle through different meetings, courses and tenants, as
// bench/recordings does, so no single row stays hot.
type apiQuery struct {
	name   string
	target time.Duration // DESIGN §7 target for p99; 0 = none
	// multitenant queries run against the config with multitenancy, the
	// others without it.
	multitenant bool
	next        func(i int) apiRequest
}

// apiRequest is one getRecordings call: its query string, unsigned, and
// with multitenancy the tenant (1..recgen.TenantCount) whose host and
// secret it uses.
type apiRequest struct {
	query  string
	tenant int
}

func apiQueries(d *recgen.Dataset) []apiQuery {
	qs := []apiQuery{
		{name: "meetingID", target: 5 * time.Millisecond, next: func(i int) apiRequest {
			return apiRequest{query: "meetingID=" + url.QueryEscape(d.PickMeeting(i).ID)}
		}},
		{name: "recordID prefix", target: 5 * time.Millisecond, next: func(i int) apiRequest {
			return apiRequest{query: "recordID=" + url.QueryEscape(d.PickMeeting(i).InternalID+"-")}
		}},
		{name: "meta bbb-context-id", target: 5 * time.Millisecond, next: func(i int) apiRequest {
			return apiRequest{query: "meta_bbb-context-id=" + recgen.PickCourse(i)}
		}},
		{name: "meta gl-listed=true, limit 100", next: func(int) apiRequest {
			return apiRequest{query: "meta_gl-listed=true&limit=100"}
		}},
		{name: "unfiltered, limit 100", target: 20 * time.Millisecond, next: func(int) apiRequest {
			return apiRequest{query: "limit=100"}
		}},
		{name: "tenant, limit 100", multitenant: true, next: func(i int) apiRequest {
			return apiRequest{query: "limit=100", tenant: 1 + i%recgen.TenantCount}
		}},
	}
	// A tenant's front-end asking for one of its meetings: the meetingID
	// target, plus the tenant lookup in the live store.
	if _, ok := d.PickTenantMeeting(0); ok {
		qs = append(qs, apiQuery{name: "tenant, meetingID", target: 5 * time.Millisecond, multitenant: true,
			next: func(i int) apiRequest {
				m, _ := d.PickTenantMeeting(i)
				return apiRequest{query: "meetingID=" + url.QueryEscape(m.ID), tenant: m.Tenant}
			}})
	}
	return qs
}

// host returns the Host header of a request: the tenant's name under the
// base domain, or "" for the address itself.
func (r apiRequest) host() string {
	if r.tenant == 0 {
		return ""
	}
	return tenantName(r.tenant) + "." + tenantDomain
}

// secret returns the secret the request is signed with.
func (r apiRequest) secret() string {
	if r.tenant == 0 {
		return lbSecret
	}
	return tenantSecret(r.tenant)
}
