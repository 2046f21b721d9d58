package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// benchQuery is one kind of getRecordings query. next returns the query for
// run i: runs cycle through different values so no single row stays hot.
type benchQuery struct {
	name   string
	target time.Duration // DESIGN §7 target for p99; 0 = none
	next   func(i int) store.RecordingQuery
}

func benchQueries(d *recgen.Dataset) []benchQuery {
	qs := []benchQuery{
		{"meetingID", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{MeetingIDs: []string{d.PickMeeting(i).ID}}
		}},
		{"recordID prefix", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{RecordIDs: []string{d.PickMeeting(i).InternalID + "-"}}
		}},
		{"meta bbb-context-id", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Meta: map[string]string{"bbb-context-id": recgen.PickCourse(i)}}
		}},
		{"tenant, limit 100", 0, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Tenant: recgen.TenantID(1 + i%recgen.TenantCount), Limit: 100}
		}},
		{"meta gl-listed=true, limit 100", 0, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Meta: map[string]string{"gl-listed": "true"}, Limit: 100}
		}},
		{"unfiltered, limit 100", 20 * time.Millisecond, func(int) store.RecordingQuery {
			return store.RecordingQuery{Limit: 100}
		}},
	}
	// A tenant's front-end asking for one of its meetings: the handler adds
	// the tenant to the meetingID filter.
	if _, ok := d.PickTenantMeeting(0); ok {
		qs = append(qs, benchQuery{"tenant, meetingID", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			m, _ := d.PickTenantMeeting(i)
			return store.RecordingQuery{MeetingIDs: []string{m.ID}, Tenant: recgen.TenantID(m.Tenant)}
		}})
	}
	return qs
}

// result is what measure found for one query on one backend.
type result struct {
	backend, query string
	target         time.Duration
	p50, p99, max  time.Duration
	rows, total    float64 // averages per run
}

func measure(ctx context.Context, s store.Recordings, q benchQuery, warmup, runs int) (result, error) {
	one := func(i int) (time.Duration, int, int, error) {
		ctx, cancel := context.WithTimeout(ctx, recgen.CallTimeout)
		defer cancel()
		began := time.Now()
		recs, total, err := s.QueryRecordings(ctx, q.next(i))
		return time.Since(began), len(recs), total, err
	}
	for i := range warmup {
		if _, _, _, err := one(i); err != nil {
			return result{}, err
		}
	}
	times := make([]time.Duration, runs)
	var rows, total int
	for i := range runs {
		d, n, t, err := one(warmup + i)
		if err != nil {
			return result{}, err
		}
		times[i], rows, total = d, rows+n, total+t
	}
	if rows == 0 {
		return result{}, fmt.Errorf("no run found any recording: the data set does not fit the query")
	}
	slices.Sort(times)
	return result{
		query:  q.name,
		target: q.target,
		p50:    times[len(times)/2],
		p99:    times[min(len(times)-1, len(times)*99/100)],
		max:    times[len(times)-1],
		rows:   float64(rows) / float64(runs),
		total:  float64(total) / float64(runs),
	}, nil
}
