// Command poller measures poll cycles over a large simulated pool: by
// default 1,000 BBB servers (in-process bbbsim) with 20 meetings each,
// registered in a SQLite store (or Redis with -redis), against the target of
// DESIGN §7 (a cycle in at most 3 s).
//
// It prints the wall time of each full cycle (the first, which brings every
// server online and fetches the versions, then the steady state), the
// allocations and the resident memory. The simulators run in the same
// process and share its CPUs, so the figures include rendering the servers'
// answers, which real BBB servers would do on their own machines.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/redis"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

func main() {
	servers := flag.Int("servers", 1000, "simulated BBB servers")
	meetings := flag.Int("meetings", 20, "meetings per server")
	cycles := flag.Int("cycles", 5, "poll cycles to time (the first brings the servers online)")
	concurrency := flag.Int("concurrency", poller.DefaultConcurrency, "servers polled at once")
	listeners := flag.Int("listeners", 4, "loopback listeners the simulators are served from")
	redisURL := flag.String("redis", "", "keep live state in the Redis at this URL instead of SQLite")
	dbPath := flag.String("db", "", "SQLite file (default: a new file in a temp dir)")
	baseline := flag.Bool("baseline", true, "also time getMeetings alone, without the store, for comparison")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the cycles to this file")
	flag.Parse()

	if *cpuProfile != "" {
		out, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/poller:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			fmt.Fprintln(os.Stderr, "bench/poller:", err)
			os.Exit(1)
		}
		defer out.Close()
		defer pprof.StopCPUProfile()
	}

	if err := run(*servers, *meetings, *cycles, *concurrency, *listeners, *redisURL, *dbPath, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "bench/poller:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(servers, meetings, cycles, concurrency, listeners int, redisURL, dbPath string, baseline bool) error {
	ctx := context.Background()
	live, backend, cleanup, err := openStore(ctx, redisURL, dbPath)
	if err != nil {
		return err
	}
	defer cleanup()

	f, err := startFleet(servers, max(1, listeners))
	if err != nil {
		return err
	}
	defer f.close()

	setupStart := time.Now()
	bound, err := f.populate(ctx, live, meetings, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	fmt.Printf("pool: %d servers × %d meetings (%d bound), store %s, concurrency %d, %d listeners, GOMAXPROCS %d\n",
		servers, meetings, bound, backend, concurrency, listeners, runtime.GOMAXPROCS(0))
	fmt.Printf("setup: %s\n\n", time.Since(setupStart).Round(time.Millisecond))

	client := bbb.NewClient(bbb.ClientConfig{MaxIdleConnsPerServer: concurrency})
	defer client.Close()
	p := poller.New(live, client, poller.Config{
		HealthyThreshold: 1, LoadMinUserCount: 15, LoadJoinBufferTime: 15 * time.Minute,
		Concurrency: concurrency,
	}, nil)

	fmt.Println("| cycle | wall | online | failed | removed | allocs | alloc MB | RSS MB |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	var steady []time.Duration
	for i := range cycles {
		f.clearRequests()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		sum, err := p.PollOnce(ctx)
		wall := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			return fmt.Errorf("cycle %d: %w", i+1, err)
		}
		name := fmt.Sprintf("%d", i+1)
		if i == 0 {
			name = "1 (first)"
		} else {
			steady = append(steady, wall)
		}
		fmt.Printf("| %s | %s | %d | %d | %d | %d | %.1f | %.1f |\n", name, wall.Round(time.Millisecond),
			sum.Online, len(sum.Failed), sum.BindingsRemoved,
			after.Mallocs-before.Mallocs, float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), rssMB())
		if sum.Online != servers {
			return fmt.Errorf("cycle %d: %d of %d servers online", i+1, sum.Online, servers)
		}
	}
	if len(steady) > 0 {
		var total, worst time.Duration
		for _, d := range steady {
			total += d
			worst = max(worst, d)
		}
		mean := total / time.Duration(len(steady))
		verdict := "met"
		if worst > 3*time.Second {
			verdict = "MISSED"
		}
		fmt.Printf("\nsteady state: mean %s, worst %s; target ≤ 3s: %s\n",
			mean.Round(time.Millisecond), worst.Round(time.Millisecond), verdict)
	}
	fmt.Printf("peak RSS: %.1f MB\n", peakRSSMB())

	if baseline {
		f.clearRequests()
		d, err := fetchOnly(ctx, client, f, concurrency)
		if err != nil {
			return err
		}
		fmt.Printf("baseline, getMeetings round trips alone (no meeting parse, no store): %s\n", d.Round(time.Millisecond))
	}
	return nil
}

// openStore opens the live store the pool is registered in.
func openStore(ctx context.Context, redisURL, dbPath string) (store.Live, string, func(), error) {
	if redisURL != "" {
		prefix := fmt.Sprintf("benchpoller:%d:", time.Now().UnixNano())
		st, err := redis.Open(redisURL, prefix)
		if err != nil {
			return nil, "", nil, err
		}
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, "", nil, err
		}
		cleanup := func() {
			// Leave the shared Redis as it was.
			if servers, err := st.Servers(ctx); err == nil {
				for _, s := range servers {
					_, _ = st.DeleteServer(ctx, s.ID)
				}
			}
			st.Close()
		}
		return st, "redis", cleanup, nil
	}
	var tmp string
	if dbPath == "" {
		var err error
		tmp, err = os.MkdirTemp("", "bench-poller-")
		if err != nil {
			return nil, "", nil, err
		}
		dbPath = filepath.Join(tmp, "bbb.db")
	}
	st, err := sqlite.Open(dbPath)
	if err != nil {
		return nil, "", nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, "", nil, err
	}
	cleanup := func() {
		st.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	return st, "sqlite", cleanup, nil
}

// fetchOnly times the getMeetings round trips of every server (with the
// client's envelope check) at the poller's concurrency and nothing else: the
// part of a cycle no store change can speed up.
func fetchOnly(ctx context.Context, client *bbb.Client, f *fleet, concurrency int) (time.Duration, error) {
	start := time.Now()
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(f.sims) {
					return
				}
				t := bbb.Target{URL: f.urls[i], Secret: f.sims[i].Secret()}
				if _, err := client.Call(ctx, t, "getMeetings", nil); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return 0, fmt.Errorf("baseline: %d getMeetings failed", n)
	}
	return time.Since(start), nil
}

// rssMB and peakRSSMB read the resident set size from /proc (Linux); they
// report 0 elsewhere.
func rssMB() float64     { return procStatusMB("VmRSS:") }
func peakRSSMB() float64 { return procStatusMB("VmHWM:") }

func procStatusMB(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
