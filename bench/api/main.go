// Command api measures the BBB API of caddy-bbb against Caddy's own
// handlers, side by side in one process, for the targets of DESIGN §7:
// join at least 50% of the requests per second of Caddy's respond handler,
// isMeetingRunning of an unknown meeting at least 60%, and getMeetingInfo
// proxied by the bbb handler at least 70% of Caddy's reverse_proxy to the
// same simulated server. It also counts the TCP connections the load
// balancer opens to that server (pooled keep-alive: far fewer than
// requests), and spreads 200 creates over 10 equal servers with no poll in
// between (busiest server at most 1.2 × the mean).
//
// One Caddy runs in this process (caddy.Load with a JSON config, admin off)
// with the bbb app on a SQLite store in a temp dir; the simulated BBB
// servers and the load generator run here too, all on loopback, so every
// figure shares the same CPUs.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bench/internal/loopback"
	_ "github.com/caddy-bbb/caddy-bbb/handlers"
	_ "github.com/caddy-bbb/caddy-bbb/module"
)

// The secrets of the run: the load balancer's and the API server's.
const (
	lbSecret  = "bench-lb-secret"
	simSecret = "bench-sim-secret"
)

// meetingID is the meeting join and getMeetingInfo ask for.
const meetingID = "bench-meeting"

func main() {
	duration := flag.Duration("duration", 5*time.Second, "measured time per scenario")
	warmup := flag.Duration("warmup", time.Second, "unmeasured time per scenario before it")
	concurrency := flag.Int("concurrency", 32, "concurrent keep-alive clients")
	servers := flag.Int("servers", 10, "servers of the placement run")
	creates := flag.Int("creates", 200, "creates of the placement run")
	placeConcurrency := flag.Int("place-concurrency", 20, "concurrent creates of the second placement run (the first is sequential)")
	rounds := flag.Int("rounds", 3, "rounds over all scenarios; each scenario's figures merge its rounds")
	only := flag.String("scenarios", "abcde", "which scenarios to run, by letter")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured API runs to this file")
	flag.Parse()

	opts := apiOptions{duration: *duration, warmup: *warmup, concurrency: *concurrency, rounds: *rounds,
		only: *only, cpuProfile: *cpuProfile}
	if err := runBench(opts, *servers, *creates, *placeConcurrency); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

// apiOptions are the settings of the API run.
type apiOptions struct {
	duration, warmup    time.Duration
	concurrency, rounds int
	only                string
	cpuProfile          string
}

func runBench(opts apiOptions, servers, creates, placeConcurrency int) error {
	if opts.concurrency < 1 || opts.rounds < 1 || servers < 1 || creates < 1 || placeConcurrency < 1 {
		return fmt.Errorf("-concurrency, -rounds, -servers, -creates and -place-concurrency must be at least 1")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "caddy-bbb-bench-api-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	// Caddy's own default data dir would be in the home directory.
	for _, env := range []string{"XDG_DATA_HOME", "XDG_CONFIG_HOME"} {
		if err := os.Setenv(env, dir); err != nil {
			return fmt.Errorf("set %s: %w", env, err)
		}
	}
	defer func() {
		if err := caddy.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/api: stop caddy:", err)
		}
	}()

	if err := apiRun(ctx, dir, opts); err != nil {
		return err
	}

	fmt.Printf("\nplacement: %d creates over %d equal servers, no poll in between (target: busiest ≤ 1.2 × mean)\n", creates, servers)
	for _, c := range []int{1, placeConcurrency} {
		res, err := placement(ctx, dir, lbSecret, servers, creates, c)
		if err != nil {
			return fmt.Errorf("placement with %d concurrent creates: %w", c, err)
		}
		fmt.Printf("  %2d concurrent: meetings per server %v  busiest/mean %.2f  %s  (%s)\n",
			c, res.perServer, res.spread(), verdict(res.spread() <= 1.2), res.elapsed.Round(time.Millisecond))
	}
	return nil
}

// apiRun measures the five request kinds and prints the table, the ratios
// and the connection counts.
func apiRun(ctx context.Context, dir string, opts apiOptions) error {
	sim, err := startSim(simSecret)
	if err != nil {
		return err
	}
	defer sim.close()
	lbAddr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	proxyAddr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	cfg, err := caddyConfig(dir, lbSecret, lbAddr, proxyAddr, sim.addr)
	if err != nil {
		return err
	}
	live, err := loadCaddy(cfg)
	if err != nil {
		return err
	}
	if err := registerOnline(ctx, live, []*simServer{sim}); err != nil {
		return err
	}

	client := newLoadClient(opts.concurrency)
	lb := signer{base: "http://" + lbAddr, secret: lbSecret}
	success := []byte("<returncode>SUCCESS</returncode>")
	create := scenario{
		name:   "create",
		url:    lb.url("create", "name=Benchmark&meetingID="+meetingID+"&attendeePW=ap&moderatorPW=mp"),
		status: http.StatusOK,
		want:   success,
	}
	if err := sendOnce(ctx, client, create); err != nil {
		return err
	}

	direct := signer{base: "http://" + proxyAddr, secret: simSecret}
	scenarios := []scenario{
		{name: "(a) respond", url: "http://" + lbAddr + "/respond", status: http.StatusOK, want: []byte("ok")},
		{name: "(b) join (302)", url: lb.url("join", "fullName=Bench+User&meetingID="+meetingID+"&password=ap"), status: http.StatusFound},
		{name: "(c) isMeetingRunning unknown", url: lb.url("isMeetingRunning", "meetingID=no-such-meeting"),
			status: http.StatusOK, want: []byte("<running>false</running>")},
		{name: "(d) getMeetingInfo via bbb", url: lb.url("getMeetingInfo", "meetingID="+meetingID), status: http.StatusOK, want: success},
		{name: "(e) getMeetingInfo via reverse_proxy", url: direct.url("getMeetingInfo", "meetingID="+meetingID), status: http.StatusOK, want: success},
	}
	for _, sc := range scenarios {
		if err := sendOnce(ctx, client, sc); err != nil {
			return fmt.Errorf("check before measuring: %w", err)
		}
	}

	if opts.cpuProfile != "" {
		stop, err := startCPUProfile(opts.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Printf("API: %d keep-alive clients, %d rounds of %s per scenario (each after %s warm-up), loopback\n\n",
		opts.concurrency, opts.rounds, opts.duration, opts.warmup)
	results := make(map[string]result, len(scenarios))
	conns := make(map[string]int64, len(scenarios))
	// Rounds interleave the scenarios, so a change in the machine's other
	// load during the run weighs on all of them alike.
	for range opts.rounds {
		for _, sc := range scenarios {
			if !strings.Contains(opts.only, sc.name[1:2]) {
				continue
			}
			before := sim.conns.Load()
			r := drive(ctx, client, sc, opts.concurrency, opts.warmup, opts.duration)
			conns[sc.name] += sim.conns.Load() - before
			results[sc.name] = results[sc.name].merge(r)
		}
	}
	fmt.Printf("  %-38s %10s %9s %9s %8s\n", "scenario", "req/s", "p50", "p99", "errors")
	for _, sc := range scenarios {
		r, ok := results[sc.name]
		if !ok {
			continue
		}
		fmt.Printf("  %-38s %10.0f %9s %9s %8d\n", sc.name, r.rate(), ms(r.percentile(0.50)), ms(r.percentile(0.99)), r.errors)
		if r.errors > 0 {
			fmt.Printf("      first error: %s\n", r.firstErr)
		}
	}

	ratio := func(a, b string) (float64, bool) {
		ra, okA := results[a]
		rb, okB := results[b]
		if !okA || !okB || rb.rate() == 0 {
			return 0, false
		}
		return ra.rate() / rb.rate(), true
	}
	fmt.Printf("\n  %-38s %6s %8s\n", "ratio", "got", "target")
	for _, r := range []struct {
		name   string
		a, b   string
		target float64
	}{
		{"join / respond", scenarios[1].name, scenarios[0].name, 0.50},
		{"isMeetingRunning unknown / respond", scenarios[2].name, scenarios[0].name, 0.60},
		{"getMeetingInfo bbb / reverse_proxy", scenarios[3].name, scenarios[4].name, 0.70},
	} {
		got, ok := ratio(r.a, r.b)
		if !ok {
			continue
		}
		fmt.Printf("  %-38s %6.2f %8s  %s\n", r.name, got, fmt.Sprintf("≥ %.2f", r.target), verdict(got >= r.target))
	}

	fmt.Printf("\n  new TCP connections to bbbsim (warm-up included):\n")
	for _, sc := range scenarios[3:] {
		if _, ok := results[sc.name]; !ok {
			continue
		}
		fmt.Printf("    %-36s %6d for %d requests\n", sc.name, conns[sc.name], results[sc.name].requests)
	}
	return nil
}

// signer builds signed API URLs for one secret, SHA-256 as most front-ends.
type signer struct {
	base   string // scheme and host
	secret string
}

func (s signer) url(call, query string) string {
	sum := bbb.Checksum(bbb.SHA256, call, query, s.secret)
	return s.base + "/bigbluebutton/api/" + call + "?" + query + "&checksum=" + sum
}

// sendOnce sends one request of sc and checks the answer.
func sendOnce(ctx context.Context, client *http.Client, sc scenario) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var body bytes.Buffer
	if err := send(ctx, client, sc, &body); err != nil {
		return err
	}
	return nil
}

// startCPUProfile profiles the process into path until the returned stop.
func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := out.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/api: cpu profile:", err)
		}
	}, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "BELOW TARGET"
}
