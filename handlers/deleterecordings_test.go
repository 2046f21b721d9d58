package handlers

import (
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestDeleteRecordings(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", MeetingID: "m", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation"), format("podcast")}})
	e.addRecording(store.Recording{RecordID: "r2", MeetingID: "m", Published: false, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation")}})
	e.addRecording(store.Recording{RecordID: "r3", MeetingID: "m", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation")}})
	// A stale copy of r1 in the unpublish dir goes too.
	e.writeFile(e.unpublishDir, "presentation/r1/metadata.xml", "stale")

	rec := e.call("", "deleteRecordings", "recordID=r1,r2,nope")
	if want := `<response><returncode>SUCCESS</returncode><deleted>true</deleted></response>`; rec.Body.String() != want {
		t.Fatalf("answer %s", rec.Body)
	}
	for _, rel := range []string{"presentation/r1", "podcast/r1", "presentation/r2"} {
		if exists(t, e.publishDir, rel) || exists(t, e.unpublishDir, rel) {
			t.Errorf("%s survived", rel)
		}
	}
	if !exists(t, e.publishDir, "presentation/r3/metadata.xml") {
		t.Error("r3 was deleted too")
	}
	for _, id := range []string{"r1", "r2"} {
		if r := e.recording(id); r.State != "deleted" || r.Published {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if got := recordIDs(e.getRecordings("", "meetingID=m")); !slices.Equal(got, []string{"r3"}) {
		t.Errorf("listed after delete: %v", got)
	}
	if got := recordIDs(e.getRecordings("", "meetingID=m&state=deleted")); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("state=deleted: %v", got)
	}
	if rec := e.fetch("", "/presentation/r1/metadata.xml"); rec.Code != 404 {
		t.Errorf("a deleted recording is served: %d", rec.Code)
	}
	// Deleting a deleted recording again is allowed (any state).
	wantSuccess(t, e.call("", "deleteRecordings", "recordID=r1"))

	wantError(t, e.call("", "deleteRecordings", ""), bbb.KeyMissingParamRecordID, "You must specify a recordID.")
	wantError(t, e.call("", "deleteRecordings", "recordID=nope"), bbb.KeyNotFound, "We could not find recordings")
	wantError(t, e.call("", "deleteRecordings", "recordID=r"), bbb.KeyNotFound, "We could not find recordings")
}

func TestDeleteRecordingsTenants(t *testing.T) {
	e := newRecEnv(t, multitenant)
	e.addTenants()
	e.addRecording(store.Recording{RecordID: "a-1", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"},
		Formats: []store.PlaybackFormat{format("presentation")}})
	wantError(t, e.call(betaHost, "deleteRecordings", "recordID=a-1"), bbb.KeyNotFound, "We could not find recordings")
	if r := e.recording("a-1"); r.State != "published" || !exists(t, e.publishDir, "presentation/a-1/metadata.xml") {
		t.Errorf("another tenant deleted a-1: %+v", r)
	}
	wantSuccess(t, e.call(alphaHost, "deleteRecordings", "recordID=a-1"))
	if r := e.recording("a-1"); r.State != "deleted" || exists(t, e.publishDir, "presentation/a-1") {
		t.Errorf("owner's delete: %+v", r)
	}
}
