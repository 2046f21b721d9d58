package recordings

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// tarMembers returns the regular files of a simulated recording's tar.
func tarMembers(t *testing.T, rec bbbsim.Recording) map[string][]byte {
	t.Helper()
	p, err := bbbsim.WriteRecordingTar(t.TempDir(), rec)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out[hdr.Name] = b
		}
	}
}

// writeSpoolTar writes a tar of regular files (sorted by name) into dir via
// a dot-file renamed into place.
func writeSpoolTar(t *testing.T, dir, name string, members map[string][]byte) {
	t.Helper()
	var hdrs []*tar.Header
	for _, n := range slices.Sorted(maps.Keys(members)) {
		hdrs = append(hdrs, &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(members[n]))})
	}
	writeRawTar(t, dir, name, hdrs, members)
}

// writeRawTar writes the given headers, each regular file followed by its
// content from data, into dir/name via a dot-file renamed into place.
func writeRawTar(t *testing.T, dir, name string, hdrs []*tar.Header, data map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if h.ModTime.IsZero() {
			h.ModTime = time.Unix(1_700_000_000, 0)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("header %s: %v", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			content := data[h.Name]
			if int64(len(content)) != h.Size {
				content = bytes.Repeat([]byte("x"), int(h.Size))
			}
			if _, err := tw.Write(content); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	writeSpoolFile(t, dir, name, buf.Bytes())
}

func writeSpoolFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// TestHostileTars feeds tars that try to escape the work folder, carry links
// or devices, or are too big: each is moved to failed/ with a reason, and
// nothing is written outside the work folder.
func TestHostileTars(t *testing.T) {
	meta := tarMembers(t, simRecording("evil-1", "presentation"))["presentation/evil-1/metadata.xml"]
	okMeta := &tar.Header{Typeflag: tar.TypeReg, Name: "presentation/evil-1/metadata.xml", Size: int64(len(meta)), Mode: 0o644}
	reg := func(name string, size int64) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644}
	}
	tests := []struct {
		name   string
		hdrs   []*tar.Header
		raw    []byte // the file as is, instead of hdrs
		reason string
	}{
		{name: "path traversal", hdrs: []*tar.Header{okMeta, reg("../../evil-traversal", 5)}, reason: "leaves the archive"},
		{name: "nested traversal", hdrs: []*tar.Header{okMeta, reg("presentation/evil-1/../../../evil-nested", 5)}, reason: "leaves the archive"},
		{name: "absolute path", hdrs: []*tar.Header{okMeta, reg("/tmp/evil-absolute", 5)}, reason: "absolute"},
		{name: "symlink", hdrs: []*tar.Header{
			{Typeflag: tar.TypeSymlink, Name: "presentation/evil-1/link", Linkname: "/etc"},
			okMeta,
		}, reason: "links"},
		{name: "symlink then write through it", hdrs: []*tar.Header{
			{Typeflag: tar.TypeSymlink, Name: "presentation", Linkname: "../.."},
			okMeta,
		}, reason: "links"},
		{name: "hardlink", hdrs: []*tar.Header{okMeta, {Typeflag: tar.TypeLink, Name: "presentation/evil-1/hard", Linkname: "/etc/passwd"}}, reason: "links"},
		{name: "char device", hdrs: []*tar.Header{okMeta, {Typeflag: tar.TypeChar, Name: "presentation/evil-1/null", Devmajor: 1, Devminor: 3}}, reason: "devices"},
		{name: "block device", hdrs: []*tar.Header{okMeta, {Typeflag: tar.TypeBlock, Name: "presentation/evil-1/sda", Devmajor: 8}}, reason: "devices"},
		{name: "fifo", hdrs: []*tar.Header{okMeta, {Typeflag: tar.TypeFifo, Name: "presentation/evil-1/fifo"}}, reason: "fifos"},
		{name: "oversized entry", hdrs: []*tar.Header{okMeta, reg("presentation/evil-1/video/webcams.webm", 4097)}, reason: "more than the limit"},
		{name: "duplicate entry", hdrs: []*tar.Header{okMeta, okMeta}, reason: "clashes"},
		{name: "not a tar", raw: bytes.Repeat([]byte("this is not a tar file\n"), 100), reason: "not a tar"},
		{name: "tar too big", hdrs: []*tar.Header{okMeta, reg("presentation/evil-1/a", 4000), reg("presentation/evil-1/b", 4000),
			reg("presentation/evil-1/c", 4000), reg("presentation/evil-1/d", 4000), reg("presentation/evil-1/e", 4000)}, reason: "over the limit"},
		{name: "no metadata", hdrs: []*tar.Header{reg("presentation/evil-1/shapes.svg", 10)}, reason: "no <format>/<recordID>/metadata.xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newImportEnv(t, "", func(c *ImporterConfig) {
				c.MaxEntryBytes = 4096
				c.MaxTarBytes = 20_000
			})
			if tc.raw != nil {
				writeSpoolFile(t, e.cfg.SpoolDir, "evil-1.tar", tc.raw)
			} else {
				writeRawTar(t, e.cfg.SpoolDir, "evil-1.tar", tc.hdrs, map[string][]byte{okMeta.Name: meta})
			}
			before := files(t, e.root)

			sum := e.importNow()
			if len(sum.Imported) != 0 || len(sum.Failed) != 1 || sum.Failed[0].Retry || !strings.Contains(sum.Failed[0].Reason, tc.reason) {
				t.Errorf("summary %+v, want one failure for %q", sum, tc.reason)
			}
			reason, err := os.ReadFile(filepath.Join(e.cfg.SpoolDir, FailedDir, "evil-1.tar.reason"))
			if err != nil || !strings.Contains(string(reason), tc.reason) {
				t.Errorf("reason file %q (%v)", reason, err)
			}
			if len(e.spoolNames()) != 0 {
				t.Errorf("spool keeps %v", e.spoolNames())
			}
			// The only changes in the whole tree: the tar moved to failed/
			// with its reason, and the database.
			after := files(t, e.root)
			var added []string
			for _, f := range after {
				if !slices.Contains(before, f) && !strings.HasPrefix(f, "bbb.db") {
					added = append(added, f)
				}
			}
			want := []string{"spool/failed/evil-1.tar", "spool/failed/evil-1.tar.reason"}
			if !slices.Equal(added, want) {
				t.Errorf("files added %v, want %v", added, want)
			}
			for _, p := range []string{"/tmp/evil-absolute", filepath.Join(filepath.Dir(e.root), "evil-traversal")} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s written", p)
				}
			}
			if _, err := e.db.Recording(t.Context(), "evil-1"); err == nil {
				t.Error("refused recording stored")
			}
			// Refused tars are not retried.
			if sum := e.importNow(); len(sum.Failed)+len(sum.Imported) != 0 {
				t.Errorf("second pass %+v", sum)
			}
		})
	}
}

func TestEntryName(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"presentation/x/metadata.xml", "presentation/x/metadata.xml", true},
		{"./presentation/x/metadata.xml", "presentation/x/metadata.xml", true},
		{"./", ".", true},
		{"presentation//x", "presentation/x", true},
		{"a/../b", "", false},
		{"..", "", false},
		{`presentation\..\..\x`, "", false},
		{"/etc/passwd", "", false},
		{`\windows`, "", false},
		{"", "", false},
		{"a\x00b", "", false},
	}
	for _, tc := range tests {
		got, err := entryName(tc.raw)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("entryName(%q) = %q, %v; want %q, ok %v", tc.raw, got, err, tc.want, tc.ok)
		}
		if err != nil && !isRefused(err) {
			t.Errorf("entryName(%q): error %v is not a refusal", tc.raw, err)
		}
	}
}
