package recordings

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func sampleRecording(protected bool) store.Recording {
	return store.Recording{
		RecordID:     "rec-1",
		MeetingID:    "room",
		Name:         "Room",
		Published:    true,
		Protected:    protected,
		State:        "published",
		Participants: 3,
		StartTime:    time.UnixMilli(1530718721124),
		Metadata:     map[string]string{"tenant-id": "t1", "bbb-origin": "greenlight", "empty": ""},
		Formats: []store.PlaybackFormat{
			{Format: "podcast", URL: "/podcast/rec-1/audio.ogg", Length: 1},
			{Format: "presentation", URL: "/playback/presentation/2.3/rec-1", Length: 2, ProcessingTime: 7177,
				Previews: []store.Preview{{URL: "/presentation/rec-1/thumb-1.png", Width: 176, Height: 136, Alt: "Welcome"}}},
		},
	}
}

func TestDocumentUnprotected(t *testing.T) {
	d := Document{BaseURL: "https://lb.example.com:8443"}
	got, err := d.Recording(context.Background(), sampleRecording(true))
	if err != nil {
		t.Fatal(err)
	}
	if got.Protected != nil {
		t.Error("<protected> written while protection is off")
	}
	if got.InternalMeetingID != "rec-1" || got.StartTime != 1530718721124 || got.EndTime != 0 {
		t.Errorf("recording %+v", got)
	}
	if len(got.Metadata) != 3 || got.Metadata[0].Key != "bbb-origin" || got.Metadata[1].Key != "empty" || got.Metadata[2].Key != "tenant-id" {
		t.Errorf("metadata %+v, want every key, ordered", got.Metadata)
	}
	fs := got.Playback.Formats
	if len(fs) != 2 || fs[0].URL != "https://lb.example.com:8443/podcast/rec-1/audio.ogg" || fs[0].Preview != nil {
		t.Fatalf("formats %+v", fs)
	}
	p := fs[1]
	if p.URL != "https://lb.example.com:8443/playback/presentation/2.3/rec-1" || p.Length != 2 || p.ProcessingTime != 7177 {
		t.Errorf("presentation %+v", p)
	}
	want := bbb.Image{Alt: "Welcome", Width: 176, Height: 136, URL: "https://lb.example.com:8443/presentation/rec-1/thumb-1.png"}
	if p.Preview == nil || len(p.Preview.Images) != 1 || p.Preview.Images[0] != want {
		t.Errorf("preview %+v", p.Preview)
	}
}

func TestDocumentProtected(t *testing.T) {
	live := openStore(t)
	ctx := testContext(t)
	d := Document{BaseURL: "http://lb", Protection: true, Tokens: Tokens{Live: live}}

	plain, err := d.Recording(ctx, sampleRecording(false))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Protected == nil || *plain.Protected {
		t.Errorf("unprotected recording: <protected> = %v", plain.Protected)
	}
	if plain.Playback.Formats[1].Preview == nil || !strings.HasPrefix(plain.Playback.Formats[1].URL, "http://lb/playback/") {
		t.Errorf("unprotected recording formats %+v", plain.Playback.Formats)
	}

	var tokens []string
	for range 2 {
		got, err := d.Recording(ctx, sampleRecording(true))
		if err != nil {
			t.Fatal(err)
		}
		if got.Protected == nil || !*got.Protected {
			t.Errorf("<protected> = %v", got.Protected)
		}
		for _, f := range got.Playback.Formats {
			if f.Preview != nil {
				t.Errorf("%s: previews shown for a protected recording", f.Type)
			}
			u, err := url.Parse(f.URL)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme+"://"+u.Host != "http://lb" || u.Path != "/recording/rec-1/"+f.Type {
				t.Errorf("%s: URL %s", f.Type, f.URL)
			}
			tok := u.Query().Get("token")
			if err := (Tokens{Live: live}).Redeem(ctx, tok, "rec-1", f.Type); err != nil {
				t.Errorf("%s: token of the URL does not redeem: %v", f.Type, err)
			}
			tokens = append(tokens, tok)
		}
	}
	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Errorf("token %s handed out twice", tok)
		}
		seen[tok] = true
	}

	// A store failure is the call's failure, not a URL without a token.
	live.Close()
	if _, err := d.Recording(ctx, sampleRecording(true)); err == nil {
		t.Error("no error with the live store closed")
	} else if errors.Is(err, ErrInvalidToken) {
		t.Errorf("unexpected error kind: %v", err)
	}
}
