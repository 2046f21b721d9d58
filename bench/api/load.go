package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one kind of request, sent over and over.
type scenario struct {
	name string
	url  string
	// status and want are what every answer must have: the status code and
	// a piece of the body (empty: anything).
	status int
	want   []byte
}

// result is what a run of a scenario measured.
type result struct {
	name      string
	requests  int
	errors    int
	firstErr  string
	elapsed   time.Duration
	latencies []time.Duration // sorted
}

// merge returns r and o as one run: their requests, errors, time and
// latencies together.
func (r result) merge(o result) result {
	out := result{
		name:     o.name,
		requests: r.requests + o.requests,
		errors:   r.errors + o.errors,
		firstErr: r.firstErr,
		elapsed:  r.elapsed + o.elapsed,
	}
	if out.firstErr == "" {
		out.firstErr = o.firstErr
	}
	out.latencies = append(append(make([]time.Duration, 0, len(r.latencies)+len(o.latencies)), r.latencies...), o.latencies...)
	slices.Sort(out.latencies)
	return out
}

// rate returns the successful requests per second.
func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests-r.errors) / r.elapsed.Seconds()
}

// percentile returns the latency under which a fraction p of the requests
// finished (nearest rank).
func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// newLoadClient returns the load generator's HTTP client: keep-alive
// connections, one per worker, redirects returned rather than followed.
func newLoadClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConnsPerHost: concurrency,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// drive runs sc from concurrency workers for warmup (not measured), then
// for duration, and returns the measured part.
func drive(ctx context.Context, client *http.Client, sc scenario, concurrency int, warmup, duration time.Duration) result {
	if warmup > 0 {
		run(ctx, client, sc, concurrency, warmup)
	}
	return run(ctx, client, sc, concurrency, duration)
}

// run sends sc's request from concurrency workers, each waiting for its
// answer before the next, until duration has passed. Requests under way at
// the end are let finish rather than cancelled: a cancelled request would
// cost its keep-alive connection and make the server log an error.
func run(ctx context.Context, client *http.Client, sc scenario, concurrency int, duration time.Duration) result {
	type worker struct {
		latencies []time.Duration
		errors    int
		firstErr  string
	}
	workers := make([]worker, concurrency)
	var stop atomic.Bool
	timer := time.AfterFunc(duration, func() { stop.Store(true) })
	defer timer.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.latencies = make([]time.Duration, 0, 1<<14)
		wg.Go(func() {
			var body bytes.Buffer
			for !stop.Load() && ctx.Err() == nil {
				t0 := time.Now()
				err := send(ctx, client, sc, &body)
				w.latencies = append(w.latencies, time.Since(t0))
				if err != nil {
					w.errors++
					if w.firstErr == "" {
						w.firstErr = err.Error()
					}
				}
			}
		})
	}
	wg.Wait()
	r := result{name: sc.name, elapsed: time.Since(start)}
	for _, w := range workers {
		r.latencies = append(r.latencies, w.latencies...)
		r.errors += w.errors
		if r.firstErr == "" {
			r.firstErr = w.firstErr
		}
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	return r
}

// send makes one request and checks its answer, reading the whole body so
// the connection goes back to the pool.
func send(ctx context.Context, client *http.Client, sc scenario, body *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sc.url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", sc.name, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", sc.name, err)
	}
	body.Reset()
	_, err = body.ReadFrom(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("%s: read body: %w", sc.name, err)
	case resp.StatusCode != sc.status:
		return fmt.Errorf("%s: status %d, want %d", sc.name, resp.StatusCode, sc.status)
	case len(sc.want) > 0 && !bytes.Contains(body.Bytes(), sc.want):
		return fmt.Errorf("%s: answer lacks %q: %.200s", sc.name, sc.want, body.Bytes())
	}
	return nil
}
