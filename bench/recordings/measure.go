package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// queryTimeout bounds one query; a slower one is a failure, not a figure.
const queryTimeout = 10 * time.Second

// benchQuery is one kind of getRecordings query. next returns the query for
// run i: runs cycle through different values so no single row stays hot.
type benchQuery struct {
	name   string
	target time.Duration // DESIGN §7 target for p99; 0 = none
	next   func(i int) store.RecordingQuery
}

func benchQueries(d *dataset) []benchQuery {
	pick := func(i int) meeting { return d.meetings[(i*7919)%len(d.meetings)] }
	courses := func(i int) string { return strconv.Itoa(1 + (i*131)%courseCount) }
	return []benchQuery{
		{"meetingID", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{MeetingIDs: []string{pick(i).id}}
		}},
		{"recordID prefix", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{RecordIDs: []string{pick(i).internalID + "-"}}
		}},
		{"meta bbb-context-id", 5 * time.Millisecond, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Meta: map[string]string{"bbb-context-id": courses(i)}}
		}},
		{"tenant, limit 100", 0, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Tenant: tenantID(1 + i%tenantCount), Limit: 100}
		}},
		{"meta gl-listed=true, limit 100", 0, func(i int) store.RecordingQuery {
			return store.RecordingQuery{Meta: map[string]string{"gl-listed": "true"}, Limit: 100}
		}},
		{"unfiltered, limit 100", 20 * time.Millisecond, func(int) store.RecordingQuery {
			return store.RecordingQuery{Limit: 100}
		}},
	}
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
		ctx, cancel := context.WithTimeout(ctx, queryTimeout)
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
