package handlers

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestPublishRecordings(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", MeetingID: "m", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation"), format("podcast")}})
	e.addRecording(store.Recording{RecordID: "r2", MeetingID: "m", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation")}})
	const file = "presentation/r1/metadata.xml"
	playable := func() bool {
		t.Helper()
		return e.fetch("", "/"+file).Code == 200
	}
	if !playable() {
		t.Fatal("a published recording is not served")
	}

	// Unpublish: files move, the store records it, the guard refuses.
	wantPublished(t, e.call("", "publishRecordings", "recordID=r1,r2&publish=False"), "False")
	for _, rel := range []string{file, "podcast/r1/metadata.xml", "presentation/r2/metadata.xml"} {
		if exists(t, e.publishDir, rel) || !exists(t, e.unpublishDir, rel) {
			t.Errorf("%s not moved to the unpublish dir", rel)
		}
	}
	for _, id := range []string{"r1", "r2"} {
		if r := e.recording(id); r.Published || r.State != "unpublished" || !r.PublishUpdated {
			t.Errorf("%s after unpublish: %+v", id, r)
		}
	}
	if playable() {
		t.Error("an unpublished recording is served")
	}
	// Again: nothing to move, still SUCCESS.
	wantPublished(t, e.call("", "publishRecordings", "recordID=r1&publish=false"), "false")

	// Publish r1 back. Its presentation is in both directories: the copy
	// already in the publish dir is kept, the one it would replace dropped.
	e.writeFile(e.publishDir, file, "already published")
	wantPublished(t, e.call("", "publishRecordings", "recordID=r1&publish=true"), "true")
	if exists(t, e.unpublishDir, file) || !exists(t, e.publishDir, "podcast/r1/metadata.xml") {
		t.Error("publish did not move or clean up the files")
	}
	if b, err := os.ReadFile(filepath.Join(e.publishDir, file)); err != nil || string(b) != "already published" {
		t.Errorf("published copy %q, %v", b, err)
	}
	if r := e.recording("r1"); !r.Published || r.State != "published" {
		t.Errorf("r1 after publish: %+v", r)
	}
	if !playable() {
		t.Error("a re-published recording is not served")
	}
	if r := e.recording("r2"); r.Published {
		t.Error("r2 published by a call that named r1 only")
	}
}

// wantPublished asserts a successful publishRecordings that echoes want.
func wantPublished(t *testing.T, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if got := rec.Body.String(); got != `<response><returncode>SUCCESS</returncode><published>`+want+`</published></response>` {
		t.Errorf("answer %s, want published %s", got, want)
	}
}

func TestPublishRecordingsErrors(t *testing.T) {
	e := newRecEnv(t, multitenant)
	e.addTenants()
	e.addRecording(store.Recording{RecordID: "a-1", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"},
		Formats: []store.PlaybackFormat{format("presentation")}})
	e.addRecording(store.Recording{RecordID: "a-processing", State: "processing", StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"}})
	e.addRecording(store.Recording{RecordID: "a-nofiles", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"},
		Formats: []store.PlaybackFormat{format("video")}})
	if err := os.RemoveAll(filepath.Join(e.publishDir, "video")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host, query string
		key, msg    string
	}{
		{alphaHost, "publish=true", bbb.KeyMissingParamRecordID, "You must specify a recordID."},
		{alphaHost, "recordID=,&publish=true", bbb.KeyMissingParamRecordID, "You must specify a recordID."},
		{alphaHost, "recordID=a-1", bbb.KeyMissingParamPublish, "You must specify a publish value true or false."},
		{alphaHost, "recordID=a-1&publish=", bbb.KeyMissingParamPublish, "You must specify a publish value true or false."},
		{alphaHost, "recordID=nope&publish=false", bbb.KeyNotFound, "We could not find recordings"},
		{alphaHost, "recordID=a-processing&publish=false", bbb.KeyNotFound, "We could not find recordings"},
		{alphaHost, "recordID=a&publish=false", bbb.KeyNotFound, "We could not find recordings"}, // exact ids, no prefix
		{betaHost, "recordID=a-1&publish=false", bbb.KeyNotFound, "We could not find recordings"},
		{alphaHost, "recordID=a-nofiles&publish=false", bbb.KeyInternalError, "Unable to publish/unpublish recording."},
	}
	for _, tt := range tests {
		wantError(t, e.call(tt.host, "publishRecordings", tt.query), tt.key, tt.msg)
	}
	if r := e.recording("a-1"); !r.Published || !exists(t, e.publishDir, "presentation/a-1/metadata.xml") {
		t.Errorf("a-1 changed by another tenant: %+v", r)
	}
	if r := e.recording("a-nofiles"); !r.Published {
		t.Errorf("a recording whose files could not move is marked unpublished: %+v", r)
	}
	// The owner can.
	if d := wantSuccess(t, e.call(alphaHost, "publishRecordings", "recordID=a-1&publish=false")); d.ReturnCode != bbb.ReturnSuccess {
		t.Fatal(d)
	}
	if e.recording("a-1").Published {
		t.Error("owner's unpublish had no effect")
	}
}
