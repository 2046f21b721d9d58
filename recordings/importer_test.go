package recordings

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// TestImportFromSimulator records a meeting on a simulated BBB server and
// checks the running importer picks the tar up within a second and stores
// and places it as Scalelite would.
func TestImportFromSimulator(t *testing.T) {
	e := newImportEnv(t, "", nil)
	sim := bbbsim.New(bbbsim.Options{Secret: "sim-secret"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	q := url.Values{
		"meetingID": {"room-1"}, "name": {"Physics 101"}, "record": {"true"},
		"meta_bbb-origin": {"greenlight"}, "meta_tenant-id": {"t1"}, "meta_gl-listed": {"true"},
	}.Encode()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(sim.URL() + "/create?" + q + "&checksum=" + bbb.Checksum(bbb.SHA1, "create", q, "sim-secret"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := sim.SetUsers("room-1", 5, 1, 2); err != nil {
		t.Fatal(err)
	}

	e.run()
	if !waitUntil(5*time.Second, e.im.leaseFresh) {
		t.Fatal("importer did not take the lease")
	}
	id, err := sim.WriteRecording("room-1", e.cfg.SpoolDir)
	if err != nil {
		t.Fatal(err)
	}
	landed := time.Now()
	var rec store.Recording
	imported := waitUntil(3*time.Second, func() bool {
		rec, err = e.db.Recording(context.Background(), id)
		return err == nil && len(rec.Formats) == 2 && len(e.spoolNames()) == 0
	})
	pickup := time.Since(landed)
	if !imported {
		t.Fatalf("not imported within 3s: %+v, %v; spool %v", rec, err, e.spoolNames())
	}
	t.Logf("picked up and imported %v after the tar landed", pickup)
	if pickup > time.Second {
		t.Errorf("import took %v after the tar landed, want <= 1s", pickup)
	}

	if rec.MeetingID != "room-1" || rec.Name != "Physics 101" || !rec.Published || rec.State != "published" ||
		rec.Participants != 5 || rec.Protected {
		t.Errorf("recording %+v", rec)
	}
	wantMeta := map[string]string{"bbb-origin": "greenlight", "tenant-id": "t1", "gl-listed": "true"}
	for k, v := range wantMeta {
		if rec.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, rec.Metadata[k], v)
		}
	}
	for _, k := range []string{"meetingId", "meetingName", "isBreakout"} {
		if _, ok := rec.Metadata[k]; ok {
			t.Errorf("metadata keeps %s", k)
		}
	}
	if rec.Tenant() != "t1" {
		t.Errorf("tenant %q", rec.Tenant())
	}
	pres, video := rec.Formats[0], rec.Formats[1]
	if pres.Format != "presentation" || pres.URL != "/playback/presentation/2.3/"+id || len(pres.Previews) != 3 ||
		!strings.HasPrefix(pres.Previews[0].URL, "/presentation/"+id+"/presentation/") || pres.Previews[0].Width != 176 {
		t.Errorf("presentation %+v", pres)
	}
	if video.Format != "video" || video.URL != "/playback/video/"+id+"/" {
		t.Errorf("video %+v", video)
	}
	got := files(t, e.cfg.PublishDir)
	for _, want := range []string{"presentation/" + id + "/metadata.xml", "presentation/" + id + "/shapes.svg", "video/" + id + "/video-0.m4v"} {
		if !slices.Contains(got, want) {
			t.Errorf("published files %v lack %s", got, want)
		}
	}
	// Every preview image the store lists is served from the publish dir.
	for _, p := range pres.Previews {
		if _, err := os.Stat(filepath.Join(e.cfg.PublishDir, filepath.FromSlash(p.URL))); err != nil {
			t.Errorf("preview %s: %v", p.URL, err)
		}
	}
	if left := files(t, e.cfg.UnpublishDir); len(left) != 0 {
		t.Errorf("unpublish dir holds %v", left)
	}
	e.assertClean()
}

// TestImportPicksUpRenamedTars checks several tars renamed into the spool
// one after the other are each picked up by file events alone.
func TestImportPicksUpRenamedTars(t *testing.T) {
	e := newImportEnv(t, "", nil)
	e.run()
	if !waitUntil(5*time.Second, e.im.leaseFresh) {
		t.Fatal("importer did not take the lease")
	}
	var worst time.Duration
	for i := range 3 {
		id := "pickup-" + string(rune('a'+i))
		e.writeTar(simRecording(id))
		landed := time.Now()
		if !waitUntil(3*time.Second, func() bool {
			_, err := e.db.Recording(context.Background(), id)
			return err == nil
		}) {
			t.Fatalf("%s not imported within 3s", id)
		}
		worst = max(worst, time.Since(landed))
	}
	if worst > time.Second {
		t.Errorf("slowest pick-up %v, want <= 1s", worst)
	}
}

func TestImportIgnoresOtherFiles(t *testing.T) {
	e := newImportEnv(t, "", nil)
	valid, err := bbbsim.WriteRecordingTar(t.TempDir(), simRecording("ignored-1"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{".ignored-1.tar.Xa3b9z", ".hidden.tar", "ignored-1.tar.gz", "notes.txt", "ignored-1.tar.part"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(e.cfg.SpoolDir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := e.importNow()
	if len(sum.Imported) != 0 || len(sum.Failed) != 0 {
		t.Errorf("summary %+v, want nothing done", sum)
	}
	if got := e.spoolNames(); !slices.Equal(got, slices.Sorted(slices.Values(names))) {
		t.Errorf("spool %v, want untouched %v", got, names)
	}
	if _, err := e.db.Recording(context.Background(), "ignored-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("recording stored: %v", err)
	}
}

// TestReimportAddsFormat sends the same recording twice, as the BBB
// post-publish script does once per format: the second tar adds a format,
// replaces the first's folder and keeps decisions made through the API.
func TestReimportAddsFormat(t *testing.T) {
	e := newImportEnv(t, "", nil)
	ctx := context.Background()
	e.writeTar(simRecording("re-1", "presentation"))
	if sum := e.importNow(); !slices.Equal(sum.Imported, []string{"re-1"}) {
		t.Fatalf("first import %+v", sum)
	}
	first := e.recording("re-1")
	if len(first.Formats) != 1 {
		t.Fatalf("formats %+v", first.Formats)
	}
	// An operator unpublishes and protects it through the API meanwhile.
	if err := e.db.SetPublished(ctx, []string{"re-1"}, false); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetProtected(ctx, []string{"re-1"}, true); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.cfg.PublishDir, "presentation", "re-1", "stale.txt")
	if err := os.WriteFile(marker, []byte("from the first copy"), 0o644); err != nil {
		t.Fatal(err)
	}

	e.writeTar(simRecording("re-1", "presentation", "video"))
	if sum := e.importNow(); !slices.Equal(sum.Imported, []string{"re-1"}) || len(sum.Failed) != 0 {
		t.Fatalf("second import %+v", sum)
	}
	again := e.recording("re-1")
	if len(again.Formats) != 2 || again.Formats[0].Format != "presentation" || again.Formats[1].Format != "video" {
		t.Errorf("formats %+v", again.Formats)
	}
	if again.Published || !again.Protected || again.State != "unpublished" {
		t.Errorf("API decisions lost: published %v protected %v state %s", again.Published, again.Protected, again.State)
	}
	recs, total, err := e.db.QueryRecordings(ctx, store.RecordingQuery{RecordIDs: []string{"re-1"}, States: []string{"any"}})
	if err != nil || total != 1 || len(recs) != 1 {
		t.Errorf("recordings with id re-1: %d (%v)", total, err)
	}
	// Unpublished now, so both formats live in the unpublish dir only, the
	// first copy (with its extra file) replaced.
	if got := files(t, e.cfg.PublishDir); len(got) != 0 {
		t.Errorf("publish dir keeps %v", got)
	}
	got := files(t, e.cfg.UnpublishDir)
	for _, want := range []string{"presentation/re-1/metadata.xml", "video/re-1/metadata.xml"} {
		if !slices.Contains(got, want) {
			t.Errorf("unpublish dir %v lacks %s", got, want)
		}
	}
	if slices.Contains(got, "presentation/re-1/stale.txt") {
		t.Error("old presentation folder not replaced")
	}
	if len(e.spoolNames()) != 0 {
		t.Errorf("spool keeps %v", e.spoolNames())
	}
	e.assertClean()
}

func TestImportUnpublishedProtected(t *testing.T) {
	e := newImportEnv(t, "", func(c *ImporterConfig) {
		c.ImportUnpublished = true
		c.Protected = true
	})
	e.writeTar(simRecording("unpub-1"))
	e.importNow()
	rec := e.recording("unpub-1")
	if rec.Published || rec.State != "unpublished" || !rec.Protected {
		t.Errorf("published %v state %s protected %v", rec.Published, rec.State, rec.Protected)
	}
	if got := files(t, e.cfg.PublishDir); len(got) != 0 {
		t.Errorf("publish dir holds %v", got)
	}
	if got := files(t, e.cfg.UnpublishDir); !slices.Contains(got, "video/unpub-1/metadata.xml") {
		t.Errorf("unpublish dir %v", got)
	}
}

// TestImportFailingFormat breaks the video format's metadata.xml: the
// presentation still imports, and the tar is kept in failed/ with the reason.
func TestImportFailingFormat(t *testing.T) {
	e := newImportEnv(t, "", nil)
	good := simRecording("half-1", "presentation", "video")
	members := tarMembers(t, good)
	members["video/half-1/metadata.xml"] = []byte("<recording><id>half-1</id><playback><format>video</format><duration>ten</duration></playback></recording>")
	writeSpoolTar(t, e.cfg.SpoolDir, "half-1.tar", members)

	sum := e.importNow()
	if !slices.Equal(sum.Imported, []string{"half-1"}) {
		t.Errorf("imported %v", sum.Imported)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].Format != "video" || sum.Failed[0].Retry || !strings.Contains(sum.Failed[0].Reason, "duration") {
		t.Errorf("failed %+v", sum.Failed)
	}
	rec := e.recording("half-1")
	if len(rec.Formats) != 1 || rec.Formats[0].Format != "presentation" {
		t.Errorf("formats %+v", rec.Formats)
	}
	if got := files(t, e.cfg.PublishDir); !slices.Contains(got, "presentation/half-1/metadata.xml") || slices.Contains(got, "video/half-1/metadata.xml") {
		t.Errorf("published %v", got)
	}
	reason, err := os.ReadFile(filepath.Join(e.cfg.SpoolDir, FailedDir, "half-1.tar.reason"))
	if err != nil || !strings.Contains(string(reason), "video/half-1") {
		t.Errorf("reason %q (%v)", reason, err)
	}
	if _, err := os.Stat(filepath.Join(e.cfg.SpoolDir, FailedDir, "half-1.tar")); err != nil {
		t.Errorf("tar not kept in failed/: %v", err)
	}
	if len(e.spoolNames()) != 0 {
		t.Errorf("spool keeps %v", e.spoolNames())
	}
	// Not retried: a second pass does nothing.
	if sum := e.importNow(); len(sum.Imported)+len(sum.Failed) != 0 {
		t.Errorf("second pass %+v", sum)
	}
	e.assertClean()
}

// TestImportWaitsForIncompleteTar writes half a tar in place: it is left
// alone while fresh, and refused once it has not changed for long.
func TestImportWaitsForIncompleteTar(t *testing.T) {
	e := newImportEnv(t, "", nil)
	full, err := bbbsim.WriteRecordingTar(t.TempDir(), simRecording("slow-1"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	// Cut at an entry boundary: archive/tar alone would take this for a
	// whole archive.
	cut := 2048
	target := filepath.Join(e.cfg.SpoolDir, "slow-1.tar")
	if err := os.WriteFile(target, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	sum := e.importNow()
	if len(sum.Failed) != 1 || !sum.Failed[0].Retry || len(sum.Imported) != 0 {
		t.Errorf("fresh partial tar: %+v", sum)
	}
	if _, err := os.Stat(target); err != nil {
		t.Fatalf("partial tar touched: %v", err)
	}

	// The writer finishes.
	if err := os.WriteFile(target, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := e.importNow(); !slices.Equal(sum.Imported, []string{"slow-1"}) {
		t.Errorf("complete tar: %+v", sum)
	}

	// A partial tar nobody writes to any more is refused.
	stale := filepath.Join(e.cfg.SpoolDir, "stale-1.tar")
	if err := os.WriteFile(stale, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	sum = e.importNow()
	if len(sum.Failed) != 1 || sum.Failed[0].Retry || !strings.Contains(sum.Failed[0].Reason, "truncated") {
		t.Errorf("stale partial tar: %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(e.cfg.SpoolDir, FailedDir, "stale-1.tar")); err != nil {
		t.Errorf("stale tar not in failed/: %v", err)
	}
}

// TestImportCleansLeftovers checks that gaining the lease removes what an
// importer stopped mid-way left, and nothing else.
func TestImportCleansLeftovers(t *testing.T) {
	e := newImportEnv(t, "", nil)
	leftovers := []string{
		filepath.Join(e.cfg.WorkDir, "import-123", "presentation", "x", "metadata.xml"),
		filepath.Join(e.cfg.PublishDir, "presentation", ".x"+replacedMarker+"abc", "metadata.xml"),
		filepath.Join(e.cfg.UnpublishDir, "video", ".y"+importingMarker+"def", "video-0.m4v"),
	}
	kept := []string{
		filepath.Join(e.cfg.WorkDir, "operator-notes", "keep.txt"),
		filepath.Join(e.cfg.PublishDir, "presentation", "x", "metadata.xml"),
	}
	for _, p := range append(slices.Clone(leftovers), kept...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.importNow()
	for _, p := range leftovers {
		if _, err := os.Stat(filepath.Dir(p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("leftover %s kept (%v)", filepath.Dir(p), err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}

func TestNewImporterNeedsDirs(t *testing.T) {
	e := newImportEnv(t, "", nil)
	cfg := e.cfg
	cfg.PublishDir = ""
	if _, err := NewImporter(cfg, e.db, e.db, nil); err == nil || !strings.Contains(err.Error(), "publish_dir") {
		t.Errorf("err %v, want one naming publish_dir", err)
	}
}

// TestImportPassReported: every pass tells OnPass what it did, with its
// duration, as ImportNow answers it.
func TestImportPassReported(t *testing.T) {
	var mu sync.Mutex
	var passes []ImportSummary
	e := newImportEnv(t, "", func(cfg *ImporterConfig) {
		cfg.OnPass = func(s ImportSummary) {
			mu.Lock()
			defer mu.Unlock()
			passes = append(passes, s)
		}
	})
	e.writeTar(simRecording("pass-1"))
	e.writeTar(simRecording("pass-2"))
	sum := e.importNow()
	if len(sum.Imported) != 2 || sum.DurationMS <= 0 {
		t.Errorf("ImportNow = %+v; want 2 imported and a duration", sum)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(passes) != 1 || !reflect.DeepEqual(passes[0], sum) {
		t.Errorf("OnPass got %+v; want exactly the summary ImportNow returned, %+v", passes, sum)
	}
}
