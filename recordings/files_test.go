package recordings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// writeFile creates dir/rel with content, and its folders.
func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readFile returns the content of dir/rel, or "" when it does not exist.
func readFile(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func recording(id string, formats ...string) store.Recording {
	r := store.Recording{RecordID: id}
	for _, f := range formats {
		r.Formats = append(r.Formats, store.PlaybackFormat{Format: f})
	}
	return r
}

func TestFilesSetPublished(t *testing.T) {
	const file = "presentation/r1/metadata.xml"
	tests := []struct {
		name        string
		publish     bool
		published   string // content in the publish dir before, "" = none
		unpublished string
		wantPub     string
		wantUnpub   string
		wantErr     error
	}{
		{"publish moves", true, "", "u", "u", "", nil},
		{"unpublish moves", false, "p", "", "", "p", nil},
		{"already published", true, "p", "", "p", "", nil},
		{"already unpublished", false, "", "u", "", "u", nil},
		{"publish with both: stale unpublished copy dropped", true, "p", "u", "p", "", nil},
		{"unpublish with both: stale published copy dropped", false, "p", "u", "", "u", nil},
		{"publish with neither", true, "", "", "", "", ErrFilesMissing},
		{"unpublish with neither", false, "", "", "", "", ErrFilesMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Files{PublishDir: t.TempDir(), UnpublishDir: filepath.Join(t.TempDir(), "not-yet-created")}
			if tt.published != "" {
				writeFile(t, f.PublishDir, file, tt.published)
			}
			if tt.unpublished != "" {
				writeFile(t, f.UnpublishDir, file, tt.unpublished)
			}
			err := f.SetPublished(recording("r1", "presentation"), tt.publish)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetPublished = %v, want %v", err, tt.wantErr)
			}
			if got := readFile(t, f.PublishDir, file); got != tt.wantPub {
				t.Errorf("published copy %q, want %q", got, tt.wantPub)
			}
			if got := readFile(t, f.UnpublishDir, file); got != tt.wantUnpub {
				t.Errorf("unpublished copy %q, want %q", got, tt.wantUnpub)
			}
		})
	}
}

func TestFilesSetPublishedFormats(t *testing.T) {
	f := Files{PublishDir: t.TempDir(), UnpublishDir: t.TempDir()}
	writeFile(t, f.PublishDir, "presentation/r1/a", "a")
	writeFile(t, f.PublishDir, "video/r1/b", "b")
	writeFile(t, f.PublishDir, "presentation/r2/c", "c")
	if err := f.SetPublished(recording("r1", "presentation", "video"), false); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"presentation/r1/a": "a", "video/r1/b": "b"} {
		if got := readFile(t, f.UnpublishDir, rel); got != want {
			t.Errorf("unpublished %s = %q, want %q", rel, got, want)
		}
		if got := readFile(t, f.PublishDir, rel); got != "" {
			t.Errorf("%s still published", rel)
		}
	}
	if readFile(t, f.PublishDir, "presentation/r2/c") != "c" {
		t.Error("another recording was moved")
	}
	// A format whose folder is missing fails after the others moved back.
	err := f.SetPublished(recording("r1", "presentation", "podcast", "video"), true)
	if !errors.Is(err, ErrFilesMissing) {
		t.Fatalf("SetPublished with a missing format = %v", err)
	}
	if readFile(t, f.PublishDir, "presentation/r1/a") != "a" {
		t.Error("the format before the missing one was not moved")
	}
}

func TestFilesDelete(t *testing.T) {
	f := Files{PublishDir: t.TempDir(), UnpublishDir: t.TempDir()}
	writeFile(t, f.PublishDir, "presentation/r1/a", "a")
	writeFile(t, f.PublishDir, "notes/r1/n", "n") // a format the store does not list
	writeFile(t, f.UnpublishDir, "presentation/r1/a", "stale")
	writeFile(t, f.PublishDir, "presentation/r2/a", "other")
	writeFile(t, f.PublishDir, "README", "a file beside the formats")
	if err := f.Delete(recording("r1", "presentation")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		filepath.Join(f.PublishDir, "presentation/r1"),
		filepath.Join(f.PublishDir, "notes/r1"),
		filepath.Join(f.UnpublishDir, "presentation/r1"),
	} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived: %v", p, err)
		}
	}
	if readFile(t, f.PublishDir, "presentation/r2/a") != "other" || readFile(t, f.PublishDir, "README") == "" {
		t.Error("delete removed more than the recording")
	}
	// Nothing left, or no directories at all, is not an error.
	if err := f.Delete(recording("r1", "presentation")); err != nil {
		t.Errorf("second delete: %v", err)
	}
	missing := Files{PublishDir: filepath.Join(t.TempDir(), "none"), UnpublishDir: filepath.Join(t.TempDir(), "none")}
	if err := missing.Delete(recording("r1")); err != nil {
		t.Errorf("delete without directories: %v", err)
	}
}

func TestFilesUnsafeNames(t *testing.T) {
	root := t.TempDir()
	f := Files{PublishDir: filepath.Join(root, "pub"), UnpublishDir: filepath.Join(root, "unpub")}
	writeFile(t, root, "pub/presentation/keep", "k")
	for _, rec := range []store.Recording{
		recording("..", "presentation"),
		recording("a/../..", "presentation"),
		recording("", "presentation"),
		recording("r1", "../pub"),
	} {
		if err := f.SetPublished(rec, false); err == nil {
			t.Errorf("SetPublished(%+v) accepted", rec)
		}
		if err := f.Delete(rec); rec.RecordID != "r1" && err == nil {
			t.Errorf("Delete(%+v) accepted", rec)
		}
	}
	if readFile(t, root, "pub/presentation/keep") != "k" {
		t.Error("a file outside the recording was touched")
	}
}

func TestCopyThenRemove(t *testing.T) {
	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst", "rec")
	writeFile(t, src, "metadata.xml", "m")
	writeFile(t, src, "video/webcams.webm", "w")
	if err := os.Symlink("metadata.xml", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyThenRemove(src, dst); err != nil {
		t.Fatal(err)
	}
	if readFile(t, dst, "metadata.xml") != "m" || readFile(t, dst, "video/webcams.webm") != "w" {
		t.Error("files not copied")
	}
	if link, err := os.Readlink(filepath.Join(dst, "link")); err != nil || link != "metadata.xml" {
		t.Errorf("link = %q, %v", link, err)
	}
	if _, err := os.Lstat(src); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("source left behind: %v", err)
	}
	entries, err := os.ReadDir(filepath.Dir(dst))
	if err != nil || len(entries) != 1 {
		t.Errorf("temporary folder left behind: %v %v", entries, err)
	}
}
