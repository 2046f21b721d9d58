// Command import measures the recording importer against the targets of
// DESIGN §7: at least 50 small recordings imported per second, and a tar
// picked up at most 1 s after it lands in the spool.
//
// It writes simulated recordings (bbbsim, presentation and video formats,
// about 18 KB each) the way rsync delivers them (a dot-file renamed into
// place) into a spool on a SQLite store in a temporary folder, and times:
// the pick-up of single tars by a running importer (file events only: the
// periodic scan is left at its 60 s default), a burst of -n tars renamed into
// the watched spool, and one ImportNow pass over -n tars.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// Targets of DESIGN §7.
const (
	targetRate    = 50.0
	targetLatency = time.Second
)

func main() {
	n := flag.Int("n", 500, "recordings per throughput run")
	pickups := flag.Int("pickups", 20, "single tars timed for pick-up latency")
	dir := flag.String("dir", "", "folder for spool, work, publish dirs and database (default: a new temp folder, removed at the end)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		out, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/import:", err)
			os.Exit(1)
		}
		defer out.Close()
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *pickups, *dir); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench/import:", err)
		os.Exit(1)
	}
}

func run(n, pickups int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bbb-import-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(dir, "bbb.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	cfg := recordings.ImporterConfig{
		SpoolDir:     filepath.Join(dir, "spool"),
		WorkDir:      filepath.Join(dir, "work"),
		PublishDir:   filepath.Join(dir, "published"),
		UnpublishDir: filepath.Join(dir, "unpublished"),
		Secrets:      []string{"bench-secret"},
	}
	staging := filepath.Join(dir, "staging")
	for _, d := range []string{cfg.SpoolDir, staging} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	im, err := recordings.NewImporter(cfg, db, db, zap.NewNop())
	if err != nil {
		return err
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- im.Run(runCtx) }()
	var stopOnce sync.Once
	var stopErr error
	stopRun := func() error {
		stopOnce.Do(func() {
			stop()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = errors.New("importer did not stop")
			}
		})
		return stopErr
	}
	defer stopRun()
	// Takes the lease for this importer, so Run works from now on.
	if _, err := im.ImportNow(ctx); err != nil {
		return fmt.Errorf("take the importer lease: %w", err)
	}

	// Pick-up latency: one tar at a time, from its rename to stored.
	var lat []time.Duration
	for i := range pickups {
		id := fmt.Sprintf("pickup-%04d", i)
		if _, err := bbbsim.WriteRecordingTar(cfg.SpoolDir, recording(id)); err != nil {
			return err
		}
		landed := time.Now()
		if err := waitFor(30*time.Second, func() bool {
			_, err := db.Recording(ctx, id)
			return err == nil
		}); err != nil {
			return fmt.Errorf("pick-up of %s: %w", id, err)
		}
		lat = append(lat, time.Since(landed))
	}
	slices.Sort(lat)

	// Burst into the watched spool.
	watched, err := burst(ctx, db, cfg.SpoolDir, staging, "watched", n, nil)
	if err != nil {
		return err
	}

	// One ImportNow pass over a full spool, the importer loop stopped.
	if err := stopRun(); err != nil {
		return err
	}
	pass, err := burst(ctx, db, cfg.SpoolDir, staging, "pass", n, func() error {
		sum, err := im.ImportNow(ctx)
		if err == nil && len(sum.Failed) > 0 {
			err = fmt.Errorf("%d failed, first: %s", len(sum.Failed), sum.Failed[0].Reason)
		}
		return err
	})
	if err != nil {
		return err
	}

	fmt.Printf("%-34s %12s %10s\n", "measure", "value", "target")
	row := func(name, value, target string, ok bool) {
		verdict := ""
		if target != "" {
			verdict = "ok"
			if !ok {
				verdict = "MISSED"
			}
		}
		fmt.Printf("%-34s %12s %10s  %s\n", name, value, target, verdict)
	}
	if len(lat) > 0 {
		row(fmt.Sprintf("pick-up latency p50 (%d tars)", len(lat)), ms(lat[len(lat)/2]), "", true)
		row("pick-up latency max", ms(lat[len(lat)-1]), "<= 1s", lat[len(lat)-1] <= targetLatency)
	}
	row(fmt.Sprintf("import rate, watched spool (%d)", n), fmt.Sprintf("%.0f/s", watched), ">= 50/s", watched >= targetRate)
	row(fmt.Sprintf("import rate, ImportNow pass (%d)", n), fmt.Sprintf("%.0f/s", pass), ">= 50/s", pass >= targetRate)
	return nil
}

// burst writes n tars into staging, renames them all into the spool, runs
// importNow if given, waits until every one is stored and returns the rate.
func burst(ctx context.Context, db *sqlite.Store, spool, staging, prefix string, n int, importNow func() error) (float64, error) {
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s-%05d", prefix, i)
		if _, err := bbbsim.WriteRecordingTar(staging, recording(ids[i])); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for _, id := range ids {
		if err := os.Rename(filepath.Join(staging, id+".tar"), filepath.Join(spool, id+".tar")); err != nil {
			return 0, err
		}
	}
	if importNow != nil {
		if err := importNow(); err != nil {
			return 0, fmt.Errorf("%s: %w", prefix, err)
		}
	}
	err := waitFor(10*time.Minute, func() bool {
		_, total, err := db.QueryRecordings(ctx, store.RecordingQuery{RecordIDs: []string{prefix + "-"}, Limit: 1})
		return err == nil && total == n
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", prefix, err)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// recording is a small recording as a BBB server would send it.
func recording(id string) bbbsim.Recording {
	start := time.Now().Add(-time.Hour)
	return bbbsim.Recording{
		RecordID: id, MeetingID: "meeting-" + id, Name: "Bench " + id,
		Participants: 3, Start: start, End: start.Add(45 * time.Minute),
		BaseURL: "https://bbb1.example.com",
	}
}

func waitFor(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
