package bbbsim

import (
	"archive/tar"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readTar returns the members of a tar file by name, folders with nil.
func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
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
			t.Fatalf("read tar: %v", err)
		}
		if hdr.Typeflag == tar.TypeDir {
			out[hdr.Name] = nil
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			t.Fatalf("member %s has type %q", hdr.Name, hdr.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = b
	}
}

// xmlChildren returns the names of the root's children in order and the text
// of each leaf, keyed by its path below the root ("meta/bbb-origin").
func xmlChildren(t *testing.T, doc []byte) (order []string, text map[string]string) {
	t.Helper()
	text = map[string]string{}
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	var path []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return order, text
		}
		if err != nil {
			t.Fatalf("metadata.xml: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			path = append(path, tk.Name.Local)
			if len(path) == 2 {
				order = append(order, tk.Name.Local)
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) > 1 && strings.TrimSpace(string(tk)) != "" {
				text[strings.Join(path[1:], "/")] = strings.TrimSpace(string(tk))
			}
		}
	}
}

func TestWriteRecording(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "room-1", url.Values{
		"record":               {"true"},
		"meta_bbb-origin":      {"greenlight"},
		"meta_tenant-id":       {"t1"},
		"meta_Gl-Listed":       {"true"},
		"meta_endCallbackUrl":  {"https://app.example.com/end?x=1"},
		"meta_not a valid key": {"dropped"},
	})
	if err := s.SetUsers("room-1", 3, 1, 1); err != nil {
		t.Fatal(err)
	}
	m, _ := s.Meeting("room-1")
	dir := t.TempDir()

	id, err := s.WriteRecording("room-1", dir)
	if err != nil {
		t.Fatal(err)
	}
	if id != m.InternalMeetingID {
		t.Errorf("record id %q, want the internal meeting id %q", id, m.InternalMeetingID)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != id+".tar" {
		t.Fatalf("spool holds %v, want only %s.tar (no dot-file left)", entries, id)
	}
	members := readTar(t, filepath.Join(dir, id+".tar"))
	for _, name := range []string{
		"presentation/", "presentation/" + id + "/", "presentation/" + id + "/metadata.xml",
		"presentation/" + id + "/shapes.svg", "presentation/" + id + "/video/webcams.webm",
		"video/" + id + "/metadata.xml", "video/" + id + "/video-0.m4v",
	} {
		if _, ok := members[name]; !ok {
			t.Errorf("tar has no %s; members: %v", name, slices.Sorted(mapKeys(members)))
		}
	}
	for name := range members {
		if !strings.HasPrefix(name, "presentation/") && !strings.HasPrefix(name, "video/") {
			t.Errorf("unexpected member %s", name)
		}
	}

	tests := []struct {
		format    string
		state     string
		order     []string
		link      string
		hasImages bool
	}{
		{"presentation", "published",
			[]string{"id", "state", "published", "start_time", "end_time", "participants", "meeting", "meta", "breakout", "playback", "raw_size"},
			"http://" + s.Addr() + "/playback/presentation/2.3/" + id, true},
		{"video", "available",
			[]string{"id", "state", "published", "start_time", "end_time", "participants", "playback", "meta", "raw_size"},
			"http://" + s.Addr() + "/playback/video/" + id + "/", false},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			order, text := xmlChildren(t, members[tc.format+"/"+id+"/metadata.xml"])
			if !slices.Equal(order, tc.order) {
				t.Errorf("children %v, want %v", order, tc.order)
			}
			want := map[string]string{
				"id":                  id,
				"state":               tc.state,
				"published":           "true",
				"participants":        "3",
				"meta/meetingId":      "room-1",
				"meta/meetingName":    "Meeting room-1",
				"meta/isBreakout":     "false",
				"meta/bbb-origin":     "greenlight",
				"meta/tenant-id":      "t1",
				"meta/gl-listed":      "true",
				"meta/endcallbackurl": "https://app.example.com/end?x=1",
				"playback/format":     tc.format,
				"playback/link":       tc.link,
			}
			for k, v := range want {
				if text[k] != v {
					t.Errorf("%s = %q, want %q", k, text[k], v)
				}
			}
			for k := range text {
				if strings.Contains(k, "valid") {
					t.Errorf("invalid meta key kept: %s", k)
				}
			}
			startMS, err1 := strconv.ParseInt(text["start_time"], 10, 64)
			endMS, err2 := strconv.ParseInt(text["end_time"], 10, 64)
			if err1 != nil || err2 != nil || startMS != m.StartTime || endMS < startMS {
				t.Errorf("times %q..%q", text["start_time"], text["end_time"])
			}
			img := text["playback/extensions/preview/images/image"]
			if tc.hasImages != (img != "") {
				t.Errorf("preview image %q, want one: %v", img, tc.hasImages)
			}
			if tc.hasImages {
				// The image URL path is where the file is in the tar.
				member := strings.TrimPrefix(img, "http://"+s.Addr()+"/")
				if _, ok := members[member]; !ok {
					t.Errorf("preview image %s is not in the tar", img)
				}
			}
		})
	}
}

func mapKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestWriteRecordingErrors(t *testing.T) {
	s := startSim(t, Options{})
	dir := t.TempDir()
	if _, err := s.WriteRecording("nope", dir); !errors.Is(err, ErrUnknownMeeting) {
		t.Errorf("unknown meeting: %v, want ErrUnknownMeeting", err)
	}
	createMeeting(t, s, "room-2", nil)
	if _, err := s.WriteRecording("room-2", dir, "hologram"); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := WriteRecordingTar(dir, Recording{RecordID: "../x"}); err == nil {
		t.Error("record id with a slash accepted")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %v", entries)
	}
}

func TestWriteRecordingTarFormats(t *testing.T) {
	dir := t.TempDir()
	start := time.UnixMilli(1_700_000_000_000)
	rec := Recording{
		RecordID: "abc-1", MeetingID: "m", Name: "M", Start: start, End: start.Add(3 * time.Minute),
		Formats: []string{"podcast", "notes", "screenshare"},
	}
	path, err := WriteRecordingTar(dir, rec)
	if err != nil {
		t.Fatal(err)
	}
	members := readTar(t, path)
	for _, name := range []string{"podcast/abc-1/audio.ogg", "notes/abc-1/notes.pdf", "screenshare/abc-1/screenshare-0.m4v"} {
		if _, ok := members[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	_, text := xmlChildren(t, members["podcast/abc-1/metadata.xml"])
	if text["playback/duration"] != "180000" || text["playback/link"] != "https://bbb.example.com/podcast/abc-1/audio.ogg" {
		t.Errorf("podcast playback %q %q", text["playback/duration"], text["playback/link"])
	}
}
