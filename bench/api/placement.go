package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/loopback"
)

// placementResult is how a burst of creates spread over the servers.
type placementResult struct {
	concurrency int
	perServer   []int
	elapsed     time.Duration
}

// spread returns the busiest server's meetings over the mean.
func (p placementResult) spread() float64 {
	total, busiest := 0, 0
	for _, n := range p.perServer {
		total += n
		busiest = max(busiest, n)
	}
	if total == 0 {
		return 0
	}
	return float64(busiest) / (float64(total) / float64(len(p.perServer)))
}

// placement loads a fresh config with servers equal simulated servers
// registered online and poll_interval 1h, sends creates new meetings
// through the load balancer from concurrency clients with no poll in
// between, and counts the meetings each server received.
func placement(ctx context.Context, dir, secret string, servers, creates, concurrency int) (placementResult, error) {
	sims := make([]*simServer, 0, servers)
	defer func() {
		for _, s := range sims {
			s.close()
		}
	}()
	for i := range servers {
		s, err := startSim(fmt.Sprintf("placement-secret-%d", i))
		if err != nil {
			return placementResult{}, err
		}
		sims = append(sims, s)
	}
	lbAddr, err := loopback.FreeAddr()
	if err != nil {
		return placementResult{}, err
	}
	proxyAddr, err := loopback.FreeAddr()
	if err != nil {
		return placementResult{}, err
	}
	cfg, err := caddyConfig(filepath.Join(dir, fmt.Sprintf("placement-%d", concurrency)), secret, lbAddr, proxyAddr, sims[0].addr)
	if err != nil {
		return placementResult{}, err
	}
	live, err := loadCaddy(cfg)
	if err != nil {
		return placementResult{}, err
	}
	if err := registerOnline(ctx, live, sims); err != nil {
		return placementResult{}, err
	}

	client := newLoadClient(concurrency)
	lb := signer{base: "http://" + lbAddr, secret: secret}
	work := make(chan int)
	errs := make([]error, concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			for i := range work {
				sc := scenario{
					name:   "create",
					url:    lb.url("create", fmt.Sprintf("name=Placement&meetingID=place-%04d", i)),
					status: http.StatusOK,
					want:   []byte("<returncode>SUCCESS</returncode>"),
				}
				if err := sendOnce(ctx, client, sc); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	for i := range creates {
		work <- i
	}
	close(work)
	wg.Wait()
	res := placementResult{concurrency: concurrency, elapsed: time.Since(start)}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	for _, s := range sims {
		res.perServer = append(res.perServer, len(s.sim.Meetings()))
	}
	return res, nil
}
