package bbb

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestEndMeetings(t *testing.T) {
	f := newFakeBBB(t)
	var mu sync.Mutex
	var ended []string
	f.handle("end", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("meetingID")
		if id == "gone" {
			_ = WriteError(w, Error{KeyNotFound, "A meeting with that ID does not exist"})
			return
		}
		mu.Lock()
		ended = append(ended, id)
		mu.Unlock()
		_ = WriteXML(w, EndResponse())
	})
	c := NewClient(ClientConfig{ResponseTimeout: 2 * time.Second})
	defer c.Close()

	ids := []string{"a", "b", "gone", "c", "d", "e", "f", "g", "h", "i", "j"}
	var failed []string
	c.EndMeetings(t.Context(), f.target(), ids, func(id string, err error) {
		failed = append(failed, id)
		if ce, ok := err.(*CallError); !ok || ce.Key != KeyNotFound {
			t.Errorf("end %s: err = %v, want the server's notFound", id, err)
		}
	})
	slices.Sort(ended)
	if want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}; !slices.Equal(ended, want) {
		t.Errorf("ended %v, want %v", ended, want)
	}
	if !slices.Equal(failed, []string{"gone"}) {
		t.Errorf("reported %v as failed, want [gone]", failed)
	}

	// With the context done before the start, nothing is sent and every
	// meeting is reported.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	failed = nil
	c.EndMeetings(ctx, f.target(), []string{"x", "y"}, func(id string, err error) { failed = append(failed, id) })
	slices.Sort(failed)
	if !slices.Equal(failed, []string{"x", "y"}) {
		t.Errorf("with a done context reported %v, want [x y]", failed)
	}
}
