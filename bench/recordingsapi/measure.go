package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// requestTimeout bounds one request; a slower one is a failure, not a
// figure.
const requestTimeout = 10 * time.Second

// result is what measure found for one query on one backend.
type result struct {
	backend, query string
	clients        int
	target         time.Duration
	p50, p99, max  time.Duration
	rows, total    float64 // averages per request
	size           float64 // average response body, bytes
	rate           float64 // requests per second over the timed runs
}

// answer is what one response held.
type answer struct {
	latency time.Duration
	size    int
	rows    int
	total   int // matches: totalElements, or rows when not paginated
}

// newClient returns the benchmark's HTTP client: one keep-alive connection
// per concurrent client, no compression (the bbb handler sends none).
func newClient(clients int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConnsPerHost: clients,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
		Timeout: requestTimeout,
	}
}

// measure sends warmup untimed requests of q, then runs timed ones, from
// clients concurrent workers, each waiting for its answer before sending
// the next. Every answer must be a SUCCESS document; the first that is not
// stops the run.
func measure(ctx context.Context, client *http.Client, base string, q apiQuery, warmup, runs, clients int) (result, error) {
	if _, err := phase(ctx, client, base, q, 0, warmup, clients); err != nil {
		return result{}, err
	}
	began := time.Now()
	answers, err := phase(ctx, client, base, q, warmup, runs, clients)
	if err != nil {
		return result{}, err
	}
	elapsed := time.Since(began)

	times := make([]time.Duration, len(answers))
	var rows, total, size int
	for i, a := range answers {
		times[i] = a.latency
		rows, total, size = rows+a.rows, total+a.total, size+a.size
	}
	if rows == 0 {
		return result{}, errors.New("no request found any recording: the data set does not fit the query")
	}
	slices.Sort(times)
	n := float64(len(answers))
	return result{
		query:  q.name,
		target: q.target,
		p50:    times[len(times)/2],
		p99:    times[min(len(times)-1, len(times)*99/100)],
		max:    times[len(times)-1],
		rows:   float64(rows) / n,
		total:  float64(total) / n,
		size:   float64(size) / n,
		rate:   n / elapsed.Seconds(),
	}, nil
}

// phase sends the requests of runs first..first+count-1 of q from clients
// workers and returns their answers, in run order.
func phase(ctx context.Context, client *http.Client, base string, q apiQuery, first, count, clients int) ([]answer, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	answers := make([]answer, count)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(clients, count) {
		wg.Go(func() {
			var body bytes.Buffer
			for {
				i := int(next.Add(1)) - 1
				if i >= count || ctx.Err() != nil {
					return
				}
				a, err := send(ctx, client, base, q.next(first+i), &body)
				if err != nil {
					cancel(fmt.Errorf("run %d: %w", first+i, err))
					return
				}
				answers[i] = a
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return answers, nil
}

var (
	success       = []byte("<returncode>SUCCESS</returncode>")
	recordingTag  = []byte("<recording>")
	totalElements = []byte("<totalElements>")
)

// send makes one signed getRecordings request and checks its answer. The
// latency runs from sending the request to the last byte of the body, so it
// includes the XML the handler writes and the client reads.
func send(ctx context.Context, client *http.Client, base string, r apiRequest, body *bytes.Buffer) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	query := r.query + "&checksum=" + bbb.Checksum(bbb.SHA256, "getRecordings", r.query, r.secret())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/bigbluebutton/api/getRecordings?"+query, nil)
	if err != nil {
		return answer{}, err
	}
	if h := r.host(); h != "" {
		req.Host = h
	}
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	body.Reset()
	_, err = io.Copy(body, resp.Body)
	latency := time.Since(began)
	err = errors.Join(err, resp.Body.Close())
	switch {
	case err != nil:
		return answer{}, fmt.Errorf("read answer: %w", err)
	case resp.StatusCode != http.StatusOK:
		return answer{}, fmt.Errorf("status %d: %.200s", resp.StatusCode, body.Bytes())
	case !bytes.Contains(body.Bytes(), success):
		return answer{}, fmt.Errorf("not a SUCCESS answer: %.300s", body.Bytes())
	}
	a := answer{latency: latency, size: body.Len(), rows: bytes.Count(body.Bytes(), recordingTag)}
	// Without pagination the answer holds every match.
	a.total = a.rows
	if i := bytes.Index(body.Bytes(), totalElements); i >= 0 {
		rest := body.Bytes()[i+len(totalElements):]
		if end := bytes.IndexByte(rest, '<'); end >= 0 {
			if a.total, err = strconv.Atoi(string(rest[:end])); err != nil {
				return answer{}, fmt.Errorf("totalElements: %w", err)
			}
		}
	}
	return a, nil
}
