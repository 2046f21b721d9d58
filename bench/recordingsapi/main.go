// Command recordingsapi benchmarks getRecordings through the HTTP API: it
// loads the realistic data set of bench/recordings (100,000 recordings by
// default) into SQLite and into a scratch PostgreSQL database, starts an
// in-process Caddy whose bbb app reads recordings from that store, and
// times signed getRecordings requests on loopback from a few keep-alive
// clients. It prints p50/p99/max and the response size per backend and
// query, next to the targets of DESIGN §7. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/loopback"
	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	_ "github.com/caddy-bbb/caddy-bbb/handlers"
	_ "github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 100_000, "recordings to load")
	flag.IntVar(&cfg.runs, "runs", 500, "timed requests of each query")
	flag.IntVar(&cfg.warmup, "warmup", 50, "untimed requests of each query first")
	clients := flag.String("clients", "1,4", "comma-separated numbers of concurrent keep-alive clients: each query runs at each")
	flag.IntVar(&cfg.workers, "workers", 8, "concurrent loaders")
	flag.StringVar(&cfg.backends, "backends", "sqlite,postgres", "comma-separated recordings stores to run: sqlite, postgres")
	flag.StringVar(&cfg.postgresDSN, "postgres", os.Getenv(storetest.PostgresEnv),
		"DSN of a PostgreSQL server the benchmark may create a scratch database on (default $"+storetest.PostgresEnv+")")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of each backend's requests (loading excluded) to this path plus .<backend>")
	flag.Parse()

	var err error
	if cfg.clients, err = parseCounts(*clients); err != nil {
		fmt.Fprintln(os.Stderr, "bench/recordingsapi: -clients:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench/recordingsapi:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	n, runs, warmup, workers int
	clients                  []int
	backends                 string
	postgresDSN              string
	cpuProfile               string
}

func run(ctx context.Context, cfg config) error {
	if cfg.n <= 0 || cfg.runs <= 0 || cfg.warmup < 0 || cfg.workers <= 0 {
		return errors.New("-n, -runs and -workers must be positive, -warmup not negative")
	}
	var backends []backend
	for _, name := range strings.Split(cfg.backends, ",") {
		switch strings.TrimSpace(name) {
		case "sqlite":
			backends = append(backends, sqliteBackend())
		case "postgres":
			if cfg.postgresDSN == "" {
				return errors.New("postgres: no DSN: pass -postgres or set " + storetest.PostgresEnv +
					" (scripts/services.sh start DIR prints one)")
			}
			backends = append(backends, postgresBackend(cfg.postgresDSN))
		case "":
		default:
			return fmt.Errorf("unknown backend %q (want sqlite or postgres)", name)
		}
	}
	if len(backends) == 0 {
		return errors.New("no backend selected")
	}

	dir, err := os.MkdirTemp("", "caddy-bbb-bench-recordingsapi-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	// Caddy's own default data and config dirs would be in the home
	// directory.
	for _, env := range []string{"XDG_DATA_HOME", "XDG_CONFIG_HOME"} {
		if err := os.Setenv(env, dir); err != nil {
			return fmt.Errorf("set %s: %w", env, err)
		}
	}

	data := recgen.New(cfg.n, 42)
	var results []result
	for _, b := range backends {
		rs, err := runBackend(ctx, cfg, filepath.Join(dir, b.name), b, data)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		results = append(results, rs...)
	}
	printResults(os.Stdout, cfg, results)
	return nil
}

// runBackend loads the data set into b, then runs every query through a
// Caddy on that store: first the queries without multitenancy, then, after
// a reload with multitenancy on, the tenants' ones.
func runBackend(ctx context.Context, cfg config, dir string, b backend, data *recgen.Dataset) (_ []result, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backend dir: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	storeConfig, cleanup, err := b.prepare(ctx, dir, data, cfg.workers)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Caddy lets go of the store before it is removed.
		if stopErr := caddy.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop caddy: %w", stopErr))
		}
		err = errors.Join(err, cleanup())
	}()

	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	client := newClient(slices.Max(cfg.clients))
	defer client.CloseIdleConnections()
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile + "." + b.name)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, stop()) }()
	}
	var out []result
	for _, multitenant := range []bool{false, true} {
		domain := ""
		if multitenant {
			domain = tenantDomain
		}
		caddyCfg, err := caddyConfig(dir, addr, storeConfig, domain)
		if err != nil {
			return nil, err
		}
		app, err := loadCaddy(caddyCfg)
		if err != nil {
			return nil, err
		}
		if !multitenant {
			if err := addTenants(ctx, app.Live()); err != nil {
				return nil, err
			}
		}
		for _, q := range apiQueries(data) {
			if q.multitenant != multitenant {
				continue
			}
			for _, clients := range cfg.clients {
				r, err := measure(ctx, client, "http://"+addr, q, cfg.warmup, cfg.runs, clients)
				if err != nil {
					return nil, fmt.Errorf("query %s, %d clients: %w", q.name, clients, err)
				}
				r.backend, r.clients = b.name, clients
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func printResults(w io.Writer, cfg config, results []result) {
	fmt.Fprintf(w, "\ngetRecordings over HTTP on %d recordings, %d requests per query and client count (after %d warm-up), keep-alive, loopback\n\n",
		cfg.n, cfg.runs, cfg.warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tquery\tclients\tp50\tp99\tmax\treq/s\trows\ttotal\tsize\ttarget p99\t\t")
	for _, r := range results {
		target, verdict := "-", ""
		if r.target > 0 {
			target, verdict = ms(r.target), "ok"
			if r.p99 > r.target {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%.0f\t%.1f\t%.0f\t%s\t%s\t%s\t\n", r.backend, r.query, r.clients,
			ms(r.p50), ms(r.p99), ms(r.max), r.rate, r.rows, r.total, kb(r.size), target, verdict)
	}
	tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func kb(bytes float64) string { return fmt.Sprintf("%.1fKB", bytes/1024) }

// parseCounts parses a comma-separated list of positive numbers.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// startCPUProfile profiles the process into path until stop.
func startCPUProfile(path string) (stop func() error, err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		return nil, errors.Join(fmt.Errorf("cpu profile: %w", err), out.Close())
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := out.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		return nil
	}, nil
}
