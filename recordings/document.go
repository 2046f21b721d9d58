package recordings

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// PlayPrefix is the path under which a protected recording's token is
// exchanged for its cookie: /recording/<recordID>/<format>?token=….
const PlayPrefix = "/recording/"

// Document turns stored recordings into getRecordings' <recording> elements
// (spec/scalelite.md §8.1).
type Document struct {
	// BaseURL is the scheme and host (with port) the request came to, e.g.
	// https://bbb.example.com: playback and preview URLs point at the load
	// balancer, never at a BBB server.
	BaseURL string
	// Protection says protected recordings are enabled: every recording
	// then has <protected>, and a protected one gets one-time token URLs
	// and no previews.
	Protection bool
	// Tokens mints the one-time tokens; used only with Protection.
	Tokens Tokens
}

// Recordings converts rs in order.
func (d Document) Recordings(ctx context.Context, rs []store.Recording) ([]bbb.Recording, error) {
	out := make([]bbb.Recording, 0, len(rs))
	for _, r := range rs {
		doc, err := d.Recording(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// Recording converts one recording. A protected one gets a fresh token per
// format, so each call of getRecordings hands out new links.
func (d Document) Recording(ctx context.Context, r store.Recording) (bbb.Recording, error) {
	protected := d.Protection && r.Protected
	doc := bbb.Recording{
		RecordID:          r.RecordID,
		MeetingID:         r.MeetingID,
		InternalMeetingID: r.RecordID,
		Name:              r.Name,
		Published:         r.Published,
		State:             r.State,
		StartTime:         unixMillis(r.StartTime),
		EndTime:           unixMillis(r.EndTime),
		Participants:      r.Participants,
		Metadata:          metadata(r.Metadata),
	}
	if d.Protection {
		doc.Protected = &protected
	}
	for _, f := range r.Formats {
		pf := bbb.PlaybackFormat{Type: f.Format, Length: f.Length, ProcessingTime: f.ProcessingTime}
		if protected {
			token, err := d.Tokens.Mint(ctx, r.RecordID, f.Format)
			if err != nil {
				return bbb.Recording{}, err
			}
			pf.URL = d.BaseURL + PlayPrefix + url.PathEscape(r.RecordID) + "/" + url.PathEscape(f.Format) + "?token=" + token
		} else {
			pf.URL = d.absolute(f.URL)
			if len(f.Previews) > 0 {
				pf.Preview = &bbb.Preview{Images: make([]bbb.Image, 0, len(f.Previews))}
				for _, p := range f.Previews {
					pf.Preview.Images = append(pf.Preview.Images, bbb.Image{
						Alt: p.Alt, Width: p.Width, Height: p.Height, URL: d.absolute(p.URL),
					})
				}
			}
		}
		doc.Playback.Formats = append(doc.Playback.Formats, pf)
	}
	return doc, nil
}

// absolute puts a stored path on the load balancer's base URL. A stored URL
// that is already absolute (not what the importer writes) is kept.
func (d Document) absolute(u string) string {
	if strings.HasPrefix(u, "/") {
		return d.BaseURL + u
	}
	if strings.Contains(u, "://") {
		return u
	}
	return d.BaseURL + "/" + u
}

// metadata orders a recording's metadata by key, so answers are stable.
func metadata(m map[string]string) bbb.RecordingMetadata {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(bbb.RecordingMetadata, 0, len(keys))
	for _, k := range keys {
		out = append(out, bbb.MetaEntry{Key: k, Value: m[k]})
	}
	return out
}

// unixMillis is a time in epoch milliseconds, 0 for an unknown time.
func unixMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
