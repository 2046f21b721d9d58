package module

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// startApp provisions, validates and starts an app from raw JSON, with the
// recording folders in a temp dir unless raw sets them: Start runs the
// importer, which creates its folders.
func startApp(t *testing.T, raw string) *App {
	t.Helper()
	app := mustProvision(t, withTempRecordingDirs(t, raw))
	if err := app.Start(); err != nil {
		t.Fatalf("start %s: %v", raw, err)
	}
	t.Cleanup(func() {
		if err := app.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return app
}

func withTempRecordingDirs(t *testing.T, raw string) string {
	t.Helper()
	var cfg map[string]any
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg["recordings"]; !ok {
		dir := t.TempDir()
		cfg["recordings"] = map[string]any{
			"spool_dir":     filepath.Join(dir, "spool"),
			"work_dir":      filepath.Join(dir, "work"),
			"publish_dir":   filepath.Join(dir, "published"),
			"unpublish_dir": filepath.Join(dir, "unpublished"),
		}
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestStoresSQLiteByDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bbb.db")
	app := startApp(t, `{"store": {"sqlite": {"path": `+jsonString(path)+`}}}`)
	if app.Live() == nil || app.RecordingStore() == nil {
		t.Fatal("live or recordings store is nil")
	}
	// One file holds both: it is one store, migrated once.
	if any(app.Live()) != any(app.RecordingStore()) {
		t.Error("live state and recordings should share the one SQLite store")
	}
	ctx := t.Context()
	if err := app.Live().AddServer(ctx, store.Server{ID: "bbb1", URL: "http://127.0.0.1:1/bigbluebutton/api", Secret: "x", State: store.StateDisabled, LoadMultiplier: 1}); err != nil {
		t.Fatalf("add server through the app's store: %v", err)
	}
}

func TestStoresKeptAcrossReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bbb.db")
	raw := `{"store": {"sqlite": {"path": ` + jsonString(path) + `}}}`
	old := startApp(t, raw)
	ctx := t.Context()
	if err := old.Live().AddServer(ctx, store.Server{ID: "bbb1", URL: "http://127.0.0.1:1/bigbluebutton/api", Secret: "x", State: store.StateDisabled, LoadMultiplier: 1}); err != nil {
		t.Fatal(err)
	}

	// Caddy provisions and starts the new config before it cleans up the
	// old one; the store must be the same and stay open afterwards.
	next := startApp(t, raw)
	if any(next.Live()) != any(old.Live()) {
		t.Fatal("an unchanged reload opened a second store")
	}
	if err := old.Cleanup(); err != nil {
		t.Fatalf("cleanup old config: %v", err)
	}
	if _, err := next.Live().Server(ctx, "bbb1"); err != nil {
		t.Fatalf("store unusable after the old config was cleaned up: %v", err)
	}

	// A config with another file gets another store.
	other := startApp(t, `{"store": {"sqlite": {"path": `+jsonString(filepath.Join(t.TempDir(), "other.db"))+`}}}`)
	if any(other.Live()) == any(next.Live()) {
		t.Fatal("two files share one store")
	}
	if _, err := other.Live().Server(ctx, "bbb1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("server in the other file: err = %v, want ErrNotFound", err)
	}
}

func TestStoresClusterBackends(t *testing.T) {
	redisURL := storetest.RedisURL(t)
	dsn := storetest.PostgresDSN(t)
	prefix := fmt.Sprintf("bbbmodtest:%s:", strings.ReplaceAll(t.Name(), "/", "_"))
	raw := fmt.Sprintf(`{"store": {"redis": {"url": %s, "key_prefix": %s}, "postgres": {"dsn": %s}, "sqlite": {"path": %s}}}`,
		jsonString(redisURL), jsonString(prefix), jsonString(dsn), jsonString(filepath.Join(t.TempDir(), "unused.db")))
	app := startApp(t, raw)
	ctx := t.Context()

	if err := app.Live().Ping(ctx); err != nil {
		t.Fatalf("redis live store: %v", err)
	}
	if err := app.RecordingStore().Ping(ctx); err != nil {
		t.Fatalf("postgres recordings store: %v", err)
	}
	if any(app.Live()) == any(app.RecordingStore()) {
		t.Fatal("live and recordings should be different backends")
	}
	if got := fmt.Sprintf("%T", app.Live()); !strings.Contains(got, "redis") {
		t.Errorf("live store is %s, want the Redis store", got)
	}
	if got := fmt.Sprintf("%T", app.RecordingStore()); !strings.Contains(got, "postgres") {
		t.Errorf("recordings store is %s, want the PostgreSQL store", got)
	}
	key := "module-test-value"
	v, err := app.Live().LoadOrStoreValue(ctx, key, "first")
	if err != nil || v != "first" {
		t.Fatalf("LoadOrStoreValue = %q, %v", v, err)
	}
}

func TestValidateOpensNoDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "bbb.db")
	mustProvision(t, `{"store": {"sqlite": {"path": `+jsonString(path)+`}}}`)
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(matches) > 0 {
		t.Fatalf("provision created %v; only Start may touch the database", matches)
	}
}
