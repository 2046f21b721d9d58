package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// fleet is the simulated BBB servers, served from this process so their
// memory is not the child's.
type fleet []*bbbsim.Sim

func startFleet(n int) (fleet, error) {
	f := make(fleet, 0, n)
	for i := range n {
		s := bbbsim.New(bbbsim.Options{Secret: fmt.Sprintf("memory-sim-secret-%d", i), Version: "3.0.9"})
		if err := s.Start(); err != nil {
			f.close()
			return nil, fmt.Errorf("start bbbsim %d: %w", i, err)
		}
		f = append(f, s)
	}
	return f, nil
}

func (f fleet) close() {
	for _, s := range f {
		_ = s.Close()
	}
}

// clearRequests drops the simulators' request logs, which would otherwise
// grow with every proxied call of the load phase.
func (f fleet) clearRequests() {
	for _, s := range f {
		s.ClearRequests()
	}
}

// meetings counts the meetings running on the fleet.
func (f fleet) meetings() int {
	n := 0
	for _, s := range f {
		n += len(s.Meetings())
	}
	return n
}

// signer builds signed API URLs for one secret, SHA-256 as most front-ends.
type signer struct {
	base   string // scheme and host
	secret string
}

func (s signer) url(call, query string) string {
	sum := bbb.Checksum(bbb.SHA256, call, query, s.secret)
	if query != "" {
		query += "&"
	}
	return s.base + "/bigbluebutton/api/" + call + "?" + query + "checksum=" + sum
}

// request is one kind of call and what its answer must have.
type request struct {
	name   string
	url    string
	status int
	want   []byte // a piece of the body; empty: anything
}

// newClient returns a keep-alive client with one idle connection per
// worker, which returns redirects rather than following them.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConnsPerHost: concurrency,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send makes one request, reads all of the answer (so the connection goes
// back to the pool) and checks it.
func send(ctx context.Context, client *http.Client, r request, body *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	body.Reset()
	_, err = body.ReadFrom(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("%s: read body: %w", r.name, err)
	case resp.StatusCode != r.status:
		return fmt.Errorf("%s: status %d, want %d", r.name, resp.StatusCode, r.status)
	case len(r.want) > 0 && !bytes.Contains(body.Bytes(), r.want):
		return fmt.Errorf("%s: answer lacks %q: %.200s", r.name, r.want, body.Bytes())
	}
	return nil
}

// loadResult counts what a load run sent.
type loadResult struct {
	requests, errors int64
	firstErr         error
	elapsed          time.Duration
}

// sustain sends the requests in turn from concurrency workers, each waiting
// for its answer before sending the next, until duration has passed or ctx
// ends. Requests under way at the end finish rather than being cancelled,
// so no connection is torn down mid-answer.
func sustain(ctx context.Context, client *http.Client, reqs []request, concurrency int, duration time.Duration) loadResult {
	var (
		stop     atomic.Bool
		requests atomic.Int64
		errs     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	timer := time.AfterFunc(duration, func() { stop.Store(true) })
	defer timer.Stop()
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			var body bytes.Buffer
			for i := w; !stop.Load() && ctx.Err() == nil; i++ {
				err := send(context.WithoutCancel(ctx), client, reqs[i%len(reqs)], &body)
				requests.Add(1)
				if err != nil {
					errs.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	return loadResult{requests: requests.Load(), errors: errs.Load(), firstErr: firstErr, elapsed: time.Since(start)}
}

// createMeetings creates n meetings named memory-<i> through the load
// balancer from concurrency workers and stops at the first failure.
func createMeetings(ctx context.Context, client *http.Client, lb signer, n, concurrency int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			var body bytes.Buffer
			for i := range work {
				r := request{
					name:   "create",
					url:    lb.url("create", fmt.Sprintf("name=Memory+%d&meetingID=memory-%05d&attendeePW=ap&moderatorPW=mp", i, i)),
					status: http.StatusOK,
					want:   []byte("<returncode>SUCCESS</returncode>"),
				}
				if err := send(ctx, client, r, &body); err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// countMeetings sends getMeetings through the load balancer and counts the
// meetings in its answer.
func countMeetings(ctx context.Context, client *http.Client, lb signer) (meetings, size int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lb.url("getMeetings", ""), nil)
	if err != nil {
		return 0, 0, fmt.Errorf("getMeetings: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("getMeetings: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, fmt.Errorf("getMeetings: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte("<returncode>SUCCESS</returncode>")) {
		return 0, 0, fmt.Errorf("getMeetings: status %d: %.300s", resp.StatusCode, b)
	}
	return bytes.Count(b, []byte("<meeting>")), len(b), nil
}
