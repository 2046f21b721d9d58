package recordings

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// importEnv is an importer on a real SQLite store with its folders in a
// temporary directory.
type importEnv struct {
	t    *testing.T
	root string // holds everything below, and nothing else
	db   *sqlite.Store
	cfg  ImporterConfig
	im   *Importer
}

// newImportEnv opens a store in root/bbb.db (an existing root is reused, so
// a child process can share it) and builds an importer; mod adjusts the
// configuration.
func newImportEnv(t *testing.T, root string, mod func(*ImporterConfig)) *importEnv {
	t.Helper()
	if root == "" {
		root = t.TempDir()
	}
	db, err := sqlite.Open(filepath.Join(root, "bbb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := ImporterConfig{
		SpoolDir:     filepath.Join(root, "spool"),
		WorkDir:      filepath.Join(root, "work"),
		PublishDir:   filepath.Join(root, "published"),
		UnpublishDir: filepath.Join(root, "unpublished"),
		ScanInterval: time.Hour, // only file events, unless a test says otherwise
		LeaseTTL:     3 * time.Second,
		Secrets:      []string{"lb-secret"},
	}
	if mod != nil {
		mod(&cfg)
	}
	for _, d := range []string{cfg.SpoolDir, cfg.WorkDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	im, err := NewImporter(cfg, db, db, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	return &importEnv{t: t, root: root, db: db, cfg: cfg, im: im}
}

// run starts the importer's Run until the test ends.
func (e *importEnv) run() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.im.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("Run did not return after cancel")
		}
	})
}

// importNow runs ImportNow with a timeout.
func (e *importEnv) importNow() ImportSummary {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum, err := e.im.ImportNow(ctx)
	if err != nil {
		e.t.Fatalf("ImportNow: %v", err)
	}
	return sum
}

// writeTar writes a simulated recording into the spool, as rsync would.
func (e *importEnv) writeTar(rec bbbsim.Recording) string {
	e.t.Helper()
	p, err := bbbsim.WriteRecordingTar(e.cfg.SpoolDir, rec)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// recording returns a stored recording or fails.
func (e *importEnv) recording(id string) store.Recording {
	e.t.Helper()
	r, err := e.db.Recording(context.Background(), id)
	if err != nil {
		e.t.Fatalf("recording %s: %v", id, err)
	}
	return r
}

// files lists the regular files below dir, relative to it, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// spoolNames lists the names in the spool, failed folder excluded.
func (e *importEnv) spoolNames() []string {
	e.t.Helper()
	entries, err := os.ReadDir(e.cfg.SpoolDir)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		if en.Name() != FailedDir {
			out = append(out, en.Name())
		}
	}
	return out
}

// assertClean checks that no work folder and no dot-named leftover remain.
func (e *importEnv) assertClean() {
	e.t.Helper()
	// The pass removes its extraction folder just after it deletes the tar,
	// which is what the tests wait for: give it a moment.
	waitUntil(2*time.Second, func() bool {
		entries, _ := os.ReadDir(e.cfg.WorkDir)
		return len(entries) == 0
	})
	if left := files(e.t, e.cfg.WorkDir); len(left) != 0 {
		e.t.Errorf("work dir keeps %v", left)
	}
	if entries, _ := os.ReadDir(e.cfg.WorkDir); len(entries) != 0 {
		e.t.Errorf("work dir keeps folders %v", entries)
	}
	for _, root := range []string{e.cfg.PublishDir, e.cfg.UnpublishDir} {
		for _, f := range files(e.t, root) {
			for _, elem := range strings.Split(f, "/") {
				if strings.HasPrefix(elem, ".") {
					e.t.Errorf("leftover %s in %s", f, root)
				}
			}
		}
	}
}

// waitUntil polls cond every few milliseconds until it holds or timeout
// passes, and reports whether it held.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// simRecording is a recording as a bbbsim server would publish it.
func simRecording(id string, formats ...string) bbbsim.Recording {
	start := time.UnixMilli(1_700_000_000_000).UTC()
	return bbbsim.Recording{
		RecordID:     id,
		MeetingID:    "meeting-" + id,
		Name:         "Meeting " + id,
		Meta:         nil,
		Participants: 4,
		Start:        start,
		End:          start.Add(150 * time.Second),
		Formats:      formats,
		BaseURL:      "https://bbb1.example.com",
	}
}
