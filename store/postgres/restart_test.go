package postgres

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// privateServer is a PostgreSQL of the test's own, in a temp folder,
// listening on a unix socket only, so the test may stop and start it.
type privateServer struct {
	t       *testing.T
	bin     string
	data    string
	sockDir string
	log     string
}

// startPrivateServer initialises and starts a private PostgreSQL, the way
// scripts/services.sh does. Without the PostgreSQL binaries the test is
// skipped, or fails under CI.
func startPrivateServer(t *testing.T) *privateServer {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		msg := "PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	ps := &privateServer{
		t: t, bin: bin,
		data:    filepath.Join(dir, "data"),
		sockDir: filepath.Join(dir, "sock"),
		log:     filepath.Join(dir, "server.log"),
	}
	if err := os.Mkdir(ps.sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// PostgreSQL will not run as root: hand the folder to "postgres",
		// and let it through the test's temp folders.
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, p := range []string{dir, ps.sockDir} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		for p := dir; p != filepath.Dir(p) && strings.HasPrefix(p, os.TempDir()+"/"); p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	ps.run("initdb", "-D", ps.data, "-U", "postgres", "-A", "trust", "--no-sync")
	ps.start()
	t.Cleanup(func() { ps.stop(false) })
	return ps
}

func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// run runs a PostgreSQL program as the postgres user when we are root.
func (ps *privateServer) run(program string, args ...string) {
	ps.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	name, argv := filepath.Join(ps.bin, program), args
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", name}, args...)
	}
	if out, err := exec.CommandContext(ctx, name, argv...).CombinedOutput(); err != nil {
		logText, _ := os.ReadFile(ps.log)
		ps.t.Fatalf("%s %s: %v\n%s\n%s", program, strings.Join(args, " "), err, out, logText)
	}
}

func (ps *privateServer) start() {
	ps.t.Helper()
	// fsync is off for speed; synchronous_commit stays on so a commit
	// reaches the WAL before the immediate stop.
	ps.run("pg_ctl", "-D", ps.data, "-l", ps.log, "-w", "-t", "60", "start",
		"-o", "-c listen_addresses='' -c unix_socket_directories="+ps.sockDir+" -c fsync=off")
}

// stop stops the server at once, as a crash would (-m immediate).
func (ps *privateServer) stop(mustRun bool) {
	ps.t.Helper()
	if _, err := os.Stat(filepath.Join(ps.data, "postmaster.pid")); err != nil && !mustRun {
		return
	}
	ps.run("pg_ctl", "-D", ps.data, "-m", "immediate", "-w", "-t", "60", "stop")
}

func (ps *privateServer) dsn() string {
	return "host=" + ps.sockDir + " user=postgres dbname=postgres sslmode=disable"
}

// TestRestart stops the database under a working Store and starts it again:
// while it is down every call fails with a wrapped error within its
// context's deadline; once it is back the same Store works again.
func TestRestart(t *testing.T) {
	ps := startPrivateServer(t)
	s := openTestStore(t, ps.dsn())
	ctx := testContext(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	rec := store.Recording{
		RecordID: "before", MeetingID: "m", State: "published", Published: true,
		StartTime: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
		Metadata:  map[string]string{"tenant-id": "t1"},
	}
	if _, err := s.UpsertRecording(ctx, rec); err != nil {
		t.Fatalf("UpsertRecording: %v", err)
	}
	// Several connections in the pool, all of which the stop will break.
	for range 3 {
		if _, _, err := s.QueryRecordings(ctx, store.RecordingQuery{Tenant: "t1"}); err != nil {
			t.Fatalf("QueryRecordings: %v", err)
		}
	}

	ps.stop(true)

	const deadline = 2 * time.Second
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"Ping", s.Ping},
		{"Recording", func(ctx context.Context) error { _, err := s.Recording(ctx, "before"); return err }},
		{"QueryRecordings", func(ctx context.Context) error {
			_, _, err := s.QueryRecordings(ctx, store.RecordingQuery{})
			return err
		}},
		{"UpsertRecording", func(ctx context.Context) error {
			r := rec
			r.RecordID = "during"
			_, err := s.UpsertRecording(ctx, r)
			return err
		}},
		{"SetPublished", func(ctx context.Context) error { return s.SetPublished(ctx, []string{"before"}, false) }},
		{"PutCallback", func(ctx context.Context) error {
			return s.PutCallback(ctx, store.CallbackData{MeetingID: "m"})
		}},
		{"Migrate", s.Migrate},
	}
	for _, c := range calls {
		callCtx, cancel := context.WithTimeout(t.Context(), deadline)
		began := time.Now()
		err := c.call(callCtx)
		took := time.Since(began)
		cancel()
		switch {
		case err == nil:
			t.Errorf("%s while the database is down succeeded", c.name)
		case errors.Is(err, store.ErrNotFound):
			t.Errorf("%s while the database is down = %v, want a connection error, not ErrNotFound", c.name, err)
		case !strings.HasPrefix(err.Error(), "postgres: "):
			t.Errorf("%s error %q is not wrapped with the backend's context", c.name, err)
		}
		// A little slack over the deadline for the call to notice it.
		if took > deadline+time.Second {
			t.Errorf("%s took %v while the database is down, past its %v deadline", c.name, took, deadline)
		}
	}

	ps.start()

	// The server is up once pg_ctl -w returns; the pool drops its broken
	// connections and dials new ones. Allow it a bounded while to do so.
	var err error
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if err = s.Ping(ctx); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Ping after the restart: %v", err)
	}
	got, err := s.Recording(ctx, "before")
	if err != nil || got.Metadata["tenant-id"] != "t1" {
		t.Fatalf("Recording after the restart = %+v, %v; want the stored recording", got, err)
	}
	rec.RecordID = "after"
	if _, err := s.UpsertRecording(ctx, rec); err != nil {
		t.Fatalf("UpsertRecording after the restart: %v", err)
	}
	rs, total, err := s.QueryRecordings(ctx, store.RecordingQuery{Tenant: "t1"})
	if err != nil || total != 2 || len(rs) != 2 {
		t.Fatalf("QueryRecordings after the restart = %d recordings, total %d, %v; want 2", len(rs), total, err)
	}
}
