// Command recordings benchmarks getRecordings queries on the SQLite and
// PostgreSQL recordings stores: it loads a realistic data set (100,000
// recordings by default) into each, runs every query many times through
// store.Recordings and prints p50/p99/max per backend and query, next to the
// targets of DESIGN §7. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 100_000, "recordings to load")
	flag.IntVar(&cfg.runs, "runs", 500, "timed runs of each query")
	flag.IntVar(&cfg.warmup, "warmup", 50, "untimed runs of each query first")
	flag.IntVar(&cfg.workers, "workers", 8, "concurrent loaders")
	flag.StringVar(&cfg.backends, "backends", "sqlite,postgres", "comma-separated backends to run: sqlite, postgres")
	flag.StringVar(&cfg.postgresDSN, "postgres", os.Getenv(storetest.PostgresEnv),
		"DSN of a PostgreSQL server the benchmark may create a scratch database on (default $"+storetest.PostgresEnv+")")
	flag.StringVar(&cfg.sqlitePath, "sqlite", "", "SQLite database file to create (default: a temp file, removed afterwards)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the loaded databases afterwards, to look at query plans, and print where they are")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "recordings bench:", err)
		os.Exit(1)
	}
}

type config struct {
	n, runs, warmup, workers int
	backends                 string
	postgresDSN              string
	sqlitePath               string
	keep                     bool
}

// backend is a recordings store under test, with what it takes to set it up
// and tear it down.
type backend struct {
	name string
	open func(ctx context.Context) (store.Recordings, func() error, error)
	// afterLoad brings the database to its steady state after a bulk load
	// (statistics), as a running installation would be.
	afterLoad func(ctx context.Context) error
}

func run(ctx context.Context, cfg config) error {
	if cfg.n <= 0 || cfg.runs <= 0 || cfg.workers <= 0 {
		return errors.New("-n, -runs and -workers must be positive")
	}
	var backends []backend
	for _, name := range strings.Split(cfg.backends, ",") {
		switch strings.TrimSpace(name) {
		case "sqlite":
			backends = append(backends, sqliteBackend(cfg.sqlitePath, cfg.keep))
		case "postgres":
			if cfg.postgresDSN == "" {
				return errors.New("postgres: no DSN: pass -postgres or set " + storetest.PostgresEnv +
					" (scripts/services.sh start DIR prints one)")
			}
			backends = append(backends, postgresBackend(cfg.postgresDSN, cfg.keep))
		case "":
		default:
			return fmt.Errorf("unknown backend %q (want sqlite or postgres)", name)
		}
	}
	if len(backends) == 0 {
		return errors.New("no backend selected")
	}

	data := recgen.New(cfg.n, 42)
	queries := benchQueries(data)
	var results []result
	for _, b := range backends {
		rs, err := runBackend(ctx, cfg, b, data, queries)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		results = append(results, rs...)
	}
	printResults(os.Stdout, cfg, results)
	return nil
}

func runBackend(ctx context.Context, cfg config, b backend, data *recgen.Dataset, queries []benchQuery) (_ []result, err error) {
	s, cleanup, err := b.open(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, s.Close(), cleanup()) }()

	began := time.Now()
	if err := recgen.Load(ctx, s, data, cfg.workers, os.Stderr); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if b.afterLoad != nil {
		if err := b.afterLoad(ctx); err != nil {
			return nil, fmt.Errorf("after load: %w", err)
		}
	}
	loadTime := time.Since(began)
	fmt.Fprintf(os.Stderr, "%s: loaded %d recordings in %v (%.0f/s)\n",
		b.name, cfg.n, loadTime.Round(time.Millisecond), float64(cfg.n)/loadTime.Seconds())

	var out []result
	for _, q := range queries {
		r, err := measure(ctx, s, q, cfg.warmup, cfg.runs)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.name, err)
		}
		r.backend = b.name
		out = append(out, r)
	}
	return out, nil
}

func printResults(w *os.File, cfg config, results []result) {
	fmt.Fprintf(w, "\ngetRecordings on %d recordings, %d runs per query (after %d warm-up runs)\n\n", cfg.n, cfg.runs, cfg.warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tquery\tp50\tp99\tmax\trows\ttotal\ttarget p99\t\t")
	for _, r := range results {
		target, verdict := "-", ""
		if r.target > 0 {
			target = fmtDuration(r.target)
			verdict = "ok"
			if r.p99 > r.target {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%.0f\t%s\t%s\t\n", r.backend, r.query,
			fmtDuration(r.p50), fmtDuration(r.p99), fmtDuration(r.max), r.rows, r.total, target, verdict)
	}
	tw.Flush()
}

func fmtDuration(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
